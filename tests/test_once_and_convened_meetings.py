"""Per-child meetings held once after an event and convened for one child when needed (issue 14,
item 2), taking effect: a permanence planning meeting due ten working days after the child became
looked after (across Easter 2027: Good Friday 26 March, Easter Monday 29 March) is booked, held and
not booked again until a second period of care; a disruption meeting is convened by the team
manager or the service manager for one child, with its members invited, and refused to anyone
else; the council's ToR page says both in English.
"""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import CarePeriod, Child, LegalStatus
from permanence.core import jobs
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, PanelMember
from permanence.panels.tracking import book_due_tracking_meetings
from permanence.tor.services import active_version, store_version
from permanence.tracker.models import Milestone
from permanence.tracker.services import recompute_council

d = date
TOR = """\
council:
  name: Council A
statutory_timescales: {inherit: false}
bodies:
  - id: ppm
    kind: tracking_meeting
    name: Permanence Planning Meeting
    short_name: PPM
    membership:
      chairs: [{role: team-manager}]
      members: [{role: independent-reviewing-officer}]
      quorum: {minimum: 1}
    agenda_parts:
      - {id: child, title: The child, headings: [Plan, Parallel plan]}
    per_child_cadence:
      - id: after-entry
        once: true
        within: {working_days: 10}
        after: entered_care
        when: {fact: looked_after, eq: true}
        label: Permanence planning meeting
        source: "2.1"
    outcomes:
      - {id: plan-agreed, label: Plan agreed}
  - id: disruption
    kind: tracking_meeting
    name: Disruption Meeting
    membership:
      chairs: [{role: service-manager}]
      quorum: {minimum: 1}
    agenda_parts:
      - {id: child, title: The disruption, minutes_per_item: 60, headings: [What happened, Support for the child]}
    convened_by: [team-manager, service-manager]
    outcomes:
      - {id: placement-supported, label: Placement supported}
"""


@pytest.fixture
def council(app, tenant_a, make_team, make_user, make_child):
    team = make_team(tenant_a, "Children in Care 1")
    other = make_team(tenant_a, "Children in Care 2")
    people = {
        "sw": make_user(tenant_a, ("social_worker",), team=team, email="sw@example.org", name="Sam Worker"),
        "tm": make_user(tenant_a, ("team_manager",), team=team, email="tm@example.org", name="Tara Manager"),
        "tm2": make_user(tenant_a, ("team_manager",), team=other, email="tm2@example.org", name="Tom Other"),
        "iro": make_user(tenant_a, ("iro",), email="iro@example.org", name="Ian Reviewer"),
        "sm": make_user(tenant_a, ("senior_manager",), email="sm@example.org", name="Sue Service"),
    }
    child = make_child(tenant_a, case_number="ONCE-1", team=team, social_worker=people["sw"],
                       team_manager=people["tm"], iro=people["iro"])
    with app.app_context(), tenant_context(tenant_a.id):
        store_version(tenant_a.id, TOR, loaded_by="test", activate=True)
        db.session.add(PanelMember(body_id="disruption", user_id=people["sm"].id, role="service-manager"))
        row = db.session.get(Child, child.id)
        row.care_periods.append(CarePeriod(start=d(2027, 3, 24), category_of_need="N1"))  # Wednesday before Easter
        row.legal_statuses.append(LegalStatus(code="C1", start=d(2027, 3, 24)))
        jobs.commit()
    return tenant_a, people, child.id


def _milestone(child_id):
    return db.session.execute(select(Milestone).where(Milestone.child_id == child_id,
                                                      Milestone.rule_id == "ppm-after-entry")).scalar_one()


def _booked(child_id, body_id="ppm"):
    return [m.date for m in db.session.execute(
        select(Meeting).join(AgendaItem, AgendaItem.meeting_id == Meeting.id)
        .where(AgendaItem.child_id == child_id, Meeting.body_id == body_id,
               AgendaItem.status == ItemStatus.BOOKED).order_by(Meeting.date)).scalars()]


