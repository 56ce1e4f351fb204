"""Per-child tracking meetings (seed 001's PPTM): booked from the child's legal status and the
tracking body's cadence, and what a recorded outcome does next.

A tracking meeting is a ``Meeting`` of a tracking body (kind ``tracking_meeting``) holding one
BOOKED ``AgendaItem`` for the child, in the body's agenda part. It is placed from the due date of
the child's "next tracking meeting" milestone, which the tracker already keeps (cadence rules
``<body>-<cadence>``): nothing here recomputes a cadence. ``tracking_days`` decides where: in the
team's agreed days and times (the latest free place on or before the due date), else on the due
date, and never so soon that the paperwork deadline has passed. A child has at most one booked
tracking meeting per body at a time, so booking again books nothing twice.

``after_outcome`` follows the ToR's OutcomeOption: book the next tracking meeting, propose the
child at the next sitting of the body it refers to, or close tracking (a recorded circumstance,
``tracking_closed``, which the cadence rules exclude). Nothing here commits: the caller commits
through ``core.jobs.commit`` so the invitations go after the commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from ..cases.facts import child_facts
from ..cases.models import Child, ChildFlag
from ..core.context import current_tenant_id
from ..extensions import db
from ..tor.rules import evaluate
from ..tor.services import active_version, current_tor
from ..tracker.models import Milestone
from ..tracker.services import recompute_children
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from .services import body_of, venue_text
from .tracking_days import Diary
from .tracking_invites import send_invitations

TRACKING = "tracking_meeting"
TRACKING_CLOSED = "tracking_closed"  # the circumstance recorded when an outcome closes tracking
OPEN = (ItemStatus.PROPOSED, ItemStatus.DRAFT, ItemStatus.AWAITING_QA, ItemStatus.RETURNED, ItemStatus.SUBMITTED,
        ItemStatus.LATE_PENDING, ItemStatus.BOOKED)


@dataclass
class NextStep:
    """What an outcome led to: ``booked`` / ``referred`` items, ``closed`` children, or nothing."""

    booked: list[AgendaItem] = field(default_factory=list)
    referred: list[AgendaItem] = field(default_factory=list)
    closed: list[int] = field(default_factory=list)

    @property
    def nothing(self) -> bool:
        return not (self.booked or self.referred or self.closed)


def holds_tracking_meetings(tenant_id: int) -> bool:
    """Whether the council's terms of reference hold meetings per child (for its navigation)."""
    tor = current_tor(tenant_id)
    return bool(tor and tracking_bodies(tor))


def tracking_bodies(tor) -> list:
    return [b for b in tor.bodies if b.kind == TRACKING]


def cadence_rule_ids(body) -> list[str]:
    """The tracker's milestone rule ids for the body's per-child cadences (see ``tor.loader``)."""
    return [f"{body.id}-{c.id}" for c in body.per_child_cadence]


def next_due(child_id: int, body) -> Milestone | None:
    """The child's stored "next tracking meeting" milestone for ``body``: the soonest due cadence."""
    return db.session.execute(
        select(Milestone).where(Milestone.child_id == child_id, Milestone.rule_id.in_(cadence_rule_ids(body)),
                                Milestone.achieved.is_(None))
        .order_by(Milestone.due, Milestone.id).limit(1)
    ).scalar_one_or_none()


def booked_item(child_id: int, body_id: str) -> AgendaItem | None:
    """The child's booked (not yet heard) tracking meeting of the body, if there is one."""
    return db.session.execute(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(AgendaItem.child_id == child_id, AgendaItem.status == ItemStatus.BOOKED, Meeting.body_id == body_id,
               Meeting.status == MeetingStatus.SCHEDULED)
        .order_by(Meeting.date).limit(1)
    ).scalar_one_or_none()


def tracking_closed(child: Child, today: date) -> bool:
    return any(f.flag == TRACKING_CLOSED and f.current_on(today) for f in child.flags)


