"""Attendance by agenda part in Chromium (seed 004, Knowsley): the record of the meeting shows who is
expected for which part, the administrator records a member who left before part 3, and the
quorum is judged part by part; every page passes axe-core."""

from __future__ import annotations

from playwright.sync_api import expect

from agenda_support import panel  # noqa: F401
from factories import PASSWORD
from parts_support import PART_1, PART_2, PART_3, sitting  # noqa: F401


def test_the_administrator_takes_attendance_by_part(page, sign_in, assert_accessible, sitting):
    meeting_id = sitting["meeting_id"]
    sign_in(page, "admin@knowsley.example.org", PASSWORD)
    page.goto(f"/knowsley/meetings/{meeting_id}/record")
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the meeting")
    table = page.locator("#attendance-by-part-table")
    expect(table.get_by_role("caption")).to_have_text("Who is expected for each part")
    vsh = table.get_by_role("row", name="Vera Head")
    expect(vsh.locator(f'[data-part="{PART_1}"]')).to_have_text("Not required")
    expect(vsh.locator(f'[data-part="{PART_2}"]')).to_have_text("Expected")
    adoption = table.get_by_role("row", name="Adam Adopt")
    expect(adoption.locator(f'[data-part="{PART_1}"]')).to_have_text("Expected")
    expect(adoption.locator(f'[data-part="{PART_3}"]')).to_have_text("Not required")
    expect(page.get_by_role("group", name="Vera Head")).to_contain_text(
        "not required for Part 1: Adoption tracking")
    assert_accessible(page)

    nurse = page.get_by_role("group", name="Nora Nurse")
    nurse.get_by_text("Attendance by part, if different").click()
    nurse.get_by_label("Part 3: Children placed at home with parents").select_option(label="Absent")
    page.get_by_role("group", name="Vera Head").get_by_label("Apologies").check()
    page.get_by_role("button", name="Save attendance").click()

    expect(page.get_by_text("Attendance is saved.")).to_be_visible()
    quorum = page.locator("#quorum")
    expect(quorum).to_contain_text("Not quorate for Part 2")
    expect(quorum.locator(f'[data-part="{PART_1}"]')).to_contain_text("quorate, 4 members present or represented")
    expect(quorum.locator(f'[data-part="{PART_3}"]')).to_contain_text(
        "not quorate: 2 of the 4 members needed are present or represented")
    expect(table.get_by_role("caption")).to_have_text("Who attended each part")
    expect(vsh.locator(f'[data-part="{PART_1}"]')).to_have_text("Not required")  # not an apology
    expect(vsh.locator(f'[data-part="{PART_2}"]')).to_have_text("Apologies")
    nurse_row = table.get_by_role("row", name="Nora Nurse")
    expect(nurse_row.locator(f'[data-part="{PART_2}"]')).to_have_text("Present")
    expect(nurse_row.locator(f'[data-part="{PART_3}"]')).to_have_text("Absent")
    expect(table.locator("tfoot").locator(f'[data-part="{PART_1}"]')).to_contain_text("Quorate")
    assert_accessible(page)

    page.get_by_role("link", name="Ben Fictional").click()
    expect(page.locator("#part-quorum")).to_contain_text(
        "The meeting was not quorate for Part 2: Matching and approval / recommendation of placements")
    assert_accessible(page)
