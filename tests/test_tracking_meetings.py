"""Seed 001's per-child Permanence Planning Tracking Meetings book themselves: at 6 weeks while
in proceedings or under a placement order, at 12 weeks under a care order in a placement of
under 12 months, counted from the last PPTM (the tracker's "next PPTM" milestone); everyone is
invited with a calendar invitation; booking again books nothing twice; a recorded outcome
books the next, refers to the panel or closes tracking. Today is Monday 1 March 2027.
"""

from __future__ import annotations

from datetime import date

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from permanence.cases.models import ChildFlag
from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.panels.models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember
from permanence.panels.services import generate_meetings
from permanence.panels.tracking import after_outcome, book_due_tracking_meetings
from permanence.panels.jobs import book_tracking_meetings_job
from permanence.tor.services import active_version, current_tor
from permanence.tracker.models import Milestone
from permanence.tracker.services import recompute_council
from tracker_support import TODAY, crafted_children, ids_by_case, load_seed, recorded_events

d = date
SLUG = "permanence-panel-pptm"


@pytest.fixture
def council(app, make_user):
    tenant = load_seed(app, SLUG)
    people = {
        "sw": make_user(tenant, ("social_worker",), email="sw@example.org", name="Sam Worker"),
        "tm": make_user(tenant, ("team_manager",), email="tm@example.org", name="Tara Manager"),
        "iro": make_user(tenant, ("iro",), email="iro@example.org", name="Ian Reviewer"),
        "bso": make_user(tenant, ("panel_administrator",), email="bso@example.org", name="Bea Support"),
    }
    with app.app_context(), tenant_context(tenant.id), recorded_events():
        db.session.add_all(crafted_children(social_worker=people["sw"].id, team_manager=people["tm"].id,
                                            iro=people["iro"].id))
        db.session.add(PanelMember(body_id="pptm", user_id=people["bso"].id, role="panel-administrator",
                                   title="Business Support Officer"))
        db.session.flush()
        recompute_council(TODAY)
        jobs.commit()
    return tenant, people


def _booked(body_id="pptm"):
    cases = {v: k for k, v in ids_by_case().items()}
    rows = db.session.execute(
        select(AgendaItem, Meeting).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.body_id == body_id, AgendaItem.status == ItemStatus.BOOKED)).all()
    return {cases[item.child_id]: meeting.date for item, meeting in rows}


def _outcome(tenant, body_id, outcome_id):
    return next(o for o in current_tor(tenant.id).body(body_id).outcomes if o.id == outcome_id)


def _hear(case, day):
    """The child's booked PPTM is held on ``day`` (moved there if need be) and heard."""
    item = db.session.execute(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.child_id == ids_by_case()[case], AgendaItem.status == ItemStatus.BOOKED,
               Meeting.body_id == "pptm")).scalar_one()
    item.meeting.date = day
    item.status = ItemStatus.HEARD
    db.session.flush()
    return item