def book_tracking_meeting(child: Child, body, *, today: date, entry_route: str = "cohort_rule",
                          reason: str = "", diary: Diary | None = None) -> AgendaItem | None:
    """Book the child's next tracking meeting of ``body`` where ``diary`` (the body's agreed days,
    read once per run) places it from the tracker's due date, and invite the child's social
    worker, team manager and IRO and the body's seated members.

    Idempotent: returns the already booked item if there is one; None when no cadence applies
    (no due milestone) or tracking was closed for the child."""
    existing = booked_item(child.id, body.id)
    if existing is not None:
        return existing
    if tracking_closed(child, today):
        return None
    milestone = next_due(child.id, body)
    if milestone is None:
        return None
    version = active_version(current_tenant_id())
    if version is None:
        return None
    place = (diary or Diary(body, today)).place(child.team_id, milestone.due)
    meeting = Meeting(body_id=body.id, tor_version_id=version.id, sitting_date=None, date=place.day,
                      starts_at=place.starts_at, ends_at=place.ends_at, venue=venue_text(body.venue),
                      status=MeetingStatus.SCHEDULED, added_by_hand=False,
                      note=f"Booked from the cadence: {milestone.label}"[:1000])
    db.session.add(meeting)
    part = body.agenda_parts[0]
    item = AgendaItem(meeting=meeting, part_id=part.id, child_id=child.id, entry_route=entry_route,
                      status=ItemStatus.BOOKED, reason=reason or milestone.label, answers={},
                      minutes_allowed=place.slot.minutes_each if place.slot else part.minutes_per_item)
    db.session.add(item)
    db.session.flush()
    send_invitations(item, body, milestone)
    return item


def book_due_tracking_meetings(today: date) -> list[AgendaItem]:
    """Book every child of the current council whose next tracking meeting is not booked yet
    (the daily job), the soonest due first, so they have the first pick of the team's agreed
    days and times. Returns the newly booked items."""
    tor = current_tor(current_tenant_id())
    if tor is None:
        return []
    booked = []
    for body in tracking_bodies(tor):
        due = db.session.execute(
            select(Milestone.child_id, func.min(Milestone.due)).where(
                Milestone.rule_id.in_(cadence_rule_ids(body)), Milestone.achieved.is_(None))
            .group_by(Milestone.child_id)
        ).all()
        diary = Diary(body, today)
        for child_id, _ in sorted(due, key=lambda row: (row[1], row[0])):
            if booked_item(child_id, body.id) is not None:
                continue
            item = book_tracking_meeting(db.session.get(Child, child_id), body, today=today, diary=diary)
            if item is not None:
                booked.append(item)
    return booked


def _body_or_none(tor, body_id: str):
    """The body in ``tor``, or None when a later version of the terms of reference dropped it."""
    try:
        return tor.body(body_id)
    except KeyError:
        return None


def after_outcome(item: AgendaItem, outcome, *, today: date) -> NextStep:
    """Do what the recorded ``outcome`` (a ToR OutcomeOption) says happens next for the item's
    child or children. Called by the meetings feature once the item is HEARD; idempotent."""
    body = body_of(item.meeting)  # the meeting's own terms of reference; what follows is booked under today's
    return outcome_follows(item, body, outcome, held_on=item.meeting.date,
                           held=f"{body.short_name or body.name} on {item.meeting.date:%-d %B %Y}", today=today)


def outcome_follows(subject, body, outcome, *, held_on: date, held: str, today: date) -> NextStep:
    """What ``outcome`` of ``body`` does next for ``subject`` (an agenda item, or a decision made between
    sittings: anything with ``children``, ``child_id`` and ``sibling_group_id``), decided on ``held_on``;
    ``held`` names the decision in the reasons given ("PPTM on 2 March 2027"). Idempotent."""
    tor = current_tor(current_tenant_id())
    step = NextStep()
    if tor is None or outcome is None:
        return step
    children = subject.children
    db.session.flush()
    if outcome.books_next_tracking_meeting:
        same = _body_or_none(tor, body.id)
        targets = [same] if same is not None and same.kind == TRACKING else tracking_bodies(tor)
        step.booked += _book_next(children, targets, tor, today, route="agreed_at_previous_meeting",
                                  reason=f"Agreed at the {held}: {outcome.label}")
    target = _body_or_none(tor, outcome.refers_to_body) if outcome.refers_to_body else None
    if target is not None:
        if target.kind == TRACKING:
            step.booked += _book_next(children, [target], tor, today, route=f"referred_by_{body.id}",
                                      reason=f"Referred by the {held}: {outcome.label}")
        else:
            referred = refer_to_next_sitting(subject, target, from_body=body, today=today, reason=outcome.label,
                                             held_on=held_on)
            if referred is not None:
                step.referred.append(referred)
    if outcome.closes_tracking:
        for child in children:
            close_tracking(child, today=today, reason=f"{held}: {outcome.label}")
            step.closed.append(child.id)
        recompute_children([c.id for c in children], today, tor=tor)
    return step


