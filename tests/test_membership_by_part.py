"""Membership by agenda part (seed 004, Knowsley): "the Team Manager YPT and Virtual Head will not be
required for part 1 ... Team Manager, Adoption will not be required for part 2/3". A sitting with
items in parts 1, 2 and 3: each member is invited for their parts and sent only their parts'
items and papers; attendance and quorum are taken part by part."""

from __future__ import annotations

import re

import pytest
from icalendar import Calendar

from agenda_support import attach_paper, emails, meeting_row, panel, seat  # noqa: F401
from parts_support import PART_1, PART_2, PART_3, sitting  # noqa: F401
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, ItemStatus, Meeting
from permanence.tor import load_tor_from_text
from permanence.tor.loader import TorConfigError
from tracker_support import REPO


def _calendar(text, method="REQUEST"):
    cal = Calendar.from_ical(text)
    assert str(cal["method"]) == method
    (event,) = cal.walk("VEVENT")
    return event


def _times(event):
    return event.decoded("dtstart").strftime("%H:%M"), event.decoded("dtend").strftime("%H:%M")


def _publish(client, login, sitting, work_jobs):
    login(sitting["admin"])
    response = client.post(f"/knowsley/meetings/{sitting['meeting_id']}/agenda/publish", follow_redirects=True)
    assert "The agenda is published" in response.text
    work_jobs()


def _agenda_mail(app, sitting, who):
    sent = [e for e in emails(app, sitting["tenant"]) if e["to"] == sitting[who].email and "agenda for" in e["subject"]]
    return sent[-1]


# --- invitations ----------------------------------------------------------------------------------

def test_each_member_is_invited_for_the_parts_they_are_required_for(app, client, login, sitting, work_jobs):
    _publish(client, login, sitting, work_jobs)
    ava, ben, cal = (c.reference for c in sitting["children"])

    vsh = _agenda_mail(app, sitting, "vsh")
    assert ben in vsh["body"] and cal in vsh["body"] and ava not in vsh["body"]
    assert "You are not required for Part 1: Adoption tracking" in vsh["body"]
    assert "Part 2: Matching and approval / recommendation of placements (09:40 to 10:00)" in vsh["body"]
    assert _times(_calendar(vsh["calendar"])) == ("09:40", "12:30")  # from part 2 to the end of the sitting

    adoption = _agenda_mail(app, sitting, "adoption")
    assert ava in adoption["body"] and ben not in adoption["body"] and cal not in adoption["body"]
    assert "You are not required for Part 2: Matching and approval" in adoption["body"]
    assert _times(_calendar(adoption["calendar"])) == ("09:30", "09:40")  # part 1 only

    nurse = _agenda_mail(app, sitting, "nurse")  # a seat required for every part: the whole sitting
    assert ava in nurse["body"] and ben in nurse["body"] and cal in nurse["body"]
    assert "not required" not in nurse["body"]
    assert _times(_calendar(nurse["calendar"])) == ("09:30", "12:30")


def test_a_member_required_for_no_part_with_items_is_told_and_an_earlier_invitation_cancelled(
        app, client, login, sitting, work_jobs):
    tenant, items = sitting["tenant"], sitting["items"]
    _publish(client, login, sitting, work_jobs)
    assert _calendar(_agenda_mail(app, sitting, "adoption")["calendar"])["sequence"] == 0
    with app.app_context(), tenant_context(tenant.id):  # Ava's referral is withdrawn: part 1 is empty
        db.session.get(AgendaItem, items["ava"]).status = ItemStatus.WITHDRAWN
        commit()
    _publish(client, login, sitting, work_jobs)

    told = [e for e in emails(app, tenant) if e["to"] == sitting["adoption"].email][-1]
    assert told["subject"] == ("Multi-Agency Permanency Panel: you are not required on Wednesday 16 December 2026 "
                               "(updated)")
    assert "you are not invited to this meeting and its papers are not sent to you" in told["body"]
    assert "Part 2: Matching and approval / recommendation of placements" in told["body"]
    cancel = _calendar(told["calendar"], "CANCEL")
    assert str(cancel["uid"]) == f"meeting-{sitting['meeting_id']}@knowsley.permanence"
    assert int(cancel["sequence"]) == 1 and str(cancel["status"]) == "CANCELLED"
    vsh = _agenda_mail(app, sitting, "vsh")  # the others are sent the update as before
    assert vsh["subject"].endswith("(updated)") and "not required" not in vsh["body"]

    _publish(client, login, sitting, work_jobs)  # told again, with nothing more to cancel
    again = [e for e in emails(app, tenant) if e["to"] == sitting["adoption"].email][-1]
    assert "not required" in again["subject"] and again["calendar"] is None


