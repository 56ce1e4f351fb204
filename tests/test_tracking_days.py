"""Seed 001's PPTMs "occur every 6 weeks on a specific day of the week agreed by the team
manager": the team manager (or the Business Support Officer, for any team) agrees the days and
times of their team's meetings; the daily booking spreads the team's children over those times,
from each child's due date back, within what each time holds; no meeting is booked so soon that
its paperwork is already late; a team that agreed nothing is booked on the due date; and one
meeting can be moved, everyone invited getting the new invitation.

Today is Monday 1 March 2027. The crafted children's PPTMs are due: PO-1 on 12 January 2026
(overdue), HOME-1 on 23 February 2027 (overdue), PROC-1 on Tuesday 2 March and CO-1 on Tuesday
13 April 2027. The paperwork is due two days before a meeting (the working day before when that
is a closed day), so the first day a meeting can be booked for today is Thursday 4 March.
"""

from __future__ import annotations

from datetime import date, datetime, time, timezone

import pytest
import time_machine
from icalendar import Calendar
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import Child
from permanence.core import jobs
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, PanelMember, TrackingSlot
from permanence.panels.tracking import book_due_tracking_meetings
from permanence.panels.tracking_days import earliest_day
from permanence.tor.services import current_tor
from permanence.tracker.services import recompute_council
from tracker_support import RECORDED_EVENTS, TODAY, crafted_children, ids_by_case, load_seed, recorded_events

d = date
SLUG = "permanence-panel-pptm"
MONDAY_9AM = datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_council(app, make_user, make_team):
    """The seed council with two teams; the crafted children are in the first, managed by Tara."""

    def make(events=None):
        tenant = load_seed(app, SLUG)
        teams = {"one": make_team(tenant, "Children in Care 1"), "two": make_team(tenant, "Children in Care 2")}
        people = {
            "sw": make_user(tenant, ("social_worker",), team=teams["one"], email="sw@example.org", name="Sam Worker"),
            "tm": make_user(tenant, ("team_manager",), team=teams["one"], email="tm@example.org",
                            name="Tara Manager"),
            "tm2": make_user(tenant, ("team_manager",), team=teams["two"], email="tm2@example.org",
                             name="Tom Other"),
            "iro": make_user(tenant, ("iro",), email="iro@example.org", name="Ian Reviewer"),
            "bso": make_user(tenant, ("panel_administrator",), email="bso@example.org", name="Bea Support"),
        }
        with app.app_context(), tenant_context(tenant.id), recorded_events(events):
            db.session.add_all(crafted_children(team=teams["one"].id, social_worker=people["sw"].id,
                                                team_manager=people["tm"].id, iro=people["iro"].id))
            db.session.add(PanelMember(body_id="pptm", user_id=people["bso"].id, role="panel-administrator",
                                       title="Business Support Officer"))
            db.session.flush()
            recompute_council(TODAY)
            jobs.commit()
        return tenant, teams, people

    return make


def _agree(tenant, team, weekday, starts, ends, minutes):
    with tenant_context(tenant.id):
        db.session.add(TrackingSlot(team_id=team.id, body_id="pptm", weekday=weekday, starts=starts, ends=ends,
                                    minutes_each=minutes))
        jobs.commit()


def _booked():
    """Each child's booked PPTM as (day, London start time or None)."""
    cases = {v: k for k, v in ids_by_case().items()}
    rows = db.session.execute(
        select(AgendaItem, Meeting).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.body_id == "pptm", AgendaItem.status == ItemStatus.BOOKED)).all()
    return {cases[item.child_id]: (meeting.date, meeting.starts_at.astimezone(LONDON).time()
                                   if meeting.starts_at else None) for item, meeting in rows}


def _meeting_of(case):
    return db.session.execute(select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id).where(
        AgendaItem.child_id == ids_by_case()[case], AgendaItem.status == ItemStatus.BOOKED)).scalar_one()


