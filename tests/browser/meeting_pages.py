"""Steps on the meeting's pages that several browser tests take: attendance and an item's record."""

from __future__ import annotations

import re

from playwright.sync_api import expect


def take_attendance(page, statuses: dict[str, str | tuple[str, str]], by_part: dict[str, dict[str, str]] = None):
    """Mark each named person's seat (everyone else stays present) and save. A status is
    ``apologies``, ``absent``, ``present`` or ``("represented", "Who came instead")``; ``by_part``
    gives a person's attendance for a part where it differs ({name: {part title: "Absent"}})."""
    for name, status in statuses.items():
        seat = page.get_by_role("group", name=re.compile(re.escape(name)))
        if isinstance(status, tuple):
            seat.get_by_label("Represented", exact=True).check()
            seat.get_by_label("Represented by (if represented)").fill(status[1])
        else:
            seat.get_by_label(status.capitalize(), exact=True).check()
    for name, parts in (by_part or {}).items():
        seat = page.get_by_role("group", name=re.compile(re.escape(name)))
        seat.get_by_text("Attendance by part, if different").click()
        for part, status in parts.items():
            seat.get_by_label(part).select_option(label=status)
    page.get_by_role("button", name="Save attendance").click()
    expect(page.get_by_text("Attendance is saved.")).to_be_visible()


def record_item(page, child: str, outcome: str, decision: str):
    page.get_by_role("link", name=child, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(child)
    page.get_by_label("Discussion").fill(f"The panel heard the update on {child}'s plan.")
    page.get_by_role("group", name="Was the care plan confirmed?").get_by_label("Yes").check()
    page.get_by_role("group", name="Was the legal status confirmed?").get_by_label("Yes").check()
    page.get_by_label("Outcome").select_option(label=outcome)
    page.get_by_label("Decision", exact=True).fill(decision)
    page.get_by_role("group", name="Escalate?").get_by_label("No").check()
    page.get_by_role("button", name="Save the record").click()
    expect(page.get_by_text("The item is recorded as heard.")).to_be_visible()