def test_the_once_meeting_is_due_ten_working_days_after_entering_care_booked_held_and_not_booked_again(
        app, council, travel):
    tenant, people, child_id = council
    with app.app_context(), tenant_context(tenant.id):
        travel(d(2027, 3, 25))
        recompute_council(d(2027, 3, 25))
        m = _milestone(child_id)
        assert (m.due, m.status, m.anchor_event, m.anchor_date) == (d(2027, 4, 9), "due_soon", "entered_care",
                                                                    d(2027, 3, 24))
        assert m.rule_text == "10 working days after the child became looked after, where the child is looked after"
        [item] = book_due_tracking_meetings(d(2027, 3, 25))
        jobs.commit()
        assert (item.meeting.date, item.reason, item.entry_route) == (d(2027, 4, 9), "Permanence planning meeting",
                                                                       "cohort_rule")
        invited = sorted(e.to_address for e in db.session.execute(select(EmailMessage)).scalars())
        assert invited == ["iro@example.org", "sw@example.org", "tm@example.org"]

        # Held early, on Tuesday 6 April: met, and nothing is booked again.
        item.meeting.date = d(2027, 4, 6)
        item.status = ItemStatus.HEARD
        jobs.commit()
        travel(d(2027, 4, 7))
        recompute_council(d(2027, 4, 7))
        m = _milestone(child_id)
        assert (m.status, m.achieved, m.due) == ("achieved", d(2027, 4, 6), d(2027, 4, 9))
        assert book_due_tracking_meetings(d(2027, 4, 7)) == []
        travel(d(2027, 7, 1))
        recompute_council(d(2027, 7, 1))
        assert book_due_tracking_meetings(d(2027, 7, 1)) == []
        assert _booked(child_id) == []

        # The child leaves care on 1 June and comes back on Wednesday 1 September: due again.
        row = db.session.get(Child, child_id)
        row.care_periods[0].end = d(2027, 6, 1)
        row.care_periods[0].reason_ceased = "E13"
        row.care_periods.append(CarePeriod(start=d(2027, 9, 1), category_of_need="N1"))
        jobs.commit()
        travel(d(2027, 9, 1))
        recompute_council(d(2027, 9, 1))
        m = _milestone(child_id)
        assert (m.status, m.due, m.achieved, m.anchor_date) == ("due_soon", d(2027, 9, 15), None, d(2027, 9, 1))
        [again] = book_due_tracking_meetings(d(2027, 9, 1))
        jobs.commit()
        assert again.meeting.date == d(2027, 9, 15)


def test_a_meeting_of_another_body_does_not_meet_the_once_meeting(app, council, travel):
    tenant, people, child_id = council
    with app.app_context(), tenant_context(tenant.id):
        travel(d(2027, 3, 25))
        meeting = Meeting(body_id="disruption", tor_version_id=active_version(tenant.id).id, date=d(2027, 3, 25))
        db.session.add(meeting)
        db.session.add(AgendaItem(meeting=meeting, part_id="child", child_id=child_id, status=ItemStatus.HEARD,
                                  entry_route="convened", answers={}))
        jobs.commit()
        recompute_council(d(2027, 3, 25))
        assert (_milestone(child_id).status, _milestone(child_id).achieved) == ("due_soon", None)


def _form(date_text="1/4/2027", time_text="10:00", reason="The placement broke down last night"):
    return {"date": date_text, "time": time_text, "reason": reason}