def test_the_daily_booking_spreads_the_team_over_its_agreed_times_from_each_due_date_back(app, make_council):
    tenant, teams, _ = make_council()
    with app.app_context():
        _agree(tenant, teams["one"], 1, time(10), time(11), 30)  # Tuesdays 10:00 to 11:00: two meetings
        with tenant_context(tenant.id):
            assert len(book_due_tracking_meetings(TODAY)) == 4
            jobs.commit()
            assert _booked() == {
                # Overdue: the first free places. Tue 2 March is too soon for the paperwork.
                "PO-1": (d(2027, 3, 9), time(10, 0)),
                "HOME-1": (d(2027, 3, 9), time(10, 30)),
                # Due Tue 2 March, too soon; Tue 9 March is full, so the next Tuesday.
                "PROC-1": (d(2027, 3, 16), time(10, 0)),
                # Due Tue 13 April: the agreed time on the day.
                "CO-1": (d(2027, 4, 13), time(10, 0)),
            }
            co = _meeting_of("CO-1")
            mail = db.session.execute(select(EmailMessage).where(
                EmailMessage.to_address == "sw@example.org", EmailMessage.subject.contains("(CO-1)"))).scalar_one()
            assert mail.subject == "PPTM for F.C. (CO-1): Tuesday 13 April 2027 at 10:00"
            event = Calendar.from_ical(mail.calendar).walk("VEVENT")[0]
            # 10:00 to 11:00 on 13 April is British Summer Time: 09:00 to 09:30 UTC.
            assert (event.decoded("dtstart"), event.decoded("dtend")) == (
                datetime(2027, 4, 13, 9, 0, tzinfo=timezone.utc), datetime(2027, 4, 13, 9, 30, tzinfo=timezone.utc))
            assert co.ends_at.astimezone(LONDON).time() == time(10, 30)
            item = db.session.execute(select(AgendaItem).where(AgendaItem.meeting_id == co.id)).scalar_one()
            assert item.minutes_allowed == 30


def test_the_api_gives_each_meeting_its_agreed_time(app, client, make_council, make_token, monday):
    tenant, teams, people = make_council()
    with app.app_context():
        _agree(tenant, teams["one"], 1, time(10), time(11), 30)
        with tenant_context(tenant.id):
            book_due_tracking_meetings(TODAY)
            jobs.commit()
    _, secret = make_token(tenant, people["bso"])
    listed = client.get(f"/{SLUG}/api/v1/tracking-meetings/", headers={"Authorization": f"Bearer {secret}"})
    assert [(x["child"], x["starts_at"], x["ends_at"]) for x in listed.get_json()] == [
        ("Fictional Po1", "2027-03-09T10:00:00+00:00", "2027-03-09T10:30:00+00:00"),
        ("Fictional Home1", "2027-03-09T10:30:00+00:00", "2027-03-09T11:00:00+00:00"),
        ("Fictional Proc1", "2027-03-16T10:00:00+00:00", "2027-03-16T10:30:00+00:00"),
        ("Fictional Co1", "2027-04-13T09:00:00+00:00", "2027-04-13T09:30:00+00:00")]  # British Summer Time


def test_a_bank_holiday_is_skipped_and_a_full_team_goes_to_the_next_free_day(app, make_council):
    # CO-1's last PPTM was Monday 4 January, so its next (12 weeks) is due on Easter Monday 29 March.
    tenant, teams, _ = make_council({**RECORDED_EVENTS, "CO-1": {"last_tracking_meeting": d(2027, 1, 4)}})
    with app.app_context():
        _agree(tenant, teams["one"], 0, time(14), time(15), 60)  # Mondays 14:00 to 15:00: one meeting
        with tenant_context(tenant.id):
            book_due_tracking_meetings(TODAY)
            jobs.commit()
            assert _booked() == {
                "PO-1": (d(2027, 3, 8), time(14, 0)),
                "HOME-1": (d(2027, 3, 15), time(14, 0)),
                "PROC-1": (d(2027, 3, 22), time(14, 0)),
                # Due Easter Monday (a bank holiday) and every Monday before it is taken: the next one.
                "CO-1": (d(2027, 4, 5), time(14, 0)),
            }


def test_a_team_that_agreed_no_days_is_booked_on_the_due_date_for_the_whole_day(app, make_council):
    tenant, teams, _ = make_council()
    with app.app_context():
        _agree(tenant, teams["two"], 1, time(10), time(12), 30)  # the other team agreed Tuesdays
        with tenant_context(tenant.id):
            book_due_tracking_meetings(TODAY)
            jobs.commit()
            assert _booked() == {
                "PO-1": (d(2027, 3, 4), None), "HOME-1": (d(2027, 3, 4), None), "PROC-1": (d(2027, 3, 4), None),
                "CO-1": (d(2027, 4, 13), None),
            }
            mail = db.session.execute(select(EmailMessage).where(
                EmailMessage.to_address == "sw@example.org", EmailMessage.subject.contains("(CO-1)"))).scalar_one()
            assert "DTSTART;VALUE=DATE:20270413" in mail.calendar