def test_a_members_calendar_feed_has_the_sitting_for_their_parts(app, client, login, sitting):
    login(sitting["vsh"])
    page = client.post("/knowsley/calendar-feed")
    path = re.search(r'value="(http[^"]+\.ics)"', page.text).group(1).split("localhost", 1)[1]
    events = [e for e in Calendar.from_ical(client.get(path).data).walk("VEVENT")
              if e.decoded("dtstart").strftime("%Y-%m-%d") == "2026-12-16"]
    assert [_times(e) for e in events] == [("09:40", "12:30")]


# --- the agenda and papers each member receives ---------------------------------------------------

def test_a_member_is_not_sent_the_papers_of_a_part_they_are_not_required_for(app, client, login, sitting):
    tenant, items, meeting_id = sitting["tenant"], sitting["items"], sitting["meeting_id"]
    tokens = {name: attach_paper(app, tenant, item_id, sitting["admin"]) for name, item_id in items.items()}
    ava, ben, cal = sitting["children"]

    login(sitting["vsh"])
    assert client.get(f"/knowsley/agenda-items/{items['ava']}/papers").status_code == 403
    assert client.get(f"/knowsley/papers/{tokens['ava']}").status_code == 403
    assert client.get(f"/knowsley/children/{ava.id}").status_code == 403
    assert client.get(f"/knowsley/agenda-items/{items['ben']}/papers").status_code == 200
    pack = client.get(f"/knowsley/meetings/{meeting_id}/papers").text
    assert tokens["ben"] in pack and tokens["cal"] in pack and tokens["ava"] not in pack
    assert "Ava Fictional" not in pack
    assert "you are not required for Part 1: Adoption tracking, so its papers are not in your pack" in pack
    agenda = client.get(f"/knowsley/meetings/{meeting_id}/agenda").text
    assert "Ava Fictional" not in agenda and "Ben Fictional" in agenda
    assert 'id="not-required-adoption-tracking"' in agenda

    login(sitting["adoption"])
    for name in ("ben", "cal"):
        assert client.get(f"/knowsley/agenda-items/{items[name]}/papers").status_code == 403
        assert client.get(f"/knowsley/papers/{tokens[name]}").status_code == 403
    pack = client.get(f"/knowsley/meetings/{meeting_id}/papers").text
    assert tokens["ava"] in pack and tokens["ben"] not in pack and tokens["cal"] not in pack

    login(sitting["nurse"])  # required for every part: every item
    pack = client.get(f"/knowsley/meetings/{meeting_id}/papers").text
    assert all(token in pack for token in tokens.values())


def test_a_seat_the_terms_of_reference_cannot_place_keeps_every_part(app, client, login, sitting, make_user):
    """Several team manager seats say different things about parts: a holder seated under another
    title cannot be placed, so they keep every part rather than lose papers they may need."""
    tenant = sitting["tenant"]
    other = make_user(tenant, ["panel_member"], email="tm@knowsley.example.org", name="Tom Other")
    seat(app, tenant, other, role="team-manager", title="Team Manager, somewhere else")
    login(other)
    pack = client.get(f"/knowsley/meetings/{sitting['meeting_id']}/papers").text
    assert all(f"{c.first_name} Fictional" in pack for c in sitting["children"])


# --- attendance and quorum by part ----------------------------------------------------------------