def test_the_daily_job_books_each_childs_pptm_from_its_cadence_and_invites_everyone(app, council, work_jobs):
    tenant, people = council
    with app.app_context(), tenant_context(tenant.id):
        assert book_tracking_meetings_job(TODAY.isoformat()) == 4
        jobs.commit()
        # The team agreed no days, so each goes on its due date; but never so soon that the
        # paperwork (due two days before) is already late: a meeting on Tue 2 March would need it
        # by Fri 26 Feb, on Wed 3 March by today, so Thu 4 March (papers due Tue 2 March) is first.
        assert _booked() == {
            "PROC-1": d(2027, 3, 4),   # in proceedings: due Tue 2 Mar, 6 weeks after the PPTM of Tue 19 Jan
            "CO-1": d(2027, 4, 13),    # care order, 6 months in placement: 12 weeks after 19 Jan
            "HOME-1": d(2027, 3, 4),   # due 23 Feb (6 weeks after proceedings were issued): first possible day
            "PO-1": d(2027, 3, 4),     # due 12 Jan 2026 (6 weeks after the placement order): first possible day
        }
        item = db.session.execute(select(AgendaItem).where(
            AgendaItem.child_id == ids_by_case()["CO-1"])).scalar_one()
        assert (item.part_id, item.entry_route, item.reason) == (
            "tracking-review", "cohort_rule", "PPTM under a care order, in placement under 12 months")
        assert item.meeting.note == "Booked from the cadence: PPTM under a care order, in placement under 12 months"

        mails = db.session.execute(select(EmailMessage).where(
            EmailMessage.subject.contains("(CO-1)"))).scalars().all()
        assert sorted(m.to_address for m in mails) == ["bso@example.org", "iro@example.org", "sw@example.org",
                                                       "tm@example.org"]
        mail = next(m for m in mails if m.to_address == "sw@example.org")
        # The council's wording; an e-mail names the child by initials and case number only.
        assert mail.subject == "PPTM for F.C. (CO-1): Tuesday 13 April 2027"
        assert mail.body.startswith("Dear Sam Worker,\n\nThe next Permanence Planning Tracking Meeting for "
                                    "F.C. (CO-1) is booked for Tuesday 13 April 2027.\n"
                                    "PPTM under a care order, in placement under 12 months\n")
        assert "- Legal timetable\n- Current care plan\n" in mail.body
        assert f"/{SLUG}/tracking-meetings/{item.meeting_id}" in mail.body
        assert "DTSTART;VALUE=DATE:20270413" in mail.calendar and "METHOD:REQUEST" in mail.calendar
        assert "SUMMARY:PPTM: F.C. (CO-1)" in mail.calendar and "Fictional" not in mail.calendar + mail.body
        invited = {str(a) for a in Calendar.from_ical(mail.calendar).walk("VEVENT")[0].get("attendee")}
        assert {"mailto:iro@example.org", "mailto:bso@example.org"} <= invited
        work_jobs()  # with Redis, an RQ worker sends them; embedded, they were printed to the console
        db.session.expire_all()
        assert all(m.status.value == "sent" for m in mails)

        # Booking again (tomorrow's run) books nothing twice and writes to no one.
        sent = db.session.scalar(select(func.count(EmailMessage.id)))
        assert book_due_tracking_meetings(TODAY) == []
        jobs.commit()
        assert db.session.scalar(select(func.count(AgendaItem.id))) == 4
        assert db.session.scalar(select(func.count(EmailMessage.id))) == sent


def test_review_again_books_the_next_pptm_6_or_12_weeks_after_the_one_held(app, council):
    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        review_again = _outcome(tenant, "pptm", "review-again")

        held = _hear("PROC-1", d(2027, 3, 2))
        step = after_outcome(held, review_again, today=d(2027, 3, 2))
        jobs.commit()
        assert [(i.meeting.date, i.entry_route) for i in step.booked] == [(d(2027, 4, 13), "agreed_at_previous_meeting")]
        assert step.booked[0].reason == ("Agreed at the PPTM on 2 March 2027: Review again at PPTM")

        held = _hear("CO-1", d(2027, 4, 13))
        step = after_outcome(held, review_again, today=d(2027, 4, 13))
        jobs.commit()
        assert [i.meeting.date for i in step.booked] == [d(2027, 7, 6)]  # 12 weeks on

        # Recorded twice (a correction), still one booking.
        again = after_outcome(held, review_again, today=d(2027, 4, 13))
        assert again.booked == step.booked
        assert _booked()["CO-1"] == d(2027, 7, 6)
        assert db.session.scalar(select(func.count(AgendaItem.id)).where(
            AgendaItem.child_id == ids_by_case()["CO-1"])) == 2


def test_present_at_panel_proposes_the_child_at_the_next_panel(app, council):
    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, TODAY)
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        held = _hear("PROC-1", d(2027, 3, 2))
        step = after_outcome(held, _outcome(tenant, "pptm", "present-at-panel"), today=d(2027, 3, 2))
        jobs.commit()
        [proposed] = step.referred
        # The panel sits fortnightly on Tuesdays; today's sitting is past taking items.
        assert (proposed.meeting.body_id, proposed.meeting.date) == ("permanence-panel", d(2027, 3, 16))
        assert (proposed.status, proposed.entry_route, proposed.part_id) == (
            ItemStatus.PROPOSED, "referred_by_pptm", "plan-ratification")
        assert proposed.reason == "Referred by the PPTM on 2 March 2027: Present at Permanence Panel"
        assert after_outcome(held, _outcome(tenant, "pptm", "present-at-panel"),
                             today=d(2027, 3, 2)).referred == [proposed]