def test_the_paperwork_deadline_is_counted_on_the_working_day_calendar(app, make_council):
    tenant, _, _ = make_council()
    with app.app_context():
        body = current_tor(tenant.id).body("pptm")
        assert earliest_day(body, TODAY) == d(2027, 3, 4)  # papers due Tue 2 March
        # Thursday 24 December 2026: Christmas Day and the Boxing Day substitute (Mon 28) are closed.
        # Tue 29 and Wed 30 December would need the paperwork by Thu 24 December (today): too late.
        assert earliest_day(body, d(2026, 12, 24)) == d(2026, 12, 31)


@pytest.fixture
def monday():
    """The pages' today is Monday 1 March 2027, 9:00 (signing in included)."""
    with time_machine.travel(MONDAY_9AM, tick=False):
        yield


def _get(client, url):
    return client.get(url)


def _post(client, url, data):
    return client.post(url, data=data)


def test_the_team_manager_agrees_their_teams_days_and_the_administrator_any_teams(app, client, login, make_council,
                                                                                  monday):
    tenant, teams, people = make_council()
    one, two = teams["one"].id, teams["two"].id
    login(people["tm"])
    listing = _get(client, f"/{SLUG}/tracking-meetings/")
    assert "Days and times agreed by teams" in listing.text
    days = _get(client, f"/{SLUG}/tracking-meetings/days")
    assert days.status_code == 200
    assert "Children in Care 1" in days.text and "Children in Care 2" not in days.text  # only their own team
    page = _get(client, f"/{SLUG}/tracking-meetings/days/{one}")
    assert "Children in Care 1 has not agreed days yet" in page.text

    saved = _post(client, f"/{SLUG}/tracking-meetings/days/{one}",
                  {"body_id": "pptm", "weekday": "1", "starts": "10:00", "ends": "12:00", "minutes_each": "30"})
    assert saved.status_code == 302
    page = _get(client, f"/{SLUG}/tracking-meetings/days/{one}")
    assert "Tuesdays 10:00 to 12:00, 4 meetings of 30 minutes" in page.text
    assert "Agreed by Tara Manager on 1 March 2027" in page.text
    with app.app_context(), tenant_context(tenant.id):
        event = db.session.execute(select(AuditEvent).where(AuditEvent.entity_type == "TrackingSlot")).scalar_one()
        assert (event.action, event.actor_label) == ("create", "tm@example.org")

    # Each field is checked, and a refusal names it.
    for data, message in (
            ({"weekday": "1", "starts": "12:00", "ends": "11:00", "minutes_each": "30"},
             "The end time must be after the start time"),
            ({"weekday": "3", "starts": "25:00", "ends": "11:00", "minutes_each": "30"},
             "From must be a time on the 24-hour clock, for example 14:00"),
            ({"weekday": "3", "starts": "10:00", "ends": "10:30", "minutes_each": "45"},
             "A meeting of 45 minutes does not fit between 10:00 and 10:30"),
            ({"weekday": "1", "starts": "11:30", "ends": "13:00", "minutes_each": "30"},
             "This overlaps the time already agreed: Tuesdays 10:00 to 12:00, 4 meetings of 30 minutes"),
            ({"weekday": "6", "starts": "10:00", "ends": "11:00", "minutes_each": "30"},
             "Choose a day from Monday to Friday"),
            ({"weekday": "Tuesday", "starts": "10:00", "ends": "11:00", "minutes_each": "30"},
             "Choose a day from Monday to Friday"),
            ({"weekday": "3", "starts": "10:00", "ends": "11:00", "minutes_each": "half"},
             "Length of each meeting, in minutes must be a whole number, for example 30")):
        refused = _post(client, f"/{SLUG}/tracking-meetings/days/{one}", {"body_id": "pptm", **data})
        assert refused.status_code == 400 and message in refused.text, message

    # Another team is not theirs to arrange; a social worker arranges none.
    assert _get(client, f"/{SLUG}/tracking-meetings/days/{two}").status_code == 403
    assert _post(client, f"/{SLUG}/tracking-meetings/days/{two}",
                 {"body_id": "pptm", "weekday": "2", "starts": "10:00", "ends": "11:00",
                  "minutes_each": "60"}).status_code == 403
    login(people["sw"])
    assert _get(client, f"/{SLUG}/tracking-meetings/days").status_code == 403
    assert _get(client, f"/{SLUG}/tracking-meetings/days/{one}").status_code == 403
    assert "Days and times agreed by teams" not in _get(client, f"/{SLUG}/tracking-meetings/").text

    # The Business Support Officer supports every team, and sees which have not agreed days.
    login(people["bso"])
    listing = _get(client, f"/{SLUG}/tracking-meetings/")
    assert "Not agreed days yet: Children in Care 2." in listing.text
    days = _get(client, f"/{SLUG}/tracking-meetings/days")
    assert "Tuesdays 10:00 to 12:00, 4 meetings of 30 minutes" in days.text and "Not agreed" in days.text
    assert _post(client, f"/{SLUG}/tracking-meetings/days/{two}",
                 {"body_id": "pptm", "weekday": "3", "starts": "14:00", "ends": "15:00",
                  "minutes_each": "60"}).status_code == 302
    assert "Not agreed days yet" not in _get(client, f"/{SLUG}/tracking-meetings/").text
    with app.app_context(), tenant_context(tenant.id):
        slot = db.session.execute(select(TrackingSlot).where(TrackingSlot.team_id == two)).scalar_one()
        slot_id = slot.id
    login(people["tm"])
    assert _post(client, f"/{SLUG}/tracking-meetings/days/slots/{slot_id}/remove", {}).status_code == 403
    login(people["tm2"])
    assert _post(client, f"/{SLUG}/tracking-meetings/days/slots/{slot_id}/remove", {}).status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.get(TrackingSlot, slot_id) is None
        assert db.session.execute(select(AuditEvent.action).where(
            AuditEvent.entity_type == "TrackingSlot", AuditEvent.entity_id == str(slot_id))).scalars().all() == [
            "create", "delete"]