def _form(page_text):
    """The attendance form as the page renders it: {name: value} of its hidden fields and checked radios."""
    form = page_text.split('action="/knowsley/meetings/', 1)[1].split("</form>", 1)[0]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update(re.findall(r'name="(status-\d+)" type="radio" value="([^"]+)" checked', form))
    fields["csrf_token"] = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page_text).group(1)
    return fields


def _row(fields, title):
    return next(k.split("-")[1] for k, v in fields.items() if k.startswith("title-") and v == title)


def _cells(page_text, person):
    """The attendance-by-part table's cells for ``person``: {part id: text}."""
    table = page_text.split('id="attendance-by-part-table"', 1)[1].split("</table>", 1)[0]
    row = next(r for r in table.split("<tr") if person in r)
    return {part: re.sub(r"<[^>]+>", "", text).strip()
            for part, text in re.findall(r'<td class="govuk-table__cell" data-part="([^"]+)">(.*?)</td>', row)}


def test_the_record_shows_who_is_expected_for_each_part(app, client, login, sitting):
    login(sitting["admin"])
    page = client.get(f"/knowsley/meetings/{sitting['meeting_id']}/record")
    assert page.status_code == 200 and "Attendance by part" in page.text
    assert _cells(page.text, "Vera Head") == {PART_1: "Not required", PART_2: "Expected", PART_3: "Expected"}
    assert _cells(page.text, "Adam Adopt") == {PART_1: "Expected", PART_2: "Not required", PART_3: "Not required"}
    assert _cells(page.text, "Nora Nurse") == {PART_1: "Expected", PART_2: "Expected", PART_3: "Expected"}
    assert "Required for Part 2: Matching and approval / recommendation of placements; Part 3: Children placed at " \
           "home with parents; not required for Part 1: Adoption tracking." in page.text


def test_attendance_and_quorum_are_taken_part_by_part(app, client, login, sitting):
    """Quorum is four members with the senior manager. The Virtual School Head sends apologies: parts 2
    and 3 have the chair, the nurse and the IRO (three); part 1 has those and the adoption team
    manager (four), who does not count for parts 2 and 3 although present all morning."""
    meeting_id, items = sitting["meeting_id"], sitting["items"]
    login(sitting["admin"])
    fields = _form(client.get(f"/knowsley/meetings/{meeting_id}/record").text)
    fields[f"status-{_row(fields, 'Virtual School Head')}"] = "apologies"
    response = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=fields, follow_redirects=True)
    assert response.status_code == 200
    text = response.text
    assert ("Not quorate for Part 2: Matching and approval / recommendation of placements (3 of the 4 members "
            "needed are present or represented); Part 3") in text
    assert "Part 1: Adoption tracking:</strong> quorate, 4 members present or represented" in text
    assert _cells(text, "Vera Head") == {PART_1: "Not required", PART_2: "Apologies", PART_3: "Apologies"}
    assert _cells(text, "Adam Adopt") == {PART_1: "Present", PART_2: "Not required", PART_3: "Not required"}
    meeting = meeting_row(app, sitting["tenant"], meeting_id)
    assert meeting.quorate is False
    assert meeting.quorate_parts == {PART_1: True, PART_2: False, PART_3: False}

    ava = client.get(f"/knowsley/agenda-items/{items['ava']}/record").text
    assert "The meeting was quorate for Part 1: Adoption tracking, though not for every part" in ava
    ben = client.get(f"/knowsley/agenda-items/{items['ben']}/record").text
    assert ("The meeting was not quorate for Part 2: Matching and approval / recommendation of placements: its "
            "decisions should be confirmed") in ben

    with app.app_context(), tenant_context(sitting["tenant"].id):
        from permanence.minutes.assembly import assemble_text

        minutes = assemble_text(db.session.get(Meeting, meeting_id))
    assert "Quorum by part of the agenda: Part 1: Adoption tracking quorate; Part 2: Matching" in minutes
    assert ("Vera Head, Virtual School Head (by part: Part 1: Adoption tracking not required; Part 2: Matching and "
            "approval / recommendation of placements apologies;") in minutes


