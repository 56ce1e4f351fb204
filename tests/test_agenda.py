"""The agenda of a sitting on the web: panel seats, the papers of an agenda item, ordering,
slots and presenters, moving an item, publishing with invitations, and the papers pack."""

from __future__ import annotations

from sqlalchemy import select

from agenda_support import BODY, book, emails, item_row, meeting_row, panel, seat  # noqa: F401
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.panels.models import PanelMember


def _seats(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return [(s.user_id, s.role, s.title, s.active) for s in db.session.execute(select(PanelMember)).scalars()]


def test_the_administrator_seats_a_member_and_the_tor_seat_shows_filled(app, client, login, panel):
    tenant = panel["tenant"]
    login(panel["admin"])
    page = client.get(f"/knowsley/panels/{BODY}/members")
    assert page.status_code == 200
    assert "Members of Multi" in page.text
    assert page.text.count("Vacant") == 12  # every seat of Knowsley's ToR is vacant
    response = client.post(f"/knowsley/panels/{BODY}/members",
                           data={"user_id": panel["nurse"].id, "seat": "4", "active": "y"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Nora Nurse now sits on" in response.text
    assert response.text.count("Vacant") == 11
    assert _seats(app, tenant) == [(panel["nurse"].id, "cla-nurse", "Specialist Nurse CLA", True)]


def test_bad_seat_input_names_the_field_and_writes_nothing(app, client, login, panel):
    tenant = panel["tenant"]
    login(panel["admin"])
    response = client.post(f"/knowsley/panels/{BODY}/members", data={"user_id": "", "seat": "99"})
    assert response.status_code == 400
    assert "There is a problem" in response.text and "Select a member of the council" in response.text
    seat(app, tenant, panel["nurse"])
    response = client.post(f"/knowsley/panels/{BODY}/members", data={"user_id": panel["nurse"].id, "seat": "0"})
    assert response.status_code == 400 and "already has a seat on this panel" in response.text
    assert len(_seats(app, tenant)) == 1


def test_removing_a_seat_and_who_may_change_seats(app, client, login, panel):
    tenant = panel["tenant"]
    seat_id = seat(app, tenant, panel["nurse"])
    login(panel["nurse"])
    assert client.get(f"/knowsley/panels/{BODY}/members").status_code == 200
    assert client.post(f"/knowsley/panels/{BODY}/members/{seat_id}/remove").status_code == 403
    assert client.get("/knowsley/panels/no-such-panel/members").status_code == 404
    login(panel["admin"])
    response = client.post(f"/knowsley/panels/{BODY}/members/{seat_id}/remove", follow_redirects=True)
    assert "Nora Nurse no longer sits on" in response.text
    assert _seats(app, tenant) == []


def test_schedule_changes_go_to_the_seated_members_when_the_panel_has_seats(app, client, login, panel):
    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    seat(app, tenant, panel["chair"], role="senior-manager", title="Senior Manager Chair")
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{panel['meeting_id']}/cancel", data={"reason": "Not quorate"})
    assert {e["to"] for e in emails(app, tenant)} == {"nurse@health.example.org", "chair@knowsley.example.org"}


# --- the papers of an agenda item -----------------------------------------------------------------

def _downloads(app, tenant):
    from permanence.audit.models import AuditEvent

    with app.app_context(), tenant_context(tenant.id):
        return [(e.actor_id, e.changes["subject_type"]) for e in db.session.execute(
            select(AuditEvent).where(AuditEvent.action == "download")).scalars()]


def test_a_seated_partner_member_reads_a_booked_items_papers_and_each_download_is_audited(app, client, login, panel):
    from agenda_support import attach_paper

    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    item_id = book(app, tenant, panel["meeting_id"], panel["children"][0])
    token = attach_paper(app, tenant, item_id, panel["admin"])
    login(panel["nurse"])  # a partner agency's nurse: panel_member role, no child allocated
    page = client.get(f"/knowsley/agenda-items/{item_id}/papers")
    assert page.status_code == 200
    assert "Ava Fictional" in page.text and "Most recent care plan" in page.text
    assert "C and F assessment" in page.text  # the ToR's paperwork for the part, still to come
    assert client.get(f"/knowsley/papers/{token}").status_code == 200
    pack = client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers")
    assert pack.status_code == 200 and f"/knowsley/papers/{token}" in pack.text
    assert _downloads(app, tenant) == [(panel["nurse"].id, "agenda_item")]


def test_a_member_ruled_to_leave_an_item_cannot_open_its_papers_whatever_their_role(app, client, login, panel):
    from agenda_support import attach_paper, declare
    from permanence.panels.models import Ruling

    tenant = panel["tenant"]
    seat(app, tenant, panel["nurse"])
    left = book(app, tenant, panel["meeting_id"], panel["children"][0])
    stays = book(app, tenant, panel["meeting_id"], panel["children"][1])
    token = attach_paper(app, tenant, left, panel["admin"])
    other = attach_paper(app, tenant, stays, panel["admin"])
    for who in ("nurse", "chair"):
        declare(app, tenant, panel["meeting_id"], left, panel[who], Ruling.LEAVE)
        login(panel[who])
        assert client.get(f"/knowsley/agenda-items/{left}/papers").status_code == 403
        assert client.get(f"/knowsley/papers/{token}").status_code == 403
        assert client.get(f"/knowsley/agenda-items/{stays}/papers").status_code == 200
        pack = client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers").text
        assert token not in pack and other in pack and "Ava Fictional" not in pack
    assert _downloads(app, tenant) == []


def test_a_member_not_seated_on_the_panel_cannot_open_the_papers(app, client, login, panel):
    from agenda_support import attach_paper

    tenant = panel["tenant"]
    item_id = book(app, tenant, panel["meeting_id"], panel["children"][0])
    token = attach_paper(app, tenant, item_id, panel["admin"])
    login(panel["outsider"])
    assert client.get(f"/knowsley/agenda-items/{item_id}/papers").status_code == 403
    assert client.get(f"/knowsley/papers/{token}").status_code == 403
    assert token not in client.get(f"/knowsley/meetings/{panel['meeting_id']}/papers").text
    login(panel["worker"])  # the child's own social worker reads them through the child
    assert client.get(f"/knowsley/agenda-items/{item_id}/papers").status_code == 200


# --- the agenda page ------------------------------------------------------------------------------

def test_the_agenda_lists_booked_items_by_part_with_slots_presenters_and_paperwork(app, client, login, panel):
    from agenda_support import attach_paper

    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    first = book(app, tenant, meeting_id, panel["children"][0], position=1)
    second = book(app, tenant, meeting_id, panel["children"][1], position=2, late=True)
    matching = book(app, tenant, meeting_id, panel["children"][2], part="matching-and-approval")
    for paperwork_id in ("care-plan", "cf-assessment", "review-minutes", "chronology"):
        attach_paper(app, tenant, first, panel["admin"], paperwork_id=paperwork_id, title=paperwork_id)
    login(panel["admin"])
    page = client.get(f"/knowsley/meetings/{meeting_id}/agenda")
    assert page.status_code == 200
    text = page.text
    # Parts in the ToR's order; slots from 09:30, 10 minutes each in part 1, then 20 in part 2.
    assert text.index("Part 1: Adoption tracking") < text.index("Ava Fictional") < text.index("Ben Fictional")
    assert "09:30 to 09:40" in text and "09:40 to 09:50" in text and "09:50 to 10:10" in text
    assert text.index("Ben Fictional") < text.index("Cal Fictional")
    assert "Sam Worker and Tess Manager" in text and "(allocated workers)" in text
    row = text[text.index(f'id="item-{first}"'):text.index(f'id="item-{second}"')]
    assert "Complete" in row
    row = text[text.index(f'id="item-{second}"'):text.index(f'id="item-{matching}"')]
    assert "4 missing" in row and "Chronology including the concerns" in row and "Late" in row


def test_the_administrator_orders_items_and_sets_a_slot_and_presenters(app, client, login, panel):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    first = book(app, tenant, meeting_id, panel["children"][0], position=1)
    second = book(app, tenant, meeting_id, panel["children"][1], position=2)
    login(panel["admin"])
    client.post(f"/knowsley/agenda-items/{second}/reorder", data={"direction": "up"})
    assert (item_row(app, tenant, second).position, item_row(app, tenant, first).position) == (1, 2)
    text = client.get(f"/knowsley/meetings/{meeting_id}/agenda").text
    assert text.index("Ben Fictional") < text.index("Ava Fictional")
    assert client.get(f"/knowsley/agenda-items/{first}/slot").status_code == 200
    response = client.post(f"/knowsley/agenda-items/{first}/slot", data={
        "position": "1", "start": "11:15", "minutes": "25", "presenter_id": panel["manager"].id,
        "second_presenter_id": ""}, follow_redirects=True)
    assert response.status_code == 200 and "The slot of Ava Fictional is saved" in response.text
    saved = item_row(app, tenant, first)
    assert (saved.position, saved.minutes_allowed, saved.presenter_id) == (1, 25, panel["manager"].id)
    assert "11:15 to 11:40" in response.text and "11:40 to 11:50" in response.text  # Ben follows on
    assert item_row(app, tenant, second).position == 2


def test_bad_slot_input_shows_an_error_summary_and_changes_nothing(app, client, login, panel):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0], position=1)
    login(panel["admin"])
    for data, message in [
        ({"position": "", "start": "", "minutes": ""}, "Enter the item&#39;s position in its part"),
        ({"position": "1", "start": "25:99", "minutes": ""}, "Start time must be a time on the 24-hour clock"),
        ({"position": "1", "start": "", "minutes": "0"}, "Minutes allowed must be from 1 to 240"),
        ({"position": "1", "presenter_id": panel["worker"].id, "second_presenter_id": panel["worker"].id},
         "The second presenter must be someone other than the presenter"),
        ({"position": "1", "presenter_id": panel["nurse"].id}, "Not a valid choice"),
    ]:
        response = client.post(f"/knowsley/agenda-items/{item_id}/slot", data=data)
        assert response.status_code == 400, data
        assert "There is a problem" in response.text and message in response.text, message
    saved = item_row(app, tenant, item_id)
    assert (saved.position, saved.starts_at, saved.minutes_allowed, saved.presenter_id) == (1, None, None, None)


def test_an_item_moves_to_another_sitting_of_the_same_panel(app, client, login, panel):
    from permanence.audit.models import AuditEvent

    tenant, meeting_id, later = panel["tenant"], panel["meeting_id"], panel["next_meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0])
    login(panel["admin"])
    response = client.post(f"/knowsley/agenda-items/{item_id}/move", data={"meeting_id": later, "reason": ""})
    assert response.status_code == 400 and "Enter the reason for moving the item" in response.text
    assert item_row(app, tenant, item_id).meeting_id == meeting_id
    response = client.post(f"/knowsley/agenda-items/{item_id}/move",
                           data={"meeting_id": later, "reason": "Papers not ready"}, follow_redirects=True)
    assert "is moved to the meeting on Wednesday 20 January 2027" in response.text
    assert item_row(app, tenant, item_id).meeting_id == later
    assert "Ava Fictional" in client.get(f"/knowsley/meetings/{later}/agenda").text
    with app.app_context(), tenant_context(tenant.id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "move_item")).scalar_one()
        assert event.changes["reason"] == "Papers not ready"


def test_members_read_only_the_items_they_may_see_and_cannot_change_the_agenda(app, client, login, panel):
    from agenda_support import declare
    from permanence.panels.models import Ruling

    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    first = book(app, tenant, meeting_id, panel["children"][0])
    book(app, tenant, meeting_id, panel["children"][1])
    declare(app, tenant, meeting_id, first, panel["nurse"], Ruling.LEAVE)
    login(panel["nurse"])
    text = client.get(f"/knowsley/meetings/{meeting_id}/agenda").text
    assert "Ben Fictional" in text and "Ava Fictional" not in text
    assert "Move up" not in text and "Publish" not in text.replace("Not published", "")
    assert client.post(f"/knowsley/agenda-items/{first}/reorder", data={"direction": "down"}).status_code == 403
    assert client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish").status_code == 403
    login(panel["outsider"])
    text = client.get(f"/knowsley/meetings/{meeting_id}/agenda").text
    assert "Ben Fictional" not in text and "Ava Fictional" not in text


# --- publishing -----------------------------------------------------------------------------------

def _event(calendar_text):
    from icalendar import Calendar

    cal = Calendar.from_ical(calendar_text)
    assert str(cal["method"]) == "REQUEST"
    (event,) = cal.walk("VEVENT")
    return event


def test_publishing_emails_members_the_agenda_and_presenters_their_slot_with_invitations(app, client, login, panel,
                                                                                       work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    seat(app, tenant, panel["chair"], role="senior-manager", title="Senior Manager Chair")
    first = book(app, tenant, meeting_id, panel["children"][0], position=1)
    book(app, tenant, meeting_id, panel["children"][1], position=2, presenter_id=panel["manager"].id)
    case = panel["children"][0].case_number
    login(panel["admin"])
    response = client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish", follow_redirects=True)
    assert "The agenda is published" in response.text
    work_jobs()
    published = meeting_row(app, tenant, meeting_id)
    assert published.agenda_published_by_id == panel["admin"].id and published.agenda_published_at is not None
    sent = emails(app, tenant)
    members = [e for e in sent if "agenda for" in e["subject"]]
    assert {e["to"] for e in members} == {"nurse@health.example.org", "chair@knowsley.example.org"}
    nurse = next(e for e in members if e["to"] == "nurse@health.example.org")
    assert f"A.F. ({case})" in nurse["body"] and "Ava" not in nurse["body"]  # initials only, off the platform
    assert f"/knowsley/meetings/{meeting_id}/papers" in nurse["body"]
    assert "09:30 to 09:40" in nurse["body"]
    event = _event(nurse["calendar"])
    assert str(event["uid"]) == f"meeting-{meeting_id}@knowsley.permanence" and int(event["sequence"]) == 0
    assert "nurse@health.example.org" in str(event["attendee"])
    slots = [e for e in sent if "your slot" in e["subject"]]
    # Ava's item: her allocated social worker and team manager; Ben's: the team manager chosen.
    assert sorted(e["to"] for e in slots) == ["manager@knowsley.example.org", "manager@knowsley.example.org",
                                              "worker@knowsley.example.org"]
    worker = next(e for e in slots if e["to"] == "worker@knowsley.example.org")
    assert f"You are presenting A.F. ({case})" in worker["body"] and "09:30 to 09:40" in worker["body"]
    slot_event = _event(worker["calendar"])
    assert str(slot_event["uid"]) == f"agenda-item-{first}-meeting-{meeting_id}@knowsley.permanence"
    assert slot_event.decoded("dtstart").strftime("%H:%M") == "09:30"  # 09:30 in London in December is UTC
    assert item_row(app, tenant, first).presenter_id == panel["worker"].id  # defaults kept once published


def test_publishing_again_after_a_change_sends_an_update_with_the_same_uid(app, client, login, panel, work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    seat(app, tenant, panel["nurse"])
    first = book(app, tenant, meeting_id, panel["children"][0])
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish")
    client.post(f"/knowsley/agenda-items/{first}/slot", data={"position": "1", "start": "10:00", "minutes": "15",
                                                              "presenter_id": panel["worker"].id})
    response = client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish", follow_redirects=True)
    assert "published again" in response.text
    work_jobs()
    nurse = [e for e in emails(app, tenant) if e["to"] == "nurse@health.example.org"]
    assert [e["subject"].endswith("(updated)") for e in nurse] == [False, True]
    before, after = _event(nurse[0]["calendar"]), _event(nurse[1]["calendar"])
    assert str(before["uid"]) == str(after["uid"])
    assert (int(before["sequence"]), int(after["sequence"])) == (0, 1)
    worker = [e for e in emails(app, tenant) if e["to"] == "worker@knowsley.example.org"]
    assert "10:00 to 10:15" in worker[-1]["body"] and int(_event(worker[-1]["calendar"])["sequence"]) == 1


def test_an_empty_or_cancelled_agenda_is_not_published(app, client, login, panel, work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    login(panel["admin"])
    response = client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish", follow_redirects=True)
    assert "There are no booked items on the agenda to publish" in response.text
    assert meeting_row(app, tenant, meeting_id).agenda_published_at is None
    assert emails(app, tenant) == []


def test_moving_an_item_off_a_published_agenda_cancels_the_presenters_slot(app, client, login, panel, work_jobs):
    from icalendar import Calendar

    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0], presenter_id=panel["worker"].id)
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish")
    client.post(f"/knowsley/agenda-items/{item_id}/move",
                data={"meeting_id": panel["next_meeting_id"], "reason": "Papers not ready"})
    work_jobs()
    invited, cancelled = [e for e in emails(app, tenant) if e["to"] == "worker@knowsley.example.org"]
    assert cancelled["subject"].endswith("your slot on Wednesday 16 December 2026 is cancelled")
    assert "moved to the meeting on Wednesday 20 January 2027" in cancelled["body"]
    before = Calendar.from_ical(invited["calendar"]).walk("VEVENT")[0]
    cal = Calendar.from_ical(cancelled["calendar"])
    after = cal.walk("VEVENT")[0]
    assert str(cal["method"]) == "CANCEL" and str(after["status"]) == "CANCELLED"
    assert str(after["uid"]) == str(before["uid"]) and int(after["sequence"]) > int(before["sequence"])


def test_a_presenter_replaced_before_publishing_again_is_sent_a_cancellation(app, client, login, panel, work_jobs):
    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    item_id = book(app, tenant, meeting_id, panel["children"][0])
    login(panel["admin"])
    client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish")  # the allocated worker and manager
    client.post(f"/knowsley/agenda-items/{item_id}/slot", data={"position": "1", "presenter_id": panel["manager"].id})
    client.post(f"/knowsley/meetings/{meeting_id}/agenda/publish")
    work_jobs()
    worker = [e["subject"] for e in emails(app, tenant) if e["to"] == "worker@knowsley.example.org"]
    manager = [e["subject"] for e in emails(app, tenant) if e["to"] == "manager@knowsley.example.org"]
    assert [s.rsplit(": ", 1)[1] for s in worker] == ["your slot on Wednesday 16 December 2026",
                                                     "your slot on Wednesday 16 December 2026 is cancelled"]
    assert [s.rsplit(": ", 1)[1] for s in manager] == ["your slot on Wednesday 16 December 2026",
                                                      "your slot on Wednesday 16 December 2026 (updated)"]


def test_an_upload_returns_to_the_referral_while_it_is_one_and_to_the_agenda_item_once_booked(app, client, login,
                                                                                           panel):
    import io

    from permanence.panels.models import ItemStatus

    tenant, meeting_id = panel["tenant"], panel["meeting_id"]
    booked = book(app, tenant, meeting_id, panel["children"][0])
    draft = book(app, tenant, meeting_id, panel["children"][1], status=ItemStatus.DRAFT)
    login(panel["admin"])
    pages = {}
    for item_id in (booked, draft):
        response = client.post(f"/knowsley/papers/upload?subject_type=agenda_item&subject_id={item_id}", data={
            "paperwork_id": "care-plan", "file": (io.BytesIO(b"%PDF-1.4\n%%EOF\n"), "plan.pdf")},
            content_type="multipart/form-data")
        assert response.status_code == 302
        pages[item_id] = response.headers["Location"]
    assert pages[booked].endswith(f"/knowsley/agenda-items/{booked}/papers#papers")
    expected = f"/knowsley/referrals/{draft}#papers" if "referrals.show" in app.view_functions \
        else f"/knowsley/agenda-items/{draft}/papers#papers"
    assert pages[draft].endswith(expected)