def test_a_panel_outcome_monitoring_in_proceedings_books_the_pptm(app, council):
    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        meeting = Meeting(body_id="permanence-panel", tor_version_id=active_version(tenant.id).id,
                          date=d(2027, 2, 16))
        item = AgendaItem(meeting=meeting, part_id="children-at-home-in-proceedings",
                          child_id=ids_by_case()["HOME-1"], status=ItemStatus.HEARD)
        db.session.add(item)
        db.session.flush()
        step = after_outcome(item, _outcome(tenant, "permanence-panel", "monitor-in-proceedings"), today=TODAY)
        jobs.commit()
        assert [(i.meeting.body_id, i.meeting.date, i.entry_route) for i in step.booked] == [
            ("pptm", d(2027, 3, 4), "referred_by_permanence-panel")]  # the first day the paperwork allows


def test_no_further_review_closes_tracking_and_nothing_is_booked_again(app, council):
    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        held = _hear("PO-1", d(2027, 3, 2))
        step = after_outcome(held, _outcome(tenant, "pptm", "no-further-review"), today=d(2027, 3, 2))
        jobs.commit()
        po = ids_by_case()["PO-1"]
        assert step.closed == [po]
        flag = db.session.execute(select(ChildFlag).where(ChildFlag.child_id == po)).scalar_one()
        assert (flag.flag, flag.start, flag.note) == (
            "tracking_closed", d(2027, 3, 2), "PPTM on 2 March 2027: No further review needed")
        assert db.session.execute(select(Milestone).where(
            Milestone.child_id == po, Milestone.rule_id.like("pptm-%"))).first() is None
        assert book_due_tracking_meetings(d(2027, 3, 3)) == []
        assert "PO-1" not in _booked()


def test_closing_tracking_withdraws_a_pptm_still_to_come(app, council):
    tenant, _ = council
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, TODAY)
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        co = ids_by_case()["CO-1"]
        upcoming = db.session.execute(select(AgendaItem).where(AgendaItem.child_id == co)).scalar_one()
        panel = db.session.execute(select(Meeting).where(
            Meeting.body_id == "permanence-panel", Meeting.date == d(2027, 3, 2))).scalar_one()
        item = AgendaItem(meeting=panel, part_id="full-care-orders", child_id=co, status=ItemStatus.HEARD)
        db.session.add(item)
        db.session.flush()
        after_outcome(item, _outcome(tenant, "permanence-panel", "permanence-agreed"), today=d(2027, 3, 2))
        jobs.commit()
        assert upcoming.status == ItemStatus.WITHDRAWN
        assert upcoming.meeting.status == MeetingStatus.CANCELLED
        assert "CO-1" not in _booked()


def test_the_tracking_meeting_page_shows_the_headings_invitees_and_outcomes(app, client, login, council):
    tenant, people = council
    with app.app_context(), tenant_context(tenant.id):
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        meeting_id = db.session.execute(select(AgendaItem.meeting_id).where(
            AgendaItem.child_id == ids_by_case()["CO-1"])).scalar_one()
    login(people["bso"])
    page = client.get(f"/{SLUG}/tracking-meetings/{meeting_id}")
    assert page.status_code == 200
    text = page.text
    assert "Fictional Co1: Tuesday 13 April 2027" in text
    for heading in ("Assessment analysis, including the impact of any harm the child has experienced",
                    "Assessments to be undertaken", "Contact arrangements", "Legal timetable", "Current care plan",
                    "Parallel plan", "Considerations for family finding"):
        assert f"<li>{heading}</li>" in text
    for person in ("Sam Worker (sw@example.org)", "Tara Manager (tm@example.org)", "Ian Reviewer (iro@example.org)",
                   "Bea Support (bso@example.org)"):
        assert person in text
    for outcome in ("Review again at PPTM", "Present at Permanence Panel", "No further review needed"):
        assert f"<li>{outcome}</li>" in text
    # A panel's sitting is not a tracking meeting.
    with app.app_context(), tenant_context(tenant.id):
        generate_meetings(tenant.id, TODAY)
        jobs.commit()
        panel_id = db.session.execute(select(Meeting.id).where(Meeting.body_id == "permanence-panel")).scalars().first()
    assert client.get(f"/{SLUG}/tracking-meetings/{panel_id}").status_code == 404


