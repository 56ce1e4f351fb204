"""A per-child tracking meeting (seed 001's PPTM) is recorded through the pages like a panel: its
page leads to the record of the meeting, whose attendance lists the child's own social worker,
team manager and IRO in the seats of their roles; declarations, rulings and the outcome are
recorded; deferring or not hearing it books the child's own next meeting, never another child's.
The meeting is held today."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels.models import AgendaItem, Attendance, AttendanceStatus, Declaration, ItemStatus, Meeting
from permanence.panels.services import london_today
from meetings_support import emails, item_of
from sitting_support import pptm_held_today


@pytest.fixture
def pptm(app, make_user):
    return pptm_held_today(app, make_user)


def _form(page_text: str, **overrides) -> dict:
    count = int(re.search(r'name="rows" value="(\d+)"', page_text).group(1))
    data = {"rows": str(count)}
    for name, value in re.findall(r'<input type="hidden" name="((?:id|user_id|role|title)-\d+)" value="([^"]*)"',
                                  page_text):
        data[name] = value
    data.update({f"status-{i}": "present" for i in range(count)})
    data.update(overrides)
    return data


def _row_of(page_text: str, user) -> int:
    return int(re.search(rf'name="user_id-(\d+)" value="{user.id}"', page_text).group(1))


def test_the_tracking_meeting_page_leads_to_its_record(app, client, login, pptm):
    login(pptm.people["bso"])
    page = client.get(f"/{pptm.slug}/tracking-meetings/{pptm.ids.meeting}").text
    assert f'href="/{pptm.slug}/meetings/{pptm.ids.meeting}/record"' in page
    assert f'href="/{pptm.slug}/agenda-items/{pptm.ids.item}/record"' in page
    assert f'href="/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes"' in page
    record = client.get(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/record").text
    assert "Back to the tracking meeting" in record


def test_attendance_lists_the_childs_own_workers_in_their_seats_and_no_empty_value_reads_none(app, client, login,
                                                                                             pptm):
    people = pptm.people
    login(people["bso"])
    page = client.get(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/record").text
    for key, seat in (("chair", "Children in Care team manager"), ("worker", "Child&#39;s allocated social worker"),
                      ("manager", "Children in Care team manager"), ("iro", "IRO"),
                      ("supervising", "Supervising social worker"), ("bso", "Business Support Officer")):
        assert people[key].name in page, key
        assert seat in page, seat
    assert 'value="None"' not in page
    assert "at least 2 members, including team manager and social worker" in page

    # The child's social worker sends apologies: the quorum needs a social worker.
    worker_row = _row_of(page, people["worker"])
    response = client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/attendance",
                           data=_form(page, **{f"status-{worker_row}": "apologies"}), follow_redirects=True)
    assert "Not quorate: no social worker is present" in response.text
    response = client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/attendance",
                           data=_form(page, **{f"status-{worker_row}": "represented",
                                               f"represented_by-{worker_row}": "Fictional Deputy Worker"}),
                           follow_redirects=True)
    assert ">Quorate<" in response.text
    with app.app_context(), tenant_context(pptm.tenant.id):
        rows = db.session.execute(select(Attendance).where(Attendance.meeting_id == pptm.ids.meeting)).scalars().all()
        by_user = {r.user_id: r for r in rows}
        assert by_user[people["worker"].id].status == AttendanceStatus.REPRESENTED
        assert by_user[people["worker"].id].role == "social-worker"
        assert by_user[people["iro"].id].role == "independent-reviewing-officer"
        assert all(r.represented_by in ("", "Fictional Deputy Worker") for r in rows)


def test_a_declaration_ruled_leave_at_a_pptm_keeps_the_member_from_its_papers(app, client, login, pptm):
    people = pptm.people
    login(people["bso"])
    response = client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/declarations",
                           data={"user_id": str(people["supervising"].id), "agenda_item_id": str(pptm.ids.item),
                                 "interest": "Supervises the prospective adopters"}, follow_redirects=True)
    assert "The declaration is recorded" in response.text
    login(people["supervising"])
    assert client.get(f"/{pptm.slug}/agenda-items/{pptm.ids.item}/papers").status_code == 200
    login(people["chair"])
    with app.app_context(), tenant_context(pptm.tenant.id):
        declaration = db.session.execute(select(Declaration.id)).scalar_one()
    response = client.post(f"/{pptm.slug}/declarations/{declaration}/ruling", data={"ruling": "leave"},
                           follow_redirects=True)
    assert "Fictional Supervisor Bo (left for this item)" in response.text
    login(people["supervising"])
    assert client.get(f"/{pptm.slug}/agenda-items/{pptm.ids.item}/papers").status_code == 403


def _other_childs_meeting(app, pptm):
    """Another child's PPTM booked three weeks from today (the one a deferral used to land in)."""
    with app.app_context(), tenant_context(pptm.tenant.id):
        meeting = db.session.get(Meeting, pptm.ids.meeting)
        other = Meeting(body_id="pptm", tor_version_id=meeting.tor_version_id, date=london_today() + timedelta(days=21))
        child = Child(case_number="PPTM-FICT-2", first_name="Fictional", last_name="Fir")
        db.session.add_all([other, child])
        db.session.flush()
        db.session.add(AgendaItem(meeting_id=other.id, part_id="tracking-review", child_id=child.id,
                                  status=ItemStatus.BOOKED, entry_route="cohort_rule"))
        commit()
        return other.id


