"""The panel report in Chromium: a senior manager opens "Reports", chooses seed 001's Permanence
Panel and Quarter 3 2026-27, reads the report with its charts (each an image with a name, its
figures a table behind "Show the figures as a table"), and every page passes axe-core at every
width. The quarter is tests/reports_support.py's; today is Friday 15 January 2027."""

from __future__ import annotations

from datetime import datetime, timezone

import time_machine
from playwright.sync_api import expect

from factories import PASSWORD
from reports_support import build


def test_a_senior_manager_reads_a_quarters_report(app, page, sign_in, assert_accessible, make_user):
    with time_machine.travel(datetime(2027, 1, 15, 9, 0, tzinfo=timezone.utc), tick=False):
        data = build(app, make_user)
    with time_machine.travel(datetime(2027, 1, 15, 9, 0, tzinfo=timezone.utc), tick=True):
        sign_in(page, data.reader.email, PASSWORD)
        page.get_by_role("link", name="Reports").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Panel reports")
        expect(page.get_by_text("Permanence Panel quarterly highlight report")).to_be_visible()
        assert_accessible(page)

        page.get_by_label("Panel").select_option(label="Permanence Panel")
        page.get_by_label("Period").select_option(label="Quarter 3 2026-27 (October to December 2026)")
        page.get_by_role("button", name="Show the report").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Quarter 3 2026-27")
        chart = page.get_by_role("img", name="Deadlines met and missed")
        expect(chart).to_be_visible()
        assert chart.bounding_box()["width"] > 300
        details = page.locator("#section-timeliness details")
        details.get_by_text("Show the figures as a table").click()
        row = details.get_by_role("row", name="Minutes circulated within the minutes deadline (sittings)")
        expect(row).to_contain_text("1")
        expect(row.get_by_role("cell").nth(1)).to_have_text("2")
        assert_accessible(page)

        page.get_by_role("link", name="Choose another panel or period").click()
        page.get_by_label("Period").select_option(label="The dates below")
        page.get_by_label("From").fill("2026-12-31")
        page.get_by_label("To").fill("2026-10-01")
        page.get_by_role("button", name="Show the report").click()
        expect(page.get_by_role("alert")).to_contain_text("The end date (to) must be on or after the start date")
        assert_accessible(page)