def test_the_team_manager_convenes_a_disruption_meeting_and_everyone_is_invited(app, client, login, council, travel):
    tenant, people, child_id = council
    login(people["tm"])
    travel(d(2027, 3, 30))
    page = client.get(f"/council-a/children/{child_id}")
    assert page.status_code == 200
    assert "Convene a Disruption Meeting" in page.text and "Convene a Permanence Planning Meeting" not in page.text
    url = f"/council-a/children/{child_id}/convene/disruption"
    form = client.get(url)
    assert form.status_code == 200 and "What happened; Support for the child" in form.text

    response = client.post(url, data=_form())
    assert response.status_code == 302
    meeting_url = response.headers["Location"]
    shown = client.get(meeting_url)
    assert shown.status_code == 200
    assert "Convened by Tara Manager (Team manager) on 30 March 2027" in shown.text
    assert "The placement broke down last night" in shown.text
    assert "Thursday 1 April 2027, 10:00 to 11:00" in shown.text
    for name in ("Sam Worker", "Tara Manager", "Ian Reviewer", "Sue Service"):
        assert name in shown.text

    with app.app_context(), tenant_context(tenant.id):
        meeting = db.session.execute(select(Meeting).where(Meeting.body_id == "disruption")).scalar_one()
        assert (meeting.date, meeting.starts_at.astimezone(LONDON).time(), meeting.ends_at.astimezone(LONDON).time()) \
            == (d(2027, 4, 1), time(10), time(11))
        [item] = meeting.items
        assert (item.child_id, item.status, item.entry_route, item.reason) == (
            child_id, ItemStatus.BOOKED, "convened", "The placement broke down last night")
        mails = db.session.execute(select(EmailMessage)).scalars().all()
        assert sorted(m.to_address for m in mails) == ["iro@example.org", "sm@example.org", "sw@example.org",
                                                       "tm@example.org"]
        assert all("DTSTART" in m.calendar for m in mails)
        event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "convene_tracking_meeting")
                                   ).scalar_one()
        assert event.changes["reason"] == "The placement broke down last night"
        assert event.changes["convened_by"] == people["tm"].id

    # A second one while this is booked: a clear error, not a second meeting.
    again = client.post(url, data=_form("2/4/2027"))
    assert again.status_code == 400
    assert "already booked for the child on Thursday 1 April 2027 at 10:00" in again.text


def test_the_service_manager_convenes_for_any_child(app, client, login, council, travel):
    tenant, people, child_id = council
    login(people["sm"])
    travel(d(2027, 3, 30))
    assert "Convene a Disruption Meeting" in client.get(f"/council-a/children/{child_id}").text
    response = client.post(f"/council-a/children/{child_id}/convene/disruption", data=_form())
    assert response.status_code == 302


def test_a_social_worker_or_another_teams_manager_may_not_convene(app, client, login, council, travel):
    tenant, people, child_id = council
    travel(d(2027, 3, 30))
    url = f"/council-a/children/{child_id}/convene/disruption"
    login(people["sw"])
    assert "Convene a" not in client.get(f"/council-a/children/{child_id}").text
    assert client.get(url).status_code == 403
    assert client.post(url, data=_form()).status_code == 403
    login(people["tm2"])
    assert client.get(url).status_code == 403
    # A body with no convened_by is not convened by anyone.
    login(people["tm"])
    assert client.get(f"/council-a/children/{child_id}/convene/ppm").status_code == 404
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(select(Meeting)).first() is None


@pytest.mark.parametrize("data, message", [
    (_form(date_text="29/3/2027"), "The date must be today (30 March 2027) or later"),
    (_form(reason="   "), "Enter why the meeting is needed"),
    (_form(date_text=""), "Enter the date of the meeting"),
    (_form(date_text="31/2/2027"), "Date must be a real date"),
    (_form(time_text="25:00"), "Start time must be a time on the 24-hour clock"),
    (_form(time_text=""), "Enter the time the meeting starts"),
    (_form(date_text="3/4/2027"), "Saturday 3 April 2027 is a Saturday; choose a working day"),
    (_form(date_text="30/3/2027", time_text="09:00"), "09:00 today has passed"),
    (_form(reason="x" * 1001), "The reason must be 1000 characters or fewer"),
])
def test_bad_input_gives_a_clear_form_error(app, client, login, council, travel, data, message):
    tenant, people, child_id = council
    login(people["tm"])
    travel(d(2027, 3, 30))  # 10:00 in London
    response = client.post(f"/council-a/children/{child_id}/convene/disruption", data=data)
    assert response.status_code == 400
    assert message in response.text
    with app.app_context(), tenant_context(tenant.id):
        assert db.session.execute(select(Meeting)).first() is None


def test_the_tor_page_says_both_forms_in_english(client, login, council):
    tenant, people, child_id = council
    login(people["tm"])
    page = client.get("/council-a/terms-of-reference")
    assert page.status_code == 200
    text = " ".join(page.text.split())
    assert ("Permanence planning meeting: Once, within ten working days after the child became looked after, "
            "where the child is looked after; a meeting of the PPM held on or after that day meets it, and it is "
            "due again only when that happens again") in text
    assert "Convened for one child when needed by the team manager or the service manager" in text