def _book_next(children, targets, tor, today: date, *, route: str, reason: str) -> list[AgendaItem]:
    """Book each child's next meeting of each tracking body, counted from the meeting just held
    (recomputed first, so its date is the child's last tracking meeting)."""
    recompute_children([c.id for c in children], today, tor=tor)
    booked = [book_tracking_meeting(child, target, today=today, entry_route=route, reason=reason)
              for target in targets for child in children]
    return [b for b in booked if b is not None]


def _part_for(target, item: AgendaItem, route: str, today: date):
    """The target body's part for a referred child: one taking this route, else the first whose
    cohort the child is in, else the first taking referrals of any child, else of its cohort."""
    for part in target.agenda_parts:
        if route in part.entry_routes:
            return part
    child = item.children[0] if item.children else None
    if child is not None:
        facts = child_facts(child, today)
        for part in target.agenda_parts:
            if part.cohort is not None and evaluate(part.cohort, facts):
                return part
    referable = [p for p in target.agenda_parts if "referral" in p.entry_routes]
    return next((p for p in referable if p.cohort is None), referable[0] if referable else target.agenda_parts[0])


def refer_to_next_sitting(item, target, *, from_body, today: date, reason: str,
                          held_on: date | None = None) -> AgendaItem | None:
    """A PROPOSED item for the child (or sibling group) of ``item`` (an agenda item, or a decision made
    between sittings, decided on ``held_on``) at the first scheduled sitting of ``target`` after today
    (entry route ``referred_by_<body>``). Idempotent: an open item of the same child at an upcoming
    sitting of that body is returned instead. None with no sitting."""
    held_on = held_on or item.meeting.date
    route = f"referred_by_{from_body.id}"
    subject = (AgendaItem.sibling_group_id == item.sibling_group_id if item.sibling_group_id is not None
               else AgendaItem.child_id == item.child_id)
    existing = db.session.execute(
        select(AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(subject, AgendaItem.status.in_(OPEN), Meeting.body_id == target.id, Meeting.date > today,
               Meeting.status == MeetingStatus.SCHEDULED).limit(1)
    ).scalar_one_or_none()
    if existing is not None:
        return existing
    meeting = db.session.execute(
        select(Meeting).where(Meeting.body_id == target.id, Meeting.date > today,
                              Meeting.status == MeetingStatus.SCHEDULED)
        .order_by(Meeting.date, Meeting.id).limit(1)
    ).scalar_one_or_none()
    if meeting is None:
        return None
    part = _part_for(target, item, route, today)
    proposed = AgendaItem(meeting=meeting, part_id=part.id, child_id=item.child_id,
                          sibling_group_id=item.sibling_group_id, entry_route=route[:40],
                          status=ItemStatus.PROPOSED, answers={},
                          reason=f"Referred by the {from_body.short_name or from_body.name} on "
                                 f"{held_on:%-d %B %Y}: {reason}",
                          proposal_source=f"Outcome of the {from_body.short_name or from_body.name} on "
                                          f"{held_on:%-d %B %Y}")
    db.session.add(proposed)
    db.session.flush()
    return proposed


def close_tracking(child: Child, *, today: date, reason: str) -> None:
    """Record the ``tracking_closed`` circumstance from today (the tracking cadences stop applying
    to the child) and withdraw the child's booked tracking meetings still to come."""
    if not tracking_closed(child, today):
        db.session.add(ChildFlag(child_id=child.id, flag=TRACKING_CLOSED, start=today, note=reason[:500]))
    tor = current_tor(current_tenant_id())
    for body in tracking_bodies(tor):
        item = booked_item(child.id, body.id)
        if item is not None and item.meeting.date > today:
            item.status = ItemStatus.WITHDRAWN
            if len(item.meeting.items) == 1:
                item.meeting.status = MeetingStatus.CANCELLED
                item.meeting.note = f"Tracking closed: {reason}"[:1000]
    db.session.flush()
    db.session.expire(child, ["flags"])