@pytest.mark.parametrize("step, form, status", [
    ("defer", {"reason": "The child's carers were ill"}, "deferred"),
    ("not-heard", {"reason": "The social worker was in court"}, "not_heard"),
])
def test_deferring_or_not_hearing_a_pptm_books_the_childs_own_next_meeting(app, client, login, pptm, step, form,
                                                                           status):
    other = _other_childs_meeting(app, pptm)
    login(pptm.people["bso"])
    response = client.post(f"/{pptm.slug}/agenda-items/{pptm.ids.item}/{step}", data=form, follow_redirects=True)
    assert response.status_code == 200
    assert item_of(app, pptm.tenant, pptm.ids.item).status.value == status
    with app.app_context(), tenant_context(pptm.tenant.id):
        on_other = db.session.execute(select(AgendaItem.child_id).where(AgendaItem.meeting_id == other)).scalars()
        assert pptm.ids.child not in list(on_other)  # the other child's meeting keeps only its own child
        booked = db.session.execute(select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(
            AgendaItem.child_id == pptm.ids.child, AgendaItem.status == ItemStatus.BOOKED,
            Meeting.body_id == "pptm")).scalar_one()
        assert booked.meeting_id not in (pptm.ids.meeting, other)
        assert booked.carried_from_id == pptm.ids.item
        assert [i.id for i in booked.meeting.items] == [booked.id]
    assert "Booked for the meeting on" in response.text


def test_a_pptms_minutes_go_to_the_childs_own_workers_who_may_read_them(app, client, login, pptm):
    people = pptm.people
    login(people["chair"])
    client.post(f"/{pptm.slug}/agenda-items/{pptm.ids.item}/record", data={
        "discussion": "Family finding under way.", "care_plan_confirmed": "yes", "legal_status_confirmed": "yes",
        "outcome_id": "review-again", "decision": "Review again in six weeks.", "next_review_on": "",
        "escalate": "no", "escalation_reason": ""})
    client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/assemble", data={})
    with app.app_context(), tenant_context(pptm.tenant.id):
        revision = db.session.get(Meeting, pptm.ids.meeting).minutes.revision
    client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/approve", data={"revision": str(revision)})
    login(people["bso"])
    response = client.post(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes/circulate", data={},
                           follow_redirects=True)
    assert "The minutes are circulated: 6 people were sent a link by e-mail." in response.text
    told = {to for to, subject, _ in emails(app, pptm.tenant) if "minutes of" in subject}
    assert {people[k].email for k in ("worker", "manager", "iro", "chair", "bso", "supervising")} == told
    login(people["worker"])
    page = client.get(f"/{pptm.slug}/meetings/{pptm.ids.meeting}/minutes")
    assert page.status_code == 200 and "Review again in six weeks." in page.text


def test_a_member_who_may_not_see_the_child_is_not_linked_to_its_tracking_meeting_page(app, client, login, pptm,
                                                                                       make_user):
    outsider = make_user(pptm.tenant, ["panel_member"], email="outsider@pptm.example.org")
    login(outsider)
    assert client.get(f"/{pptm.slug}/tracking-meetings/{pptm.ids.meeting}").status_code == 403
    for url in (f"/{pptm.slug}/meetings/{pptm.ids.meeting}", f"/{pptm.slug}/meetings/{pptm.ids.meeting}/record"):
        page = client.get(url)
        assert page.status_code == 200 and f"/tracking-meetings/{pptm.ids.meeting}" not in page.text
    login(pptm.people["bso"])
    assert f"/tracking-meetings/{pptm.ids.meeting}" in client.get(f"/{pptm.slug}/meetings/{pptm.ids.meeting}").text


def test_a_body_with_no_seats_filled_lists_the_tors_seats_with_empty_names_not_none(app, client, login, make_user):
    """Before attendance is taken the rows come from the terms of reference; their empty names and
    representatives read (and post) as empty, never as the text "None"."""
    from meetings_support import load_council, sitting as a_sitting

    tenant = load_council(app, "knowsley")
    admin = make_user(tenant, ["panel_administrator"])
    meeting_id = a_sitting(app, tenant, "permanency-panel")
    login(admin)
    page = client.get(f"/knowsley/meetings/{meeting_id}/record").text
    assert "Senior Manager Chair" in page and "Virtual School Head" in page
    assert 'value="None"' not in page
    response = client.post(f"/knowsley/meetings/{meeting_id}/attendance", data=_form(page))
    assert response.status_code == 400 and "Enter who sat in the seat: Senior Manager Chair" in response.text