def test_the_team_manager_moves_one_meeting_and_everyone_invited_gets_the_new_invitation(
        app, client, login, make_council, monday):
    tenant, teams, people = make_council()
    with app.app_context():
        _agree(tenant, teams["one"], 1, time(10), time(11), 30)
        with tenant_context(tenant.id):
            book_due_tracking_meetings(TODAY)
            jobs.commit()
            co, po = _meeting_of("CO-1").id, _meeting_of("PO-1").id
    url = f"/{SLUG}/tracking-meetings/{co}/move"
    login(people["tm"])
    assert f'href="{url}"' in _get(client, f"/{SLUG}/tracking-meetings/{co}").text

    refusals = (
        ({"date": "3/3/2027", "reason": "Court"}, "The paperwork for a meeting on Wednesday 3 March 2027 would be "
                                                   "due on Monday 1 March 2027, too soon to complete; choose Thursday "
                                                   "4 March 2027 or later"),
        ({"date": "10/4/2027", "reason": "Court"}, "Saturday 10 April 2027 is a Saturday; choose a working day"),
        ({"date": "29/3/2027", "reason": "Court"}, "Monday 29 March 2027 is Easter Monday; choose a working day"),
        ({"date": "14/4/2027", "time": "9am", "reason": "Court"},
         "Start time (leave empty for the whole day) must be a time on the 24-hour clock, for example 14:00"),
        ({"date": "14/4/2027", "reason": ""}, "Enter the reason for moving the meeting"),
        ({"date": "9/3/2027", "time": "10:15", "reason": "Court"},
         "Another tracking meeting of the team is booked from 10:00 to 10:30 that day; choose another time"),
    )
    for data, message in refusals:
        refused = _post(client, url, data)
        assert refused.status_code == 400 and message in refused.text, message

    moved = _post(client, url, {"date": "14/4/2027", "time": "14:00", "reason": "The social worker is in court"})
    assert moved.status_code == 302
    page = _get(client, f"/{SLUG}/tracking-meetings/{co}")
    assert "Fictional Co1: Wednesday 14 April 2027, 14:00 to 14:30" in page.text
    with app.app_context(), tenant_context(tenant.id):
        mails = db.session.execute(select(EmailMessage).where(EmailMessage.subject.contains("moved"))).scalars().all()
        assert sorted(m.to_address for m in mails) == ["bso@example.org", "iro@example.org", "sw@example.org",
                                                       "tm@example.org"]
        mail = next(m for m in mails if m.to_address == "sw@example.org")
        assert mail.subject == "PPTM for F.C. (CO-1) moved to Wednesday 14 April 2027 at 14:00"
        assert ("The Permanence Planning Tracking Meeting for F.C. (CO-1) on Tuesday 13 April 2027 at 10:00 has "
                "moved to Wednesday 14 April 2027 at 14:00.\n\nReason: The social worker is in court\n\n"
                "The paperwork is due by Monday 12 April 2027.") in mail.body
        event = Calendar.from_ical(mail.calendar).walk("VEVENT")[0]
        booked = db.session.execute(select(EmailMessage).where(
            EmailMessage.to_address == "sw@example.org", EmailMessage.subject.contains("(CO-1):"))).scalar_one()
        assert str(event["uid"]) == str(Calendar.from_ical(booked.calendar).walk("VEVENT")[0]["uid"])
        assert (event["sequence"], event.decoded("dtstart")) == (1, datetime(2027, 4, 14, 13, 0, tzinfo=timezone.utc))

    # Moved again, to the day at no set time: the same invitation, one sequence higher.
    assert _post(client, url, {"date": "15/4/2027", "reason": "Room not free"}).status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        mail = db.session.execute(select(EmailMessage).where(
            EmailMessage.to_address == "sw@example.org",
            EmailMessage.subject == "PPTM for F.C. (CO-1) moved to Thursday 15 April 2027")).scalar_one()
        event = Calendar.from_ical(mail.calendar).walk("VEVENT")[0]
        assert (event["sequence"], event.decoded("dtstart")) == (2, d(2027, 4, 15))

    # Another team's manager and the social worker may not move it; the administrator may.
    login(people["tm2"])
    assert _get(client, url).status_code == 403
    login(people["sw"])
    assert _post(client, url, {"date": "16/4/2027", "reason": "x"}).status_code == 403
    assert 'Move this meeting' not in _get(client, f"/{SLUG}/tracking-meetings/{co}").text
    login(people["bso"])
    assert _post(client, f"/{SLUG}/tracking-meetings/{po}/move",
                 {"date": "11/3/2027", "time": "09:30", "reason": "Chair on leave"}).status_code == 302
    # A tracking meeting is not moved through the panels' schedule, which would tell only the seats.
    schedule_page = _get(client, f"/{SLUG}/meetings/{po}")
    assert "A child's tracking meeting is moved from" in schedule_page.text
    assert "Move meeting</button>" not in schedule_page.text
    assert _post(client, f"/{SLUG}/meetings/{po}/move", {"date": "12/3/2027", "reason": "x"}).status_code == 302
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.get(Meeting, po).date == d(2027, 3, 11)


