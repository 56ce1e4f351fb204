"""The agenda agreed at the previous meeting (Knowsley: "Team Managers and Social workers will be
aware of the agenda as it is agreed at the previous meeting"; the ToR entry route
``agreed_at_previous_meeting``).

At the end of a sitting, the chair or the panel administrator agrees which children come to the
body's next sitting, and in which part: the children of this meeting's agenda, and the children
proposed for the next sitting (by a cohort rule, a review date or an item not heard). Each one
agreed arrives BOOKED on the next sitting's agenda, in a part that takes this route; a proposal
already there is booked, a child already booked is left as is (or moved to the part chosen). It
is general: any panel whose terms of reference give a part this route. A tracking meeting has
no "next sitting" (its next meeting per child is booked by the outcome), so it is not offered.

Idempotent (agreeing the same children again changes nothing) and audited: each booking is a
``referral.agreed`` step in the item's history, as well as the ORM's change record. Nothing
here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from ..accounts.models import User
from ..accounts.permissions import visible
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from ..panels.services import body_of
from ..referrals.services import item_holding_a_place, record_step
from .record import REVIEW_ROUTE, next_sitting
from .services import ON_THE_AGENDA, MeetingError, MeetingStateError


@dataclass
class Candidate:
    """A child who may come to the next sitting: ``item`` is their item on this meeting's agenda or
    their proposal for the next sitting; ``there`` is their item already on the next sitting."""

    item: AgendaItem
    there: AgendaItem | None
    part_id: str

    @property
    def agreed(self) -> bool:
        return self.there is not None and self.there.status == ItemStatus.BOOKED


@dataclass
class NextAgenda:
    meeting: Meeting
    target: Meeting | None
    parts: list          # the next sitting's agenda parts taking the route
    candidates: list[Candidate]

    @property
    def offered(self) -> bool:
        """Whether the body agrees its agenda at the previous meeting (a panel with a part taking the route)."""
        return bool(route_parts(body_of(self.meeting)))


def route_parts(body) -> list:
    """The body's agenda parts that take children agreed at the previous meeting (none at a tracking meeting)."""
    if body.kind != "panel":
        return []
    return [p for p in body.agenda_parts if REVIEW_ROUTE in p.entry_routes]


def _children_of(item: AgendaItem) -> list[int]:
    return [c.id for c in item.children]


def next_agenda(meeting: Meeting) -> NextAgenda:
    """The body's next sitting, its parts taking the route, and who may be agreed for it."""
    target = next_sitting(meeting) if route_parts(body_of(meeting)) else None
    if target is None:
        return NextAgenda(meeting, None, [], [])
    parts = route_parts(body_of(target))
    part_ids = {p.id for p in parts}
    items = [i for i in meeting.items if i.status in ON_THE_AGENDA]
    proposals = db.session.execute(select(AgendaItem).where(
        AgendaItem.meeting_id == target.id, AgendaItem.status == ItemStatus.PROPOSED)
        .order_by(AgendaItem.part_id, AgendaItem.id)).scalars().all()
    candidates, seen = [], set()
    for item in [*items, *proposals]:
        children = frozenset(_children_of(item))
        if not children or children & seen:
            continue
        seen |= children
        there = item if item.meeting_id == target.id else item_holding_a_place(
            target.id, list(children), item.sibling_group_id)
        suggested = next((p for p in (there.part_id if there else None, item.part_id) if p in part_ids),
                         parts[0].id if parts else "")
        candidates.append(Candidate(item, there, suggested))
    return NextAgenda(meeting, target, parts, candidates)


def for_member(plan: NextAgenda) -> NextAgenda:
    """The plan with only the candidates the current member may see (those who record meetings
    see every child; the object rules still decide)."""
    ids = [c.item.id for c in plan.candidates]
    seen = set(db.session.execute(visible(select(AgendaItem.id).where(AgendaItem.id.in_(ids)), AgendaItem)).scalars())
    plan.candidates = [c for c in plan.candidates if c.item.id in seen]
    return plan


def _position(target: Meeting, part_id: str) -> int:
    last = db.session.execute(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == target.id, AgendaItem.part_id == part_id,
        AgendaItem.status == ItemStatus.BOOKED)).scalar()
    return (last or 0) + 1


