"""The child's page in a browser: the meetings that considered the child, newest first, with the
decision record a click away; the page passes axe-core. Today is Monday 1 March 2027."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from factories import PASSWORD
from minutes_support import fixed_today, panel  # noqa: F401  (fixtures)


def test_the_childs_meetings_on_the_childs_page(page, sign_in, assert_accessible, panel, fixed_today):
    sign_in(page, "worker@example.org", PASSWORD)
    page.goto(f"/{panel.slug}/children/{panel.child.id}")
    meetings = page.get_by_role("table", name="Panel meetings that considered the child, newest first")
    expect(page.get_by_role("heading", name="Panel meetings")).to_be_visible()
    rows = meetings.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("3 March 2027")
    expect(rows.nth(0)).to_contain_text("Booked")
    expect(rows.nth(1)).to_contain_text("Agreed decisions and recommended action")
    expect(rows.nth(1)).to_contain_text("Continue the plan for long-term fostering.")
    assert_accessible(page)

    expect(rows.nth(1).get_by_role("link", name="PDF of the decision record of 17 February 2027")).to_have_attribute(
        "href", f"/{panel.slug}/agenda-items/{panel.ids.item}/decision-record.pdf")
    rows.nth(1).get_by_role("link", name=re.compile(r"^Decision record\s+of 17 February 2027")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Decision record: Fictional Ollie")
    page.go_back()
    rows.nth(1).get_by_role("link", name="17 February 2027", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/{panel.slug}/meetings/{panel.ids.meeting}$"))
