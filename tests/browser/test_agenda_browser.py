"""The agenda in Chromium: the panel administrator orders the items, sets a presenter and
publishes; a seated member opens the papers pack. Every page is checked with axe."""

import re

from playwright.sync_api import expect

from agenda_support import attach_paper, book, panel, seat  # noqa: F401
from factories import PASSWORD


def test_the_administrator_builds_and_publishes_the_agenda_and_a_member_opens_the_papers(
        page, sign_in, assert_accessible, app, panel):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    ava = book(app, tenant, meeting_id, panel["children"][0], position=1)
    ben = book(app, tenant, meeting_id, panel["children"][1], position=2)
    token = attach_paper(app, tenant, ben, panel["admin"])

    sign_in(page, "admin@knowsley.example.org", PASSWORD)
    page.goto(f"/knowsley/meetings/{meeting_id}/agenda")
    expect(page.get_by_role("heading", name="Agenda for Wednesday 16 December 2026")).to_be_visible()
    assert_accessible(page)

    # Ben first: move him up.
    page.get_by_role("button", name="Move up Ben Fictional").click()
    expect(page.locator("tbody tr").first).to_contain_text("Ben Fictional")
    expect(page.locator(f"#item-{ben}")).to_contain_text("09:30 to 09:40")

    # Ava's presenter: her team manager rather than her social worker.
    page.get_by_role("link", name="Change the slot of Ava Fictional").click()
    expect(page.get_by_role("heading", name="Ava Fictional")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Minutes allowed").fill("0")
    page.get_by_role("button", name="Save slot").click()
    expect(page.get_by_role("alert")).to_contain_text("Minutes allowed must be from 1 to 240")
    assert_accessible(page)
    page.get_by_label("Minutes allowed").fill("15")
    page.get_by_label("Presenter", exact=True).select_option(label="Tess Manager")
    page.get_by_label("Second presenter").select_option(label="No presenter")
    page.get_by_role("button", name="Save slot").click()
    expect(page.get_by_role("alert")).to_contain_text("The slot of Ava Fictional is saved")
    expect(page.locator(f"#item-{ava}")).to_contain_text("Tess Manager")
    expect(page.locator(f"#item-{ava}")).to_contain_text("09:40 to 09:55")

    page.get_by_role("button", name="Publish agenda").click()
    expect(page.get_by_role("alert")).to_contain_text("The agenda is published")
    expect(page.get_by_text("Published", exact=True)).to_be_visible()
    page.goto("/knowsley/panels/permanency-panel/members")
    expect(page.get_by_role("heading", name="Members of Multi-Agency Permanency Panel")).to_be_visible()
    assert_accessible(page)

    # A seated partner-agency member reads the papers pack and opens Ben's care plan page.
    page.context.clear_cookies()
    sign_in(page, "nurse@health.example.org", PASSWORD)
    page.goto(f"/knowsley/meetings/{meeting_id}/papers")
    expect(page.get_by_role("heading", name="Papers pack for Wednesday 16 December 2026")).to_be_visible()
    expect(page.locator(f'a[href="/knowsley/papers/{token}"]')).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Ben Fictional").click()
    expect(page.get_by_role("heading", name="Ben Fictional")).to_be_visible()
    assert_accessible(page)
    page.goto("/knowsley/calendar-feed")
    page.get_by_role("button", name="Make my feed address").click()
    expect(page.get_by_label("Copy this address now: it will not be shown again")).to_have_value(
        re.compile(r"/knowsley/calendar/.+\.ics$"))
    assert_accessible(page)
