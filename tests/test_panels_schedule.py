"""The panels' schedule: meetings generated from the seed terms of reference, their deadlines,
and moving, cancelling and adding a meeting (audited, the panel told by e-mail)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence import tor
from permanence.audit.models import AuditEvent
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels import services
from permanence.panels.models import Meeting, MeetingStatus
from permanence.tenancy.models import Tenant
from permanence.tor import services as tor_services

REPO = Path(__file__).resolve().parents[1]
KNOWSLEY_TODAY = date(2026, 12, 1)


@pytest.fixture
def seed_tenant(app):
    """``seed_tenant(slug)`` loads ``tenants/<slug>`` as an open council with its ToR active."""

    def load(slug):
        with app.app_context():
            tenant, _ = tor_services.load_folder(REPO / "tenants" / slug)
            tenant.status = __import__("permanence.tenancy.models", fromlist=["x"]).TenantStatus.ACTIVE
            commit()
            tenant = db.session.get(Tenant, tenant.id)
            db.session.expunge_all()
            return tenant

    return load


def _generate(app, tenant, today, horizon_weeks=26):
    with app.app_context(), tenant_context(tenant.id):
        created = services.generate_meetings(tenant.id, today, horizon_weeks)
        commit()
        return len(created)


def _meetings(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(Meeting).order_by(Meeting.date)).scalars().all()
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("slug, body_id, today, expected", [
    ("waltham-forest", "ptm", date(2030, 12, 1), [  # fortnightly Wednesdays; bank holidays to the next working day
        date(2030, 12, 4), date(2030, 12, 18), date(2031, 1, 2), date(2031, 1, 15), date(2031, 1, 29),
        date(2031, 2, 12), date(2031, 2, 26), date(2031, 3, 12), date(2031, 3, 26), date(2031, 4, 9),
        date(2031, 4, 23), date(2031, 5, 7), date(2031, 5, 21)]),
    ("knowsley", "permanency-panel", KNOWSLEY_TODAY, [  # the third Wednesday of the month
        date(2026, 12, 16), date(2027, 1, 20), date(2027, 2, 17), date(2027, 3, 17), date(2027, 4, 21),
        date(2027, 5, 19)]),
])
def test_generated_meetings_follow_the_cadence_and_generation_is_idempotent(app, seed_tenant, slug, body_id, today,
                                                                              expected):
    tenant = seed_tenant(slug)
    assert _generate(app, tenant, today) == len(expected)
    rows = _meetings(app, tenant)
    assert [m.date for m in rows] == expected
    assert {m.body_id for m in rows} == {body_id}
    assert all(m.status == MeetingStatus.SCHEDULED and not m.added_by_hand for m in rows)
    assert all(m.starts_at.tzinfo is not None for m in rows)
    if slug == "waltham-forest":  # New Year's Day 2031 is a Wednesday
        moved = next(m for m in rows if m.date == date(2031, 1, 2))
        assert moved.moved_from == date(2031, 1, 1)
    assert _generate(app, tenant, today) == 0
    assert len(_meetings(app, tenant)) == len(expected)


def test_a_cancelled_or_moved_sitting_is_not_generated_again(app, seed_tenant):
    tenant = seed_tenant("knowsley")
    _generate(app, tenant, KNOWSLEY_TODAY)
    with app.app_context(), tenant_context(tenant.id):
        first, second = db.session.execute(select(Meeting).order_by(Meeting.date).limit(2)).scalars().all()
        services.cancel_meeting(first, "Chair unavailable")
        services.move_meeting(second, date(2027, 1, 27), "Room booked", today=KNOWSLEY_TODAY)
        commit()
    assert _generate(app, tenant, KNOWSLEY_TODAY) == 0
    assert len(_meetings(app, tenant)) == 6


def test_the_meeting_page_shows_the_deadlines_of_the_terms_of_reference(app, client, login, make_user,
                                                                        seed_tenant, travel):
    travel(KNOWSLEY_TODAY)
    tenant = seed_tenant("knowsley")
    _generate(app, tenant, KNOWSLEY_TODAY)
    login(make_user(tenant, ["panel_member"]))
    meeting = _meetings(app, tenant)[0]
    with app.app_context():
        body = tor_services.current_tor(tenant.id).body(meeting.body_id)
    sitting = tor.sittings(body, KNOWSLEY_TODAY, count=1)[0]
    expected = tor.deadlines(body, sitting)
    assert expected, "the seed ToR sets deadlines"
    page = client.get(f"/knowsley/meetings/{meeting.id}")
    assert page.status_code == 200
    for d in expected:
        assert d.label in page.text
        assert d.due.strftime("%A %-d %B %Y") in page.text
    listing = client.get("/knowsley/meetings/")
    assert listing.status_code == 200
    assert "Meetings" in listing.text and expected[0].due.strftime("%A %-d %B %Y") in listing.text


@pytest.fixture
def knowsley_panel(app, seed_tenant, make_user, travel):
    travel(KNOWSLEY_TODAY)
    tenant = seed_tenant("knowsley")
    _generate(app, tenant, KNOWSLEY_TODAY)
    admin = make_user(tenant, ["panel_administrator"], email="admin@knowsley.example.org")
    chair = make_user(tenant, ["chair"], email="chair@knowsley.example.org")
    member = make_user(tenant, ["panel_member"], email="member@knowsley.example.org")
    worker = make_user(tenant, ["social_worker"], email="worker@knowsley.example.org")
    return {"tenant": tenant, "admin": admin, "chair": chair, "member": member, "worker": worker,
            "meeting": _meetings(app, tenant)[0]}


def _emails(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(EmailMessage).order_by(EmailMessage.id)).scalars().all()
        return [(m.to_address, m.subject, m.body, m.status.value) for m in rows]


def _audit(app, tenant, action):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(AuditEvent).where(
            AuditEvent.entity_type == "Meeting", AuditEvent.action == action)).scalars().all()


ATTENDEES = {"admin@knowsley.example.org", "chair@knowsley.example.org", "member@knowsley.example.org"}


def test_moving_a_meeting_is_audited_and_the_panel_is_emailed(app, client, login, knowsley_panel, work_jobs):
    tenant, meeting = knowsley_panel["tenant"], knowsley_panel["meeting"]
    login(knowsley_panel["admin"])
    before = len(_audit(app, tenant, "update"))
    response = client.post(f"/knowsley/meetings/{meeting.id}/move",
                           data={"date": "23/12/2026", "reason": "The chair is on leave"}, follow_redirects=True)
    assert response.status_code == 200
    assert "moved to Wednesday 23 December 2026" in response.text
    work_jobs()
    row = _meetings(app, tenant)[0]
    assert row.date == date(2026, 12, 23) and row.moved_from == meeting.date and row.note == "The chair is on leave"
    assert len(_audit(app, tenant, "update")) == before + 1
    emails = _emails(app, tenant)
    assert {e[0] for e in emails} == ATTENDEES
    assert all("The chair is on leave" in e[2] and e[3] == "sent" for e in emails)


def test_cancelling_and_adding_are_audited_and_emailed(app, client, login, knowsley_panel, work_jobs):
    tenant, meeting = knowsley_panel["tenant"], knowsley_panel["meeting"]
    login(knowsley_panel["chair"])
    response = client.post(f"/knowsley/meetings/{meeting.id}/cancel", data={"reason": "Not quorate"},
                           follow_redirects=True)
    assert "The meeting is cancelled" in response.text
    response = client.post("/knowsley/meetings/new", data={"body_id": "permanency-panel", "date": "2026-12-30",
                                                           "reason": "Backlog of referrals"}, follow_redirects=True)
    assert "The extra meeting on Wednesday 30 December 2026 is added" in response.text
    work_jobs()
    rows = _meetings(app, tenant)
    assert rows[0].status == MeetingStatus.CANCELLED
    extra = next(m for m in rows if m.added_by_hand)
    assert extra.date == date(2026, 12, 30) and extra.sitting_date is None and extra.note == "Backlog of referrals"
    assert len(_audit(app, tenant, "create")) >= 7
    subjects = [e[1] for e in _emails(app, tenant)]
    assert sum("cancelled" in s for s in subjects) == 3 and sum("extra meeting" in s for s in subjects) == 3
    assert client.get(f"/knowsley/meetings/{extra.id}").status_code == 200


@pytest.mark.parametrize("url, data, message", [
    ("move", {"date": "1/11/2026", "reason": "Leave"}, "The new date of the meeting must be today or in the future"),
    ("move", {"date": "23/12/2026", "reason": ""}, "Enter the reason for moving the meeting"),
    ("move", {"date": "31/02/2027", "reason": "Leave"}, "New date must be a real date"),
    ("cancel", {"reason": "  "}, "Enter the reason for cancelling the meeting"),
    ("new", {"body_id": "permanency-panel", "date": "1/11/2026", "reason": "Extra"},
     "The date of the meeting must be today or in the future"),
    ("new", {"body_id": "permanency-panel", "date": "30/12/2026", "reason": ""},
     "Enter the reason for the extra meeting"),
    ("new", {"body_id": "no-such-panel", "date": "30/12/2026", "reason": "Extra"}, "Not a valid choice"),
])
def test_bad_input_says_what_is_wrong_and_changes_nothing(app, client, login, knowsley_panel, url, data, message):
    tenant, meeting = knowsley_panel["tenant"], knowsley_panel["meeting"]
    login(knowsley_panel["admin"])
    path = "/knowsley/meetings/new" if url == "new" else f"/knowsley/meetings/{meeting.id}/{url}"
    before = [(m.date, m.status, m.note) for m in _meetings(app, tenant)]
    with app.app_context(), tenant_context(tenant.id):
        events = db.session.execute(select(func.count(AuditEvent.id))).scalar_one()
    response = client.post(path, data=data)
    assert response.status_code == 400
    assert message in response.text
    assert "There is a problem" in response.text and "govuk-error-message" in response.text
    assert [(m.date, m.status, m.note) for m in _meetings(app, tenant)] == before
    assert _emails(app, tenant) == []
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(select(func.count(AuditEvent.id))).scalar_one() == events


def test_a_panel_member_can_see_but_not_change_the_schedule(app, client, login, knowsley_panel):
    meeting = knowsley_panel["meeting"]
    login(knowsley_panel["member"])
    page = client.get(f"/knowsley/meetings/{meeting.id}")
    assert page.status_code == 200 and "Move meeting" not in page.text
    assert client.post(f"/knowsley/meetings/{meeting.id}/move",
                       data={"date": "23/12/2026", "reason": "Leave"}).status_code == 403
    assert client.post(f"/knowsley/meetings/{meeting.id}/cancel", data={"reason": "Leave"}).status_code == 403
    assert client.get("/knowsley/meetings/new").status_code == 403
    assert _meetings(app, knowsley_panel["tenant"])[0].date == meeting.date


def test_the_service_refuses_a_past_date_and_a_missing_reason(app, knowsley_panel):
    tenant = knowsley_panel["tenant"]
    with app.app_context(), tenant_context(tenant.id):
        meeting = db.session.get(Meeting, knowsley_panel["meeting"].id)
        with pytest.raises(services.ScheduleError) as err:
            services.move_meeting(meeting, date(2026, 11, 1), "Leave", today=KNOWSLEY_TODAY)
        assert err.value.field == "date"
        with pytest.raises(services.ScheduleError) as err:
            services.cancel_meeting(meeting, "")
        assert err.value.field == "reason"
        with pytest.raises(services.ScheduleError) as err:
            services.add_meeting("nope", date(2027, 1, 1), "Extra", today=KNOWSLEY_TODAY)
        assert err.value.field == "body_id"


def test_the_periodic_job_is_registered_and_generates_for_the_current_council(app, seed_tenant, travel):
    from permanence.core.schedule import periodic_jobs
    from permanence.panels.jobs import generate_meetings_job

    assert "generate-meetings" in {p.name for p in periodic_jobs()}
    travel(KNOWSLEY_TODAY)
    tenant = seed_tenant("knowsley")
    with app.app_context(), tenant_context(tenant.id):
        assert generate_meetings_job() == 6
        commit()
    assert len(_meetings(app, tenant)) == 6