def agree_next_agenda(meeting: Meeting, entries, *, by: User, today: date) -> list[AgendaItem]:
    """Book each of ``entries`` (``agenda_item_id``: a candidate's item; ``part_id``: a part of the
    next sitting taking the route) on the next sitting's agenda. Everything is checked before
    anything changes. Returns the items booked or moved (an empty list when nothing changed)."""
    if meeting.cancelled:
        raise MeetingStateError("The meeting was cancelled; it agrees no agenda")
    if meeting.date > today:
        raise MeetingStateError(f"The meeting is on {meeting.date:%-d %B %Y}; it agrees the next agenda from "
                                "that day")
    plan = next_agenda(meeting)
    if not route_parts(body_of(meeting)):
        raise MeetingStateError("The terms of reference do not have this panel agree its next agenda at the meeting")
    if plan.target is None:
        raise MeetingStateError(f"There is no later sitting of the {body_of(meeting).name}; add one first")
    if plan.target.date < today:
        raise MeetingStateError(f"The next sitting, on {plan.target.date:%-d %B %Y}, has already taken place")
    if not isinstance(entries, list):
        raise MeetingError("items", "List the children who come to the next sitting")
    by_id = {c.item.id: c for c in plan.candidates}
    parts = {p.id: p for p in plan.parts}
    chosen: list[tuple[Candidate, object]] = []
    for i, entry in enumerate(entries):
        entry = entry if isinstance(entry, dict) else {}
        candidate = by_id.get(entry.get("agenda_item_id"))
        if candidate is None:
            raise MeetingError(f"items.{i}.agenda_item_id",
                               "Select a child on this meeting's agenda or proposed for the next sitting")
        part = parts.get(entry.get("part_id") or candidate.part_id)
        if part is None:
            raise MeetingError(f"items.{i}.part_id",
                               "Select a part of the agenda that takes children agreed at the previous meeting")
        there = candidate.there
        if there is not None and there.status not in (ItemStatus.PROPOSED, ItemStatus.BOOKED):
            raise MeetingError(f"items.{i}.agenda_item_id",
                               f"{there.subject_name} is already referred to that sitting "
                               f"({there.status.label.lower()}): book the referral from the referrals page")
        chosen.append((candidate, part))
    changed = []
    for candidate, part in chosen:
        item = _agree(candidate, part, plan.target, meeting, by)
        if item is not None:
            changed.append(item)
    db.session.flush()
    return changed


def _agree(candidate: Candidate, part, target: Meeting, meeting: Meeting, by: User) -> AgendaItem | None:
    held = f"{meeting.date:%-d %B %Y}"
    there = candidate.there
    if there is not None and there.status == ItemStatus.BOOKED:
        if there.part_id == part.id:
            return None
        there.part_id, there.position = part.id, _position(target, part.id)
        db.session.flush()
        record_step(there, "agreed", f"moved to {part.title} by the meeting of {held}", by)
        return there
    if there is not None:  # a proposal for the next sitting: the meeting agrees it
        there.part_id, there.position = part.id, _position(target, part.id)
        there.entry_route, there.status = REVIEW_ROUTE, ItemStatus.BOOKED
        there.minutes_allowed = there.minutes_allowed or part.minutes_per_item
        db.session.flush()
        record_step(there, "agreed", f"booked in {part.title}: agreed at the meeting of {held}", by)
        return there
    source = candidate.item
    new = AgendaItem(meeting_id=target.id, part_id=part.id, child_id=source.child_id,
                     sibling_group_id=source.sibling_group_id, entry_route=REVIEW_ROUTE, status=ItemStatus.BOOKED,
                     answers={}, position=_position(target, part.id), minutes_allowed=part.minutes_per_item,
                     presenter_id=source.presenter_id, second_presenter_id=source.second_presenter_id,
                     proposal_source=f"The meeting on {held} (agreed the next sitting's agenda)",
                     reason=(f"Agreed at the meeting of {held}: {source.decision}" if source.decision
                             else f"Agreed at the meeting of {held}")[:4000])
    db.session.add(new)
    db.session.flush()
    record_step(new, "agreed", f"booked in {part.title}: agreed at the meeting of {held}", by)
    return new
