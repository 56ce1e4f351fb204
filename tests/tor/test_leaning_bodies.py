"""Bodies that lean on other bodies (issue 14, item 3): a cadence in step with another panel's
sittings ("straight after the Adoption Panel", "the Monday after the Resources Panel", "two working
days before the Fostering Panel"), a cadence that is a minimum with named roles adding sittings
("twice a month or more often if necessary"), and one membership declared once for several bodies.

East Vale (tests/data/tor/east-vale) is a synthetic council using all three; the dates are London's,
with England's bank holidays (May Day 3 May 2027, Spring Bank Holiday 31 May 2027, Good Friday
26 March 2027 and Easter Monday 29 March 2027)."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.panels import services as panels
from permanence.panels.models import Meeting, MeetingStatus
from permanence.tor import TorConfigError, deadlines, load_tor, load_tor_from_text, sittings
from permanence.tor import services as tor_services
from permanence.tor.schedule import Sitting

REPO = Path(__file__).resolve().parents[2]
EAST_VALE = (REPO / "tests" / "data" / "tor" / "east-vale" / "tor.yaml").read_text()
TODAY = date(2027, 1, 1)


@pytest.fixture(scope="module")
def east_vale():
    return load_tor_from_text(EAST_VALE)


def _starts(found) -> list[tuple[date, str, str]]:
    return [(s.date, s.start.strftime("%H:%M"), s.end.strftime("%H:%M")) for s in found]


def _error(text: str) -> str:
    with pytest.raises(TorConfigError) as err:
        load_tor_from_text(text)
    return str(err.value)


# --- In step with another body's sittings ------------------------------------------------------

def test_a_panel_straight_after_another_sits_the_same_days_starting_when_it_ends(east_vale):
    adoption = sittings(east_vale.body("adoption-panel"), TODAY, count=4)
    after = sittings(east_vale.body("permanence-panel"), TODAY, count=4)
    assert _starts(adoption) == [(date(2027, 1, 7), "10:00", "12:00"), (date(2027, 1, 21), "10:00", "12:00"),
                                 (date(2027, 2, 4), "10:00", "12:00"), (date(2027, 2, 18), "10:00", "12:00")]
    assert _starts(after) == [(date(2027, 1, 7), "12:00", "13:00"), (date(2027, 1, 21), "12:00", "13:00"),
                              (date(2027, 2, 4), "12:00", "13:00"), (date(2027, 2, 18), "12:00", "13:00")]
    assert str(after[0].start.tzinfo) == "Europe/London"


def test_a_gap_after_the_other_body_ends_starts_the_sitting_that_much_later():
    text = EAST_VALE.replace("follows: {body: adoption-panel, offset: {days: 0}}",
                             "follows: {body: adoption-panel, offset: {days: 0}, gap_minutes: 15}")
    tor = load_tor_from_text(text)
    assert _starts(sittings(tor.body("permanence-panel"), TODAY, count=1)) == [(date(2027, 1, 7), "12:15", "13:15")]


def test_the_monday_after_a_panel_moves_off_a_bank_holiday_monday(east_vale):
    resources = sittings(east_vale.body("resources-panel"), date(2027, 3, 1), count=3)
    # Good Friday 26 March 2027, then Easter Monday: the Resources Panel sits on Tuesday 30 March.
    assert [(s.date, s.moved_from) for s in resources] == [(date(2027, 3, 30), date(2027, 3, 26)),
                                                          (date(2027, 4, 30), None), (date(2027, 5, 28), None)]
    review = sittings(east_vale.body("matching-review"), date(2027, 3, 2), count=4)
    assert [(s.date, s.moved_from, s.moved_because) for s in review] == [
        (date(2027, 4, 5), None, ""),  # the Monday after Tuesday 30 March
        (date(2027, 5, 4), date(2027, 5, 3), "May Day"),  # after 30 April: May Day moves it to the Tuesday
        (date(2027, 6, 1), date(2027, 5, 31), "Spring Bank Holiday"),  # after 28 May
        (date(2027, 6, 28), None, "")]
    assert _starts(review)[0] == (date(2027, 4, 5), "10:00", "11:00")


def test_a_skipping_panel_drops_the_sitting_a_bank_holiday_monday_would_take():
    text = EAST_VALE.replace("      follows: {body: resources-panel, next: MO}\n",
                             "      follows: {body: resources-panel, next: MO}\n      bank_holidays: skip\n")
    tor = load_tor_from_text(text)
    assert [s.date for s in sittings(tor.body("matching-review"), date(2027, 4, 1), until=date(2027, 7, 1))] == [
        date(2027, 4, 5), date(2027, 6, 28)]


def test_working_days_before_another_panel_step_back_over_a_bank_holiday(east_vale):
    fostering = sittings(east_vale.body("fostering-panel"), date(2027, 4, 1), count=2)
    prep = sittings(east_vale.body("fostering-prep"), date(2027, 4, 1), count=2)
    assert [s.date for s in fostering] == [date(2027, 4, 7), date(2027, 5, 5)]
    # Two working days before Wednesday 5 May 2027: Tuesday 4 May, then (May Day) Friday 30 April.
    assert _starts(prep) == [(date(2027, 4, 5), "09:30", "10:30"), (date(2027, 4, 30), "09:30", "10:30")]


def test_a_chain_of_following_panels_reaches_the_first_ones_rule():
    text = EAST_VALE.replace("""  - id: resources-panel
    kind: panel""", """  - id: family-time
    kind: panel
    name: Family Time Review
    cadence:
      follows: {body: permanence-panel, offset: {days: 0}}
      duration_minutes: 30
    membership:
      chairs: [{role: chair}]
      quorum: {minimum: 1}
  - id: resources-panel
    kind: panel""")
    tor = load_tor_from_text(text)
    assert _starts(sittings(tor.body("family-time"), TODAY, count=2)) == [
        (date(2027, 1, 7), "13:00", "13:30"), (date(2027, 1, 21), "13:00", "13:30")]


# --- Validation ----------------------------------------------------------------------------------

def _line(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


@pytest.mark.parametrize("old, new, where, message", [
    ("follows: {body: adoption-panel, offset: {days: 0}}", "follows: {body: adoptoin-panel, offset: {days: 0}}",
     "bodies[1].cadence.follows.body", "unknown body 'adoptoin-panel'; bodies: adoption-panel, permanence-panel"),
    ("follows: {body: adoption-panel, offset: {days: 0}}", "follows: {body: permanence-panel, offset: {days: 0}}",
     "bodies[1].cadence.follows.body", "permanence-panel cannot follow its own sittings"),
])
def test_following_an_unknown_body_or_itself_is_an_error_at_its_line(old, new, where, message):
    text = EAST_VALE.replace(old, new)
    error = _error(text)
    assert f"tor.yaml:{_line(text, new)} {where}: {message}" in error


def test_bodies_following_each_other_in_a_circle_is_an_error_at_its_line():
    text = EAST_VALE.replace("""      rrule: FREQ=MONTHLY;BYDAY=-1FR
      anchor: 2027-01-29
      start_time: "14:00"
      end_time: "15:00"
