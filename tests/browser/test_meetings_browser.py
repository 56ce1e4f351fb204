"""The meeting in Chromium: the chair takes attendance and sees the quorum, records a member's
declaration and rules that they leave for the item, then records the item; every page passes
axe-core."""

from __future__ import annotations

from playwright.sync_api import expect

from factories import PASSWORD
from meetings_support import MONTHLY, monthly_meeting


def test_the_chair_runs_the_meeting(app, page, sign_in, assert_accessible, make_user, make_child):
    setup = monthly_meeting(app, make_user, make_child)
    slug, meeting_id = MONTHLY["slug"], setup["meeting_id"]
    sign_in(page, "chair@monthly.example.org", PASSWORD)

    page.goto(f"/{slug}/meetings/{meeting_id}")
    page.get_by_role("link", name="Record of the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the meeting")
    expect(page.get_by_text("Attendance has not been taken yet")).to_be_visible()
    assert_accessible(page)

    seat = page.get_by_role("group", name="Toby Manager")
    seat.get_by_label("Represented", exact=True).check()
    seat.get_by_label("Represented by (if represented)").fill("Rita Deputy")
    page.get_by_role("group", name="Ira Reviewer").get_by_label("Apologies").check()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator("#quorum")).to_contain_text("Quorate")
    expect(page.get_by_text("Attendance is saved.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Member declaring the interest").select_option(label="Toby Manager")
    page.get_by_label("Declared for").select_option(label="Fictional Ash")
    page.get_by_label("Interest declared").fill("Knows the child's foster carers socially")
    page.get_by_role("button", name="Record declaration").click()
    expect(page.get_by_text("The declaration is recorded; the chair rules on it.")).to_be_visible()
    page.get_by_label("Leaves the meeting for the item").check()
    page.get_by_role("button", name="Record ruling").click()
    expect(page.get_by_text("Ruling recorded: leaves the meeting for the item.")).to_be_visible()
    expect(page.get_by_role("cell", name="Toby Manager (left for this item)")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Fictional Ash").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Fictional Ash")
    expect(page.get_by_text("Toby Manager left the meeting for this item")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_role("alert")).to_contain_text("Select an outcome from the terms of reference")
    assert_accessible(page)
    page.get_by_label("Discussion").fill("Plan progressing; final hearing listed.")
    page.get_by_role("group", name="Was the care plan confirmed?").get_by_label("Yes").check()
    page.get_by_role("group", name="Was the legal status confirmed?").get_by_label("Yes").check()
    page.get_by_label("Outcome").select_option(label="Continue tracking; plan progressing")
    page.get_by_label("Decision", exact=True).fill("Continue to track monthly.")
    page.get_by_role("group", name="Escalate?").get_by_label("No").check()
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The item is recorded as heard.")).to_be_visible()
    expect(page.get_by_text("Continue to track monthly.").first).to_be_visible()
    assert_accessible(page)