def test_a_member_who_leaves_early_or_comes_to_a_part_they_are_not_required_for(app, client, login, sitting):
    meeting_id = sitting["meeting_id"]
    login(sitting["admin"])
    fields = _form(client.get(f"/knowsley/meetings/{meeting_id}/record").text)
    parts = [fields[f"part-id-{k}"] for k in range(int(fields["parts"]))]
    assert parts == [PART_1, PART_2, PART_3]
    vsh, nurse = _row(fields, "Virtual School Head"), _row(fields, "Specialist Nurse CLA")
    fields[f"part-{vsh}-0"] = "present"  # came early for part 1: not counted there
    fields[f"part-{nurse}-2"] = "absent"  # left before part 3
    text = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=fields, follow_redirects=True).text
    assert _cells(text, "Vera Head")[PART_1] == "Present (not required; not counted)"
    assert _cells(text, "Nora Nurse") == {PART_1: "Present", PART_2: "Present", PART_3: "Absent"}
    assert "Part 3: Children placed at home with parents:</strong> not quorate: 3 of the 4" in text
    assert "Part 1: Adoption tracking:</strong> quorate, 4 members" in text  # not 5: the head is not required

    fields = _form(text)  # an apology for a part one is not required for is refused, naming the part
    fields[f"part-{vsh}-0"] = "apologies"
    refused = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=fields)
    assert refused.status_code == 400
    assert ("Virtual School Head is not required for Part 1: Adoption tracking, so there is no apology or absence "
            "to record") in refused.text
    assert f'href="#parts-{vsh}"' in refused.text


def _writable(rows):
    """The rows as read, less what is only read (and the empty values of rows not yet saved)."""
    return [{k: v for k, v in r.items() if k not in ("person", "by_part", "not_required_for") and v is not None}
            for r in rows]


def test_attendance_by_part_through_the_api_round_trips_and_names_bad_fields(app, client, sitting, make_token):
    meeting_id = sitting["meeting_id"]
    _, secret = make_token(sitting["tenant"], sitting["admin"])
    headers = {"Authorization": f"Bearer {secret}"}
    url = f"/knowsley/api/v1/meetings/{meeting_id}/attendance"
    before = client.get(url, headers=headers).get_json()
    vsh = next(r for r in before["attendance"] if r["title"] == "Virtual School Head")
    assert vsh["not_required_for"] == [PART_1]
    assert vsh["by_part"] == {PART_1: "not_required", PART_2: "present", PART_3: "present"}
    vsh["parts"] = {PART_3: "absent"}
    saved = client.put(url, json={"attendance": _writable(before["attendance"])}, headers=headers)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    row = next(r for r in body["attendance"] if r["title"] == "Virtual School Head")
    assert row["parts"] == {PART_3: "absent"} and row["by_part"][PART_3] == "absent"
    assert [(p["part_id"], p["met"]) for p in body["quorum"]["parts"]] == [(PART_1, True), (PART_2, True),
                                                                            (PART_3, False)]
    assert body["quorum"]["met"] is False
    again = client.put(url, json={"attendance": _writable(body["attendance"])}, headers=headers)
    assert again.get_json()["attendance"] == body["attendance"]  # what it reads back, it accepts unchanged

    rows = _writable(body["attendance"])
    adoption = next(i for i, r in enumerate(rows) if r["title"] == "Team Manager, Adoption Service")
    rows[adoption]["parts"] = {PART_2: "apologies"}
    bad = client.put(url, json={"attendance": rows}, headers=headers)
    assert bad.status_code == 422
    assert list(bad.get_json()["errors"]["json"]) == [f"attendance.{adoption}.parts.{PART_2}"]
    rows[adoption]["parts"] = {"scrutiny": "present"}  # part 4 has no items at this sitting
    assert list(client.put(url, json={"attendance": rows}, headers=headers).get_json()["errors"]["json"]) == [
        f"attendance.{adoption}.parts.scrutiny"]