def test_the_terms_of_reference_page_says_who_agrees_the_days(app, client, login, make_council, monday):
    _, _, people = make_council()
    login(people["sw"])
    page = _get(client, f"/{SLUG}/terms-of-reference")
    assert ("Each team's meetings are held on the days and at the times its team manager agrees; the panel "
            "administrator arranges them for any team.") in page.text


def test_the_demo_councils_teams_have_agreed_days_and_its_pptms_are_booked_in_them(app, client, login):
    from permanence.accounts.models import User
    from permanence.demo.services import demo_email, load_demo
    from permanence.tenancy.models import Tenant

    with app.app_context():
        load_demo(children_per_tenant=10)
        jobs.commit()
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == SLUG)).scalar_one()
        with tenant_context(tenant.id):
            slots = db.session.execute(select(TrackingSlot)).scalars().all()
            assert sorted((s.team.name, s.label) for s in slots) == [
                ("Children in Care 1", "Tuesdays 09:30 to 12:30, 3 meetings of 60 minutes"),
                ("Children in Care 2", "Thursdays 13:30 to 16:30, 3 meetings of 60 minutes")]
            rows = db.session.execute(
                select(Meeting, Child).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
                .join(Child, Child.id == AgendaItem.child_id)
                .where(Meeting.body_id == "pptm", AgendaItem.status == ItemStatus.BOOKED)).all()
            assert rows
            weekday = {s.team_id: s.weekday for s in slots}
            assert all(m.starts_at is not None and m.date.weekday() == weekday[c.team_id] for m, c in rows)
        user = db.session.execute(select(User).where(User.email == demo_email("team_manager", SLUG))).scalar_one()
        db.session.expunge_all()
    login(user)  # the demo team manager, in Children in Care 1, finds their team's day
    page = client.get(f"/{SLUG}/tracking-meetings/days")
    assert "Tuesdays 09:30 to 12:30, 3 meetings of 60 minutes" in page.text
    assert "Children in Care 2" not in page.text