def test_a_member_who_may_not_see_the_child_cannot_open_the_meeting(app, client, login, council, make_user):
    tenant, _ = council
    stranger = make_user(tenant, ("social_worker",), email="other@example.org")
    with app.app_context(), tenant_context(tenant.id):
        book_due_tracking_meetings(TODAY)
        jobs.commit()
        meeting_id = db.session.execute(select(AgendaItem.meeting_id).where(
            AgendaItem.child_id == ids_by_case()["CO-1"])).scalar_one()
    login(stranger)
    assert client.get(f"/{SLUG}/tracking-meetings/{meeting_id}").status_code == 403


def test_the_api_lists_books_and_shows_tracking_meetings_with_the_same_rules(app, client, council, make_token,
                                                                              make_user):
    import time_machine

    tenant, people = council
    _, secret = make_token(tenant, people["bso"])
    _, stranger = make_token(tenant, make_user(tenant, ("social_worker",), email="other@example.org"))
    _, worker = make_token(tenant, people["sw"])
    auth = {"Authorization": f"Bearer {secret}"}
    with time_machine.travel(date(2027, 3, 1), tick=False):
        # A social worker may not book for the council; the panel administrator may.
        assert client.post(f"/{SLUG}/api/v1/tracking-meetings/",
                           headers={"Authorization": f"Bearer {worker}"}).status_code == 403
        booked = client.post(f"/{SLUG}/api/v1/tracking-meetings/", headers=auth)
        assert booked.status_code == 201
        assert sorted((b["child"], b["date"]) for b in booked.get_json()) == [
            ("Fictional Co1", "2027-04-13"), ("Fictional Home1", "2027-03-04"), ("Fictional Po1", "2027-03-04"),
            ("Fictional Proc1", "2027-03-04")]
        assert client.post(f"/{SLUG}/api/v1/tracking-meetings/", headers=auth).get_json() == []

        listed = client.get(f"/{SLUG}/api/v1/tracking-meetings/", headers=auth).get_json()
        assert [(x["child"], x["date"], x["entry_route"]) for x in listed] == [  # soonest first
            ("Fictional Po1", "2027-03-04", "cohort_rule"), ("Fictional Home1", "2027-03-04", "cohort_rule"),
            ("Fictional Proc1", "2027-03-04", "cohort_rule"), ("Fictional Co1", "2027-04-13", "cohort_rule")]
        co = next(x for x in listed if x["child"] == "Fictional Co1")
        one = client.get(f"/{SLUG}/api/v1/tracking-meetings/{co['meeting_id']}", headers=auth).get_json()
        assert (one["body_name"], one["date"], one["headings"][3]) == (
            "Permanence Planning Tracking Meeting", "2027-04-13", "Legal timetable")
        assert [p["email"] for p in one["invited"]] == ["sw@example.org", "tm@example.org", "iro@example.org",
                                                          "bso@example.org"]
        assert [o["id"] for o in one["outcomes"]] == ["review-again", "present-at-panel", "no-further-review"]
        other = {"Authorization": f"Bearer {stranger}"}
        assert client.get(f"/{SLUG}/api/v1/tracking-meetings/", headers=other).get_json() == []
        assert client.get(f"/{SLUG}/api/v1/tracking-meetings/{co['meeting_id']}", headers=other).status_code == 403


def test_the_navigation_offers_tracking_meetings_only_where_the_tor_holds_them(app, client, login, council,
                                                                               make_user):
    _, people = council
    login(people["sw"])
    assert ">Tracking meetings</a>" in client.get(f"/{SLUG}/").get_data(as_text=True)
    knowsley = load_seed(app, "knowsley")
    login(make_user(knowsley, ("social_worker",), email="sw@knowsley.example.org"))
    assert ">Tracking meetings</a>" not in client.get("/knowsley/").get_data(as_text=True)