""", """      follows: {body: matching-review, next: FR}
      start_time: "14:00"
      end_time: "15:00"
""")
    error = _error(text)
    line = _line(text, "follows: {body: matching-review, next: FR}")
    assert (f"tor.yaml:{line} bodies[2].cadence.follows.body: the bodies follow each other in a circle "
            "(resources-panel follows matching-review follows resources-panel), so none of them has a first "
            "sitting") in error


def test_following_a_tracking_meeting_is_an_error_at_its_line():
    text = EAST_VALE + """  - id: ptm
    kind: tracking_meeting
    name: Tracking Meeting
    per_child_cadence:
      - {id: all, every: {weeks: 6}}
    membership:
      chairs: [{role: team-manager}]
      quorum: {minimum: 1, required_roles: []}
"""
    text = text.replace("follows: {body: fostering-panel, offset: {working_days: 2, direction: before}}",
                        "follows: {body: ptm, offset: {working_days: 2, direction: before}}")
    error = _error(text)
    line = _line(text, "follows: {body: ptm,")
    assert (f"tor.yaml:{line} bodies[5].cadence.follows.body: 'ptm' is a tracking meeting held for each child, "
            "with no sittings of its own to follow; name a panel") in error


@pytest.mark.parametrize("old, new, where, message", [
    ("follows: {body: adoption-panel, offset: {days: 0}}", "follows: {body: adoption-panel}",
     "bodies[1].cadence.follows.body", "give offset (e.g. {days: 0}: the same day"),
    ("follows: {body: resources-panel, next: MO}", "follows: {body: resources-panel, next: MONDAY}",
     "bodies[3].cadence.follows.next", "unknown weekday 'MONDAY'; allowed: MO, TU, WE, TH, FR, SA, SU"),
    ("follows: {body: resources-panel, next: MO}",
     "follows: {body: resources-panel, next: MO}\n      rrule: FREQ=WEEKLY;BYDAY=MO",
     "bodies[3].cadence.rrule", "rrule belongs to a cadence of its own"),
])
def test_a_badly_written_follows_is_an_error_at_its_line(old, new, where, message):
    text = EAST_VALE.replace(old, new)
    error = _error(text)
    assert f"tor.yaml:{_line(text, new.splitlines()[-1].strip())} {where}: {message}" in error


def test_straight_after_needs_the_same_day_and_a_length():
    text = EAST_VALE.replace("follows: {body: adoption-panel, offset: {days: 0}}",
                             "follows: {body: adoption-panel, offset: {days: 1}}")
    assert (f"tor.yaml:{_line(text, 'offset: {days: 1}')} bodies[1].cadence.start_time: give start_time: only a "
            "sitting on the same day") in _error(text)
    text = EAST_VALE.replace("      duration_minutes: 60\n", "")
    assert "bodies[1].cadence.duration_minutes: give duration_minutes: how long the sitting straight after" \
        in _error(text)


# --- A minimum cadence, with extra sittings ------------------------------------------------------

def test_extra_sittings_need_a_minimum_cadence_and_roles_that_can_add_them():
    text = EAST_VALE.replace("      at_least: true\n", "")
    assert (f"tor.yaml:{_line(text, 'extra_sittings_by: [chair]')} bodies[0].cadence.extra_sittings_by: extra "
            "sittings are for a cadence that is a minimum; add at_least: true") in _error(text)
    text = EAST_VALE.replace("extra_sittings_by: [chair]", "extra_sittings_by: [chair, legal-adviser]")
    assert (f"tor.yaml:{_line(text, 'legal-adviser]')} bodies[0].cadence.extra_sittings_by[1]: role "
            "'legal-adviser' (access role panel_member) cannot add sittings in the platform") in _error(text)
    text = EAST_VALE.replace("extra_sittings_by: [chair]", "extra_sittings_by: [chiar]")
    assert "bodies[0].cadence.extra_sittings_by[0]: unknown role 'chiar'" in _error(text)


def test_an_extra_sitting_has_the_deadlines_of_a_cadence_sitting(east_vale):
    body = east_vale.body("adoption-panel")
    extra = Sitting(body.id, date(2027, 1, 14), None, None, body.venue)
    assert [(d.kind, d.due) for d in deadlines(body, extra)] == [
        ("papers", date(2027, 1, 7)), ("agenda_circulation", date(2027, 1, 11))]


# --- One membership for several bodies -----------------------------------------------------------

def test_a_shared_membership_is_the_same_for_every_body_using_it(east_vale):
    adoption, permanence = east_vale.body("adoption-panel").membership, east_vale.body("permanence-panel").membership
    assert adoption is east_vale.shared_membership("core-panel").membership
    assert adoption.quorum is permanence.quorum and adoption.quorum.minimum == 3
    assert adoption.chairs == permanence.chairs and [s.title for s in adoption.chairs] == ["Head of Children in Care"]
    assert [s.title for s in permanence.members] == ["IRO Manager", "Solicitor", "Panel Administrator",
                                                     "Virtual School Head"]
    assert [s.title for s in permanence.added_members] == ["Virtual School Head"]
    assert [b.id for b in east_vale.bodies_using("core-panel")] == ["adoption-panel", "permanence-panel"]


def test_an_unknown_shared_membership_is_an_error_at_its_line():
    text = EAST_VALE.replace("membership: {use: core-panel}", "membership: {use: core-panle}")
    assert (f"tor.yaml:{_line(text, 'use: core-panle')} bodies[0].membership.use: unknown shared membership "
            "'core-panle'; memberships: core-panel") in _error(text)


def test_a_body_using_a_shared_membership_adds_members_only():
    text = EAST_VALE.replace("membership: {use: core-panel}", "membership: {use: core-panel, quorum: {minimum: 2}}")
    assert (f"tor.yaml:{_line(text, 'use: core-panel, quorum')} bodies[0].membership.quorum: quorum comes from the "
            "shared membership 'core-panel'; a body using it may add only members and invited_experts") in _error(text)


def test_a_shared_membership_problem_points_at_the_shared_membership():
    text = EAST_VALE.replace("      minimum: 3\n      required_roles: [chair]", "      minimum: 9\n      required_roles: [chair]")
    error = _error(text)
    assert f"tor.yaml:{_line(text, 'minimum: 9')} memberships[0].quorum.minimum: quorum of 9 is more than" in error


def test_every_seed_council_still_loads():
    for slug in ("waltham-forest", "permanence-panel-pptm", "redbridge", "monthly-tracking-overview", "knowsley"):
        load_tor(REPO / "tenants" / slug)


# --- Redbridge: "twice a month or more often if necessary" ----------------------------------------

def test_redbridge_meets_at_least_twice_a_month_and_its_chair_may_add_sittings(tenants):
    cadence = tenants["redbridge"].body("ptp").cadence
    assert cadence.at_least and cadence.extra_sittings_by == ("chair", "panel-administrator")


# --- Through the web client and the database -----------------------------------------------------

@pytest.fixture
def council(app, make_tenant, travel, work_jobs):
    """East Vale in force from Monday 28 December 2026: activating it generates half a year of meetings."""
    travel(date(2026, 12, 28))
    tenant = make_tenant("east-vale", "East Vale Council")
    with app.app_context():
        result = tor_services.store_version(tenant.id, EAST_VALE, filename="tor.yaml", loaded_by="cli")
        tor_services.activate_version(result.version)
        commit()
    work_jobs()
    return tenant


def _generate(app, tenant, today, weeks=26):
    with app.app_context(), tenant_context(tenant.id):
        created = panels.generate_meetings(tenant.id, today, weeks)
        commit()
        return len(created)


def _rows(app, tenant, body_id=None):
    with app.app_context(), tenant_context(tenant.id):
        query = select(Meeting).order_by(Meeting.date, Meeting.id)
        if body_id:
            query = query.where(Meeting.body_id == body_id)
        rows = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return rows


def _local(row) -> tuple[date, time | None]:
    return row.date, row.starts_at.astimezone(LONDON).time() if row.starts_at else None


def test_generated_meetings_of_a_following_panel_match_the_other_panels(app, council):
    """Activating the terms of reference (on 28 December 2026) generated half a year of meetings."""
    assert _generate(app, council, date(2026, 12, 28)) == 0

    def first(body_id):
        return [r for r in _rows(app, council, body_id) if r.date <= date(2027, 2, 28)]

    adoption, after = first("adoption-panel"), first("permanence-panel")
    assert [r.date for r in adoption] == [date(2027, 1, 7), date(2027, 1, 21), date(2027, 2, 4), date(2027, 2, 18)]
    assert [_local(r) for r in after] == [(r.date, time(12, 0)) for r in adoption]
    assert [r.ends_at.astimezone(LONDON).time() for r in after] == [time(13, 0)] * 4
    assert [r.date for r in first("matching-review")] == [date(2027, 2, 1)]  # the Monday after Friday 29 January
    assert [r.date for r in first("fostering-prep")] == [date(2027, 1, 4), date(2027, 2, 1)]
    review = [r for r in _rows(app, council, "matching-review") if date(2027, 5, 1) <= r.date <= date(2027, 6, 5)]
    assert [(r.date, r.moved_from) for r in review] == [(date(2027, 5, 4), date(2027, 5, 3)),
                                                        (date(2027, 6, 1), date(2027, 5, 31))]


def test_a_following_panel_moves_and_is_cancelled_with_the_meeting_it_follows(app, council):
    with app.app_context(), tenant_context(council.id):
        first, second = db.session.execute(select(Meeting).where(Meeting.body_id == "adoption-panel")
                                           .order_by(Meeting.date).limit(2)).scalars().all()
        panels.move_meeting(first, date(2027, 1, 8), "Room not available", today=TODAY)
        panels.cancel_meeting(second, "Not quorate")
        commit()
    after = _rows(app, council, "permanence-panel")
    assert [(r.date, r.status, r.moved_from) for r in after[:2]] == [
        (date(2027, 1, 8), MeetingStatus.SCHEDULED, date(2027, 1, 7)),
        (date(2027, 1, 21), MeetingStatus.CANCELLED, None)]
    assert _local(after[0]) == (date(2027, 1, 8), time(12, 0))
    assert after[0].note.startswith("The Adoption Panel has moved to Friday 8 January 2027")
    assert after[1].note == "The Adoption Panel on 21 January 2027 is cancelled: Not quorate"
    assert _generate(app, council, TODAY) == 0


def test_the_panel_follows_the_other_as_held_when_its_meetings_are_generated(app, council):
    """The other panel's meeting was moved before this panel's sittings were made: it follows the move."""
    with app.app_context(), tenant_context(council.id):
        for row in db.session.execute(select(Meeting).where(Meeting.body_id == "permanence-panel")).scalars():
            db.session.delete(row)
        first = db.session.execute(select(Meeting).where(Meeting.body_id == "adoption-panel",
                                                         Meeting.date == date(2027, 1, 7))).scalar_one()
        panels.move_meeting(first, date(2027, 1, 12), "Chair on leave", today=TODAY)
        commit()
    assert _generate(app, council, TODAY, weeks=3) == 2
    after = _rows(app, council, "permanence-panel")
    assert [_local(r) for r in after] == [(date(2027, 1, 12), time(12, 0)), (date(2027, 1, 21), time(12, 0))]
    assert after[0].sitting_date == date(2027, 1, 7)
    assert _generate(app, council, TODAY, weeks=3) == 0


def test_the_chair_adds_an_extra_sitting_with_its_deadlines_and_the_panel_after_it(app, client, login, make_user,
                                                                                    council, travel):
    travel(TODAY)
    login(make_user(council, ["chair"]))
    page = client.get("/east-vale/meetings/new")
    assert page.status_code == 200 and "Adoption Panel" in page.text
    response = client.post("/east-vale/meetings/new", data={"body_id": "adoption-panel", "date": "14/01/2027",
                                                            "reason": "Backlog of matches"}, follow_redirects=True)
    assert "The extra meeting on Thursday 14 January 2027 is added" in response.text
    extra = next(r for r in _rows(app, council, "adoption-panel") if r.added_by_hand)
    assert _local(extra) == (date(2027, 1, 14), time(10, 0))
    with app.app_context(), tenant_context(council.id):
        found = panels.meeting_deadlines(db.session.get(Meeting, extra.id))
    # Papers five working days before Thursday 14 January: Thursday 7 January; agenda three: Monday 11.
    assert [(d.kind, d.due) for d in found] == [("papers", date(2027, 1, 7)), ("agenda_circulation", date(2027, 1, 11))]
    page = client.get(f"/east-vale/meetings/{extra.id}")
    assert "Thursday 7 January 2027" in page.text and "Papers due" in page.text
    # The Permanence Panel sits straight after it, as after every Adoption Panel.
    in_step = [r for r in _rows(app, council, "permanence-panel") if r.added_by_hand]
    assert [_local(r) for r in in_step] == [(date(2027, 1, 14), time(12, 0))]


def test_only_the_roles_named_may_add_a_sitting_to_the_panel(app, client, login, make_user, council, travel):
    travel(TODAY)
    login(make_user(council, ["panel_administrator"]))
    page = client.get("/east-vale/meetings/new")
    assert page.status_code == 200
    assert 'value="adoption-panel"' not in page.text and 'value="resources-panel"' in page.text
    response = client.post("/east-vale/meetings/new", data={"body_id": "adoption-panel", "date": "14/01/2027",
                                                            "reason": "Backlog"})
    assert response.status_code == 400 and "Not a valid choice" in response.text
    assert not any(r.added_by_hand for r in _rows(app, council))
    login(make_user(council, ["panel_member"]))
    assert client.get("/east-vale/meetings/new").status_code == 403


def _words(response) -> str:
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", plain(response.get_data(as_text=True))).split())


def test_the_terms_of_reference_page_says_each_form_in_english(app, client, login, make_user, council):
    login(make_user(council, ["social_worker"]))
    response = client.get("/east-vale/terms-of-reference")
    assert response.status_code == 200
    page = _words(response)
    assert "At least every two weeks on Thursday, 10:00 to 12:00; the Chair may add sittings." in page
    assert "Straight after each sitting of the Adoption Panel ends, for one hour." in page
    assert "On the first Monday after each sitting of the Resources Panel, 10:00 to 11:00." in page
    assert "Two working days before each sitting of the Fostering Panel, 09:30 to 10:30." in page
    assert ("Membership: the core panel members, declared once and shared with the Permanence Panel; the same "
            "seats and quorum count for each.") in page
    assert ("Membership: as for the Adoption Panel's core panel members (the same seats and quorum). This panel "
            "also has: Virtual School Head.") in page
    assert page.count("Head of Children in Care") == 1


def test_an_assumption_on_a_shared_membership_shows_where_it_is_listed(app, client, login, make_user, make_tenant):
    text = EAST_VALE.replace("    label: core panel members\n",
                             "    label: core panel members\n    assumption: The ToR names no legal adviser.\n")
    tor = load_tor_from_text(text)
    assert [(a.anchor, a.where) for a in tor.assumptions] == [("membership-0", "Membership: core panel members")]
    tenant = make_tenant("east-vale", "East Vale Council")
    with app.app_context():
        result = tor_services.store_version(tenant.id, text, filename="tor.yaml", loaded_by="cli")
        tor_services.activate_version(result.version)
        commit()
    login(make_user(tenant, ["social_worker"]))
    page = _words(client.get("/east-vale/terms-of-reference"))
    assert page.count("To be confirmed by the council: The ToR names no legal adviser.") == 1
    assert page.index("declared once and shared") < page.index("The ToR names no legal adviser.") \
        < page.index("Permanence Panel Panel")


def test_the_shared_quorum_is_counted_the_same_at_both_panels(app, council):
    from permanence.meetings.services import quorum_of
    from permanence.panels.models import Attendance, AttendanceStatus

    def present(*seats):
        return [Attendance(role=role, title=title, status=AttendanceStatus.PRESENT) for role, title in seats]

    chair, iro = ("chair", "Head of Children in Care"), ("independent-reviewing-officer", "IRO Manager")
    solicitor = ("legal-adviser", "Solicitor")
    with app.app_context(), tenant_context(council.id):
        adoption, after = (db.session.execute(select(Meeting).where(Meeting.body_id == body_id,
                                                                    Meeting.date == date(2027, 1, 7))).scalar_one()
                           for body_id in ("adoption-panel", "permanence-panel"))
        for meeting in (adoption, after):
            assert quorum_of(meeting, present(chair, iro)).banner == "Not quorate: 2 of the 3 members needed are present or represented"
            assert quorum_of(meeting, present(iro, solicitor, ("panel-administrator", "Panel Administrator"))).banner \
                == "Not quorate: no chair is present"
            assert quorum_of(meeting, present(chair, iro, solicitor)).met
        db.session.rollback()
