"""A whole sitting recorded through the pages in Chromium, every page checked with axe-core:

- Knowsley's Multi-Agency Permanency Panel: attendance by agenda part (the YPT team manager is
  not required for part 1; one member leaves before part 4) with apologies and a representative,
  the quorum banner part by part, a declaration of interest ruled 'leave' by the chair (the
  member then cannot open the child's papers), each item's outcome, the next sitting's agenda
  agreed at the meeting, minutes refused while an item is unrecorded, then assembled, approved
  and circulated;
- seed 001's per-child PPTM: the same cycle for one child, whose next PPTM is then booked.

Each person signs in in their own browser context. The sittings are held today.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from factories import PASSWORD
from meeting_pages import record_item, take_attendance
from sitting_support import KNOWSLEY_SEATS, knowsley_sitting, pptm_held_today

PART_1, PART_4 = "adoption-tracking", "scrutiny"
PART_4_TITLE = "Part 4: Scrutiny of plans and placements without a plan of permanency"


@pytest.fixture
def person(browser, server_url, sign_in):
    """``person(email)``: a page in a fresh browser context, signed in."""
    contexts = []

    def open_as(email):
        context = browser.new_context(base_url=server_url, locale="en-GB", timezone_id="Europe/London",
                                      viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        sign_in(page, email, PASSWORD)
        return page

    yield open_as
    for context in contexts:
        context.close()


def test_a_knowsley_sitting_recorded_through_the_pages(app, page, person, sign_in, assert_accessible, make_user,
                                                      make_child):
    sitting = knowsley_sitting(app, make_user, make_child)
    slug, ids, people = sitting.slug, sitting.ids, sitting.people
    record_url = f"/{slug}/meetings/{ids.meeting}/record"
    name = {key: seat[2] for key, seat in KNOWSLEY_SEATS.items()}

    # The panel administrator opens the meeting and takes attendance.
    sign_in(page, people["admin"].email, PASSWORD)
    page.goto(f"/{slug}/meetings/{ids.meeting}")
    page.get_by_role("link", name="Record of the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the meeting")
    expect(page.get_by_text("Attendance has not been taken yet")).to_be_visible()
    table = page.locator("#attendance-by-part-table")
    expect(table.get_by_role("caption")).to_have_text("Who is expected for each part")
    ypt = table.get_by_role("row", name=re.compile(name["ypt"]))
    expect(ypt.locator(f'[data-part="{PART_1}"]')).to_have_text("Not required")
    expect(ypt.locator(f'[data-part="{PART_4}"]')).to_have_text("Expected")
    assert_accessible(page)
    take_attendance(page, {name["chair"]: "apologies"})
    expect(page.locator("#quorum")).to_contain_text(
        "Not quorate for Part 1: Adoption tracking (no senior manager is present)")
    # The chair is there; the YPT manager sends apologies (for part 4: part 1 is not theirs); the IRO
    # sends a representative; the adoption team manager leaves before part 4.
    take_attendance(page, {name["chair"]: "present", name["ypt"]: "apologies",
                           name["iro"]: ("represented", "Fictional Deputy Reviewer")},
                    by_part={name["adoption"]: {PART_4_TITLE: "Absent"}})
    quorum = page.locator("#quorum")
    expect(quorum).to_contain_text("Quorate")
    expect(quorum.locator(f'[data-part="{PART_1}"]')).to_contain_text("quorate, 6 members present or represented")
    expect(quorum.locator(f'[data-part="{PART_4}"]')).to_contain_text("quorate, 5 members present or represented")
    expect(ypt.locator(f'[data-part="{PART_1}"]')).to_have_text("Not required")  # not an apology
    expect(ypt.locator(f'[data-part="{PART_4}"]')).to_have_text("Apologies")
    adoption = table.get_by_role("row", name=re.compile(name["adoption"]))
    expect(adoption.locator(f'[data-part="{PART_4}"]')).to_have_text("Absent")
    assert_accessible(page)

    # A declaration of interest for Fictional Alder's item; the nurse can still read its papers.
    page.get_by_label("Member declaring the interest").select_option(label=name["nurse"])
    page.get_by_label("Declared for").select_option(label="Fictional Alder")
    page.get_by_label("Interest declared").fill("Related to the prospective adopters")
    page.get_by_role("button", name="Record declaration").click()
    expect(page.get_by_text("The declaration is recorded; the chair rules on it.")).to_be_visible()
    nurse = person(people["nurse"].email)
    papers = f"/{slug}/agenda-items/{ids.items[0]}/papers"
    nurse.goto(papers)
    expect(nurse.get_by_role("heading", level=1)).to_contain_text("Fictional Alder")

    # The chair rules that the nurse leaves for the item: the papers are closed to her.
    chair = person(people["chair"].email)
    chair.goto(record_url)
    chair.get_by_label("Leaves the meeting for the item").check()
    chair.get_by_role("button", name=re.compile("Record ruling")).click()
    expect(chair.get_by_text("Ruling recorded: leaves the meeting for the item.")).to_be_visible()
    expect(chair.get_by_role("cell", name=f"{name['nurse']} (left for this item)")).to_be_visible()
    assert_accessible(chair)
    nurse.goto(papers)
    expect(nurse.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")
    nurse.goto(f"/{slug}/meetings/{ids.meeting}/papers")
    expect(nurse.get_by_text("Fictional Alder")).to_have_count(0)

    # Each item's outcome. Cedar's is left to the end: approving the minutes is refused meanwhile.
    page.goto(record_url)
    record_item(page, "Fictional Alder", "Actions agreed with timescales; brought back to panel",
                "Family finding to report back next month.")
    expect(page.get_by_text(f"{name['nurse']} left the meeting for this item")).to_be_visible()
    assert_accessible(page)
    page.goto(record_url)
    record_item(page, "Fictional Beech", "Match and placement approved", "Match with the approved adopters agreed.")
    page.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    page.get_by_role("button", name="Assemble from the record").click()
    expect(page.get_by_text("The draft minutes are assembled from the record.")).to_be_visible()
    expect(page.locator("#unfinished")).to_contain_text("The minutes cannot be approved until every item is recorded")
    assert_accessible(page)
    chair.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    chair.get_by_role("button", name="Approve minutes").click()
    expect(chair.get_by_role("alert")).to_contain_text("Still to record: Fictional Cedar (KN-FICT-3)")
    assert_accessible(chair)
    page.goto(record_url)
    record_item(page, "Fictional Cedar", "Actions agreed with timescales; brought back to panel",
                "Review the residential placement's plan next month.")

    # The agenda of the next sitting is agreed at the end of the meeting: the children arrive booked.
    page.goto(record_url)
    expect(page.get_by_role("heading", name="Agenda for the next sitting")).to_be_visible()
    page.get_by_label("Bring Fictional Alder").check()
    page.get_by_label("Part of the agenda for Fictional Cedar").select_option(label=PART_4_TITLE)
    page.get_by_label("Bring Fictional Cedar").check()
    page.get_by_role("button", name="Agree the next sitting's agenda").click()
    expect(page.get_by_text(re.compile(r"is agreed: 2 children booked or moved\."))).to_be_visible()
    expect(page.locator("#next-agenda ~ form tbody tr").filter(has_text="Fictional Alder")).to_contain_text("Booked")
    assert_accessible(page)
    page.goto(f"/{slug}/meetings/{ids.later}/agenda")
    expect(page.get_by_role("link", name="Fictional Alder", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Fictional Cedar", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Fictional Beech", exact=True)).to_have_count(0)

    # Minutes: assembled again, approved by the chair, circulated by the administrator.
    page.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    page.get_by_role("button", name="Assemble again from the record").click()
    expect(page.get_by_label("Minutes", exact=True)).to_contain_text("Fictional Cedar (KN-FICT-3)")
    expect(page.get_by_label("Minutes", exact=True)).to_contain_text("represented by Fictional Deputy Reviewer")
    chair.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    chair.get_by_role("button", name="Approve minutes").click()
    expect(chair.get_by_text("The minutes are approved.")).to_be_visible()
    assert_accessible(chair)
    page.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    page.get_by_role("button", name="Circulate minutes").click()
    # Six seated members (not the nurse, ruled out of an item) and the presenting social worker.
    expect(page.get_by_text("The minutes are circulated: 7 people were sent a link by e-mail.")).to_be_visible()
    assert_accessible(page)


def test_a_pptm_recorded_through_the_pages(app, page, person, sign_in, assert_accessible, make_user):
    pptm = pptm_held_today(app, make_user)
    slug, ids, people = pptm.slug, pptm.ids, pptm.people

    # The chair (the Children in Care team manager) finds the child's meeting and its record.
    sign_in(page, people["chair"].email, PASSWORD)
    page.goto(f"/{slug}/tracking-meetings/")
    page.get_by_role("link", name="Fictional Elm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fictional Elm")
    assert_accessible(page)
    page.get_by_role("link", name="Record of the meeting").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record of the meeting")
    for key in ("worker", "manager", "iro", "supervising", "bso"):
        expect(page.get_by_role("group", name=re.compile(people[key].name))).to_be_visible()
    assert_accessible(page)

    take_attendance(page, {people["worker"].name: "apologies"})
    expect(page.locator("#quorum")).to_contain_text("Not quorate: no social worker is present")
    take_attendance(page, {people["worker"].name: "present", people["iro"].name: "apologies",
                           people["manager"].name: ("represented", "Fictional Deputy Manager")})
    expect(page.locator("#quorum")).to_contain_text("Quorate")
    assert_accessible(page)

    # The Business Support Officer records the supervising social worker's interest; the chair rules.
    bso = person(people["bso"].email)
    bso.goto(f"/{slug}/meetings/{ids.meeting}/record")
    bso.get_by_label("Member declaring the interest").select_option(label=people["supervising"].name)
    bso.get_by_label("Declared for").select_option(label="Fictional Elm")
    bso.get_by_label("Interest declared").fill("Supervises the prospective adopters")
    bso.get_by_role("button", name="Record declaration").click()
    expect(bso.get_by_text("The declaration is recorded; the chair rules on it.")).to_be_visible()
    page.reload()
    page.get_by_label("Leaves the meeting for the item").check()
    page.get_by_role("button", name=re.compile("Record ruling")).click()
    expect(page.get_by_role("cell", name=f"{people['supervising'].name} (left for this item)")).to_be_visible()
    supervising = person(people["supervising"].email)
    supervising.goto(f"/{slug}/agenda-items/{ids.item}/papers")
    expect(supervising.get_by_role("heading", level=1)).to_have_text("You do not have permission to see this page")

    # The outcome: review again at PPTM, so the child's next PPTM is booked.
    record_item(page, "Fictional Elm", "Review again at PPTM", "Review again in six weeks; family finding to report.")
    assert_accessible(page)
    page.goto(f"/{slug}/tracking-meetings/")
    expect(page.locator("tbody tr").filter(has_text="Fictional Elm")).to_have_count(1)
    page.get_by_role("link", name="Fictional Elm").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Fictional Elm")
    expect(page).not_to_have_url(re.compile(rf"/tracking-meetings/{ids.meeting}$"))  # a new meeting, later

    # Minutes: the BSO assembles, the chair approves, the BSO circulates to the child's workers too.
    bso.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    bso.get_by_role("button", name="Assemble from the record").click()
    expect(bso.get_by_label("Minutes", exact=True)).to_contain_text("Outcome: Review again at PPTM")
    assert_accessible(bso)
    page.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    page.get_by_role("button", name="Approve minutes").click()
    expect(page.get_by_text("The minutes are approved.")).to_be_visible()
    bso.goto(f"/{slug}/meetings/{ids.meeting}/minutes")
    bso.get_by_role("button", name="Circulate minutes").click()
    # The chair, the BSO, and the child's social worker, team manager and IRO (not the member ruled out).
    expect(bso.get_by_text("The minutes are circulated: 5 people were sent a link by e-mail.")).to_be_visible()
    assert_accessible(bso)