def test_a_member_required_for_no_part_is_not_required_not_absent(app, client, login, sitting):
    """With only parts 2 and 3 on the agenda the adoption team manager is not required at all: the
    attendance starts so, and an apology for them is refused."""
    with app.app_context(), tenant_context(sitting["tenant"].id):
        db.session.get(AgendaItem, sitting["items"]["ava"]).status = ItemStatus.WITHDRAWN
        commit()
    login(sitting["admin"])
    meeting_id = sitting["meeting_id"]
    fields = _form(client.get(f"/knowsley/meetings/{meeting_id}/record").text)
    adoption = _row(fields, "Team Manager, Adoption Service")
    assert fields[f"status-{adoption}"] == "not_required"
    text = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=fields, follow_redirects=True).text
    assert "Quorate for every part of the agenda" in text
    assert "Not required for any part of this agenda." in text
    fields = _form(text)
    fields[f"status-{adoption}"] = "apologies"
    refused = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=fields)
    assert refused.status_code == 400 and "is not required for any part of this agenda" in refused.text


# --- the terms of reference -----------------------------------------------------------------------

def test_a_part_that_could_never_be_quorate_is_refused_when_the_terms_of_reference_load():
    text = (REPO / "tenants" / "knowsley" / "tor.yaml").read_text()
    text = text.replace("- {role: senior-manager, title: Senior Manager Chair}",
                        "- {role: senior-manager, title: Senior Manager Chair, not_required_for_parts: [scrutiny]}")
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text)
    assert any("agenda part 'scrutiny' could never be quorate: no senior-manager seat sits for it" in e.message
               and e.dotted_path == "bodies[0].membership.quorum.required_roles[0]" for e in caught.value.errors)


def test_the_terms_of_reference_page_says_who_is_not_required_for_which_part(client, login, sitting):
    login(sitting["admin"])
    text = client.get("/knowsley/terms-of-reference").text
    row = next(r for r in text.split("<tr") if "Virtual School Head" in r)
    assert re.findall(r'<td class="govuk-table__cell">([^<]+)</td>', row)[1:] == [
        "Not required", "Required", "Required", "Required"]


# --- what a seat shows, read once per transaction -------------------------------------------------

def test_what_a_seat_shows_is_read_again_after_a_change_in_the_same_transaction(app, sitting, make_child):
    """A member's seats are read once per transaction for every visibility clause of a page; a
    booking, a ruling or a seat given up in that transaction shows at once, not at the next one."""
    from flask import g
    from sqlalchemy import select

    from permanence.accounts.membership import membership_of
    from permanence.accounts.permissions import can_see, visible
    from permanence.cases.models import Child
    from permanence.panels.models import Declaration, PanelMember, Ruling

    tenant, vera = sitting["tenant"], sitting["vsh"]
    ava, ben, cal = sitting["children"]
    dan = make_child(tenant, first_name="Fictional", last_name="Dan")
    with app.test_request_context(), tenant_context(tenant.id):
        g.membership = membership_of(vera.id)

        def seen():
            return set(db.session.execute(visible(select(Child.case_number), Child)).scalars())

        assert seen() == {ben.case_number, cal.case_number}  # not Ava: part 1 is not Vera's
        db.session.add(AgendaItem(meeting_id=sitting["meeting_id"], part_id=PART_2, child_id=dan.id,
                                  status=ItemStatus.BOOKED, entry_route="referral", reason="Fictional reason"))
        db.session.flush()
        assert seen() == {ben.case_number, cal.case_number, dan.case_number}
        db.session.add(Declaration(meeting_id=sitting["meeting_id"], agenda_item_id=sitting["items"]["ben"],
                                   user_id=vera.id, interest="Knows the family", ruling=Ruling.LEAVE))
        db.session.flush()
        assert seen() == {cal.case_number, dan.case_number}  # ruled out of Ben's item
        assert not can_see(db.session.get(Child, ben.id))
        db.session.execute(select(PanelMember).where(PanelMember.user_id == vera.id)).scalar_one().active = False
        db.session.flush()
        assert seen() == set()  # no seat, nothing through one
        db.session.rollback()
        assert seen() == {ben.case_number, cal.case_number}
