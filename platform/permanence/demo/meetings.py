"""Demo panel business, so a first visit shows a cycle in motion: every body's seats filled by
the demo users, a meeting held a few weeks ago with its record, actions (one overdue) and
draft minutes, and the next sitting with booked items, a referral awaiting booking and one
still in draft; where the terms of reference have teams agree the days of their tracking meetings
(``meeting_days``), each demo team's agreed days and times. All of it is fictional, like the demo
children; created once per council."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..accounts.models import Membership, Team
from ..cases.models import Child
from ..core.clock import utcnow
from ..core.signals import outcome_stands
from ..extensions import db
from ..meetings.models import AgreedDate
from ..panels.models import (Action, AgendaItem, Attendance, AttendanceStatus, Declaration, ItemStatus, Meeting,
                             MeetingStatus,
                             Minutes, PanelMember, TrackingSlot)
from ..panels.services import _from_sitting, panel_bodies
from ..referrals.rules import needs_quality_assurance
from ..tor import sittings
from ..tor.services import active_version, tor_of


def load_meeting_demo(tenant_id: int, users: dict, today: date) -> None:
    """``users``: the demo user of each access role. Does nothing if the council has seats already."""
    if db.session.execute(select(func.count(PanelMember.id))).scalar_one():
        return
    version = active_version(tenant_id)
    tor = tor_of(version)
    for body in tor.bodies:
        _seat(body, tor, users)
    children = list(db.session.execute(select(Child).order_by(Child.id)).scalars())
    referable = [c for c in children if c.social_worker_id == users["social_worker"].id]
    for index, body in enumerate(panel_bodies(tor)):
        picked = children[index * 6:(index + 1) * 6]
        _held_meeting(body, version, users, picked[:2], today)
        _next_meeting(body, users, picked[2:4], referable[index * 3:(index + 1) * 3], today, first=index == 0)
    db.session.flush()


# Each demo team's agreed day and times, in turn: (weekday, from, to).
DEMO_DAYS = ((1, time(9, 30), time(12, 30)), (3, time(13, 30), time(16, 30)), (2, time(10), time(13)))


def agree_demo_tracking_days(tenant_id: int, users: dict) -> None:
    """Each team's days and times for the tracking bodies whose ToR has teams agree them, so the
    booking that follows spreads the children over them; the demo team manager agreed their own
    team's, the panel administrator the others'. Does nothing if any are agreed already."""
    if db.session.execute(select(func.count(TrackingSlot.id))).scalar_one():
        return
    tor = tor_of(active_version(tenant_id))
    teams = list(db.session.execute(select(Team).order_by(Team.name)).scalars())
    manager_team = db.session.execute(select(Membership.team_id).where(
        Membership.user_id == users["team_manager"].id)).scalar_one_or_none()
    for body in tor.bodies:
        if body.kind != "tracking_meeting" or body.meeting_days is None:
            continue
        minutes = body.agenda_parts[0].minutes_per_item if body.agenda_parts else 60
        for n, team in enumerate(teams):
            weekday, starts, ends = DEMO_DAYS[n % len(DEMO_DAYS)]
            by = users["team_manager"] if team.id == manager_team else users["panel_administrator"]
            db.session.add(TrackingSlot(team_id=team.id, body_id=body.id, weekday=weekday, starts=starts, ends=ends,
                                        minutes_each=minutes, agreed_by_id=by.id))
    db.session.flush()


def _seat(body, tor, users) -> None:
    if body.membership is None:
        return
    seated = set()
    chairs, vice_chairs = set(body.membership.chairs), set(body.membership.vice_chairs)
    for seat in body.membership.seats:
        role = tor.roles.get(seat.role)
        access = "chair" if seat in chairs else "vice_chair" if seat in vice_chairs else (
            role.access_role if role is not None else None)
        user = users.get(access)
        if user is None or user.id in seated:
            continue
        seated.add(user.id)
        db.session.add(PanelMember(body_id=body.id, user_id=user.id, role=seat.role,
                                   title=seat.title or (role.label if role else seat.role)))


def _part(body, route: str):
    return next((p for p in body.agenda_parts if route in p.entry_routes), body.agenda_parts[0])


def _at(meeting: Meeting, minutes: int) -> datetime | None:
    return meeting.starts_at + timedelta(minutes=minutes) if meeting.starts_at else None


def _held_meeting(body, version, users, children, today: date) -> None:
    past = [s for s in sittings(body, today - timedelta(weeks=8), until=today - timedelta(days=7))]
    if not past or not body.outcomes:
        return
    meeting = _from_sitting(past[-1], version.id, by_hand=False)
    meeting.status = MeetingStatus.SCHEDULED
    meeting.quorate = True
    db.session.add(meeting)
    for seat in db.session.execute(select(PanelMember).where(PanelMember.body_id == body.id)).scalars():
        status = AttendanceStatus.APOLOGIES if seat.role == "panel-member" else AttendanceStatus.PRESENT
        db.session.add(Attendance(meeting=meeting, user_id=seat.user_id, role=seat.role, title=seat.title,
                                  status=status))
    part = body.agenda_parts[0]
    held_at = _at(meeting, 120) or datetime.combine(meeting.date, datetime.min.time(), tzinfo=timezone.utc)
    # An outcome offered only when a condition holds (a legal adviser present, a care order) is left
    # to real meetings: the demo does not invent the attendance or record that would allow it.
    outcomes = [o for o in body.outcomes if o.only_when is None] or list(body.outcomes)
    themes = [t.id for t in tor_of(version).practice_themes]  # each item tagged with one, in turn
    for n, child in enumerate(children):
        outcome = outcomes[n % len(outcomes)]
        item = AgendaItem(
            meeting=meeting, part_id=part.id, child=child, entry_route=part.entry_routes[0],
            status=ItemStatus.HEARD, position=n, starts_at=_at(meeting, n * part.minutes_per_item),
            minutes_allowed=part.minutes_per_item, presenter_id=users["social_worker"].id,
            second_presenter_id=users["team_manager"].id,
            discussion=f"The panel heard the update on {child.first_name}'s plan (demo record).",
            care_plan_confirmed=True, legal_status_confirmed=True, outcome_id=outcome.id,
            decision=f"{outcome.label}. Progress to be reported at the next meeting.",
            next_review_on=meeting.date + timedelta(weeks=6), recorded_by_id=users["panel_administrator"].id,
            recorded_at=held_at, sign_off_role=outcome.requires_sign_off_by,
            practice_themes=[themes[n % len(themes)]] if themes else [])
        db.session.add(item)
        db.session.add_all([AgreedDate(agenda_item=item, child_id=child.id, body_id=body.id, date_id=agreed.id,
                                       label=agreed.label, met_by=agreed.met_by, due=today + timedelta(weeks=4 + i),
                                       agreed_on=meeting.date, set_by_id=users["panel_administrator"].id)
                            for i, agreed in enumerate(outcome.sets_dates)])
        db.session.add_all([
            Action(agenda_item=item, child=child, description="Send the updated care plan to the IRO",
                   owner_id=users["social_worker"].id, due_on=today - timedelta(days=3)),
            Action(agenda_item=item, child=child, description="Book the family-finding meeting with the adoption team",
                   owner_id=users["team_manager"].id, due_on=today + timedelta(days=10)),
        ])
    db.session.add(Minutes(meeting=meeting, text="Draft minutes of the demo meeting: assemble them from the record."))
    db.session.flush()
    # As recording them would: an outcome that needs nobody's sign-off stands now, and where the ToR
    # sends decision records when the outcome is recorded (not when the minutes are approved) they go.
    for item in meeting.items:
        if item.sign_off_role is None:
            outcome_stands.send(item)


def _next_meeting(body, users, booked, referred, today: date, *, first: bool = False) -> None:
    """The next sitting a week or more away: two children booked, a referral submitted, one in draft
    and, where the ToR asks for it, one waiting for the team manager's quality assurance. The first
    panel's agenda is published, so its members have papers to read, and its panel member has
    declared an interest for the chair to rule on."""
    meeting = db.session.execute(
        select(Meeting).where(Meeting.body_id == body.id, Meeting.date >= today + timedelta(days=7),
                              Meeting.status == MeetingStatus.SCHEDULED).order_by(Meeting.date)).scalars().first()
    if meeting is None:
        return
    part = body.agenda_parts[0]
    route = "agreed_at_previous_meeting" if "agreed_at_previous_meeting" in part.entry_routes else part.entry_routes[0]
    for n, child in enumerate(booked):
        db.session.add(AgendaItem(
            meeting=meeting, part_id=part.id, child=child, entry_route=route,
            status=ItemStatus.BOOKED, position=n, starts_at=_at(meeting, n * part.minutes_per_item),
            minutes_allowed=part.minutes_per_item, presenter_id=users["social_worker"].id,
            second_presenter_id=users["team_manager"].id,
            reason=f"{part.title}: on the agenda for a progress update (demo)"))
    referral_part = _part(body, "referral")
    if "referral" not in referral_part.entry_routes:
        return
    now = utcnow()
    statuses = (ItemStatus.SUBMITTED, ItemStatus.DRAFT) + (
        (ItemStatus.AWAITING_QA,) if needs_quality_assurance(body) else ())
    for child, status in zip(referred, statuses):
        db.session.add(AgendaItem(
            meeting=meeting, part_id=referral_part.id, child=child, entry_route="referral", status=status,
            reason=f"{child.first_name} needs the panel to agree the permanence plan (demo referral).",
            referred_by_id=users["social_worker"].id, referred_at=now,
            qa_assignee_id=users["team_manager"].id if status == ItemStatus.AWAITING_QA else None,
            quality_assured_by_id=users["team_manager"].id if status == ItemStatus.SUBMITTED else None,
            quality_assured_at=now if status == ItemStatus.SUBMITTED else None,
            submitted_at=now if status == ItemStatus.SUBMITTED else None))
    if first:
        meeting.agenda_published_at, meeting.agenda_published_by_id = now, users["panel_administrator"].id
        db.session.add(Declaration(meeting=meeting, user_id=users["panel_member"].id,
                                   interest="I supervised the foster carers' assessment some years ago (demo)."))
