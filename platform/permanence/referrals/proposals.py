"""Children put forward to a sitting without a referral: those an agenda part's cohort rule (or an
enabled plugin's ``cohort_candidates``) selects, and those the previous meeting agreed to see again.

A proposal is a PROPOSED agenda item; the panel administrator accepts it (booked) or dismisses it
with a reason. Proposing is idempotent: a child who already has an item on the meeting, in any
state (a dismissed proposal included), is not proposed again. Nothing here commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cases.facts import child_facts
from ..cases.models import Child
from ..core.context import current_tenant_id
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from ..tor.rules import evaluate, explain
from ..tor.services import plugin_cohort_candidates
from ..tracker.models import CohortMember
from ..tracker.services import HISTORIES
from . import services

COHORT_ROUTE = "cohort_rule"
PREVIOUS_MEETING_ROUTE = "agreed_at_previous_meeting"
HORIZON_WEEKS = 8


def _taken(meeting_id: int) -> tuple[set[int], set[int]]:
    """Children and sibling groups that already have an item on the meeting, whatever its state."""
    rows = db.session.execute(select(AgendaItem.child_id, AgendaItem.sibling_group_id)
                              .where(AgendaItem.meeting_id == meeting_id)).all()
    children = {c for c, _ in rows if c is not None}
    groups = {g for _, g in rows if g is not None}
    if groups:
        children |= set(db.session.execute(select(Child.id).where(Child.sibling_group_id.in_(groups))).scalars())
    return children, groups


def _candidates(meeting: Meeting, body, part, on: date) -> list[tuple[Child, str]]:
    """(child, reason) for the children the part's rule selects among the body's cohort (kept by
    the tracker), then those the council's plugins add."""
    found: dict[int, tuple[Child, str]] = {}
    if part.cohort is not None:
        members = select(CohortMember.child_id).where(CohortMember.body_id == body.id)
        children = db.session.execute(
            select(Child).where(Child.id.in_(members)).order_by(Child.id)
            .options(*(selectinload(getattr(Child, h)) for h in HISTORIES))).scalars().all()
        rule_text = f"{part.title}: {explain(part.cohort)}"
        for child in children:
            if evaluate(part.cohort, child_facts(child, on)):
                found[child.id] = (child, rule_text)
    tor = services.tor_for(meeting)
    extra = [i for i in plugin_cohort_candidates(current_tenant_id(), tor, body, part) if i not in found]
    if extra:
        for child in db.session.execute(select(Child).where(Child.id.in_(extra)).order_by(Child.id)).scalars():
            found[child.id] = (child, f"{part.title}: put forward by the council's {', '.join(tor.plugins.enabled)} "
                                      "plugin")
    return list(found.values())


def propose_for_meeting(meeting: Meeting, *, on: date | None = None) -> list[AgendaItem]:
    """Create the proposals of every cohort-rule part for a scheduled sitting; returns the new ones."""
    on = on or services.today()
    if meeting.cancelled or meeting.date < on:
        return []
    body = services.body_for(meeting)
    if body.kind != "panel":
        return []
    children, groups = _taken(meeting.id)
    created = []
    for part in body.agenda_parts:
        if COHORT_ROUTE not in part.entry_routes:
            continue
        for child, reason in _candidates(meeting, body, part, on):
            if child.id in children:
                continue
            group = child.sibling_group if body.referral.sibling_groups_as_one_item else None
            if group is not None and group.id in groups:
                continue
            item = AgendaItem(meeting_id=meeting.id, part_id=part.id, entry_route=COHORT_ROUTE,
                              status=ItemStatus.PROPOSED, reason=reason[:5000],
                              child_id=None if group else child.id, sibling_group_id=group.id if group else None)
            db.session.add(item)
            created.append(item)
            children |= {c.id for c in group.children} if group else {child.id}
            if group:
                groups.add(group.id)
    db.session.flush()
    for item in created:
        services._log(item, "proposed", f"proposed the child by the cohort rule of {item.reason}", None)
    return created


def propose_upcoming(*, on: date | None = None, weeks: int = HORIZON_WEEKS) -> int:
    """Proposals for every sitting of the current council in the next ``weeks`` (the daily job)."""
    on = on or services.today()
    until = on + timedelta(weeks=weeks)
    return sum(len(propose_for_meeting(m, on=on)) for m in services.open_meetings(on) if m.date <= until)


def proposals_job() -> int:
    return propose_upcoming()


def propose_at_next_sitting(item: AgendaItem, *, on_or_after: date, reason: str) -> AgendaItem | None:
    """The previous meeting agreed to see the child again (Knowsley's agenda): a PROPOSED item at the
    body's first scheduled sitting on or after ``on_or_after``, in the item's part if that part
    takes this route, else the body's first part that does. Idempotent: the child's existing item
    on that sitting is returned. None when the body has no such part or no sitting yet, or when the
    child's item there was dismissed or withdrawn (a later edit of the record does not bring it back)."""
    body = services.body_for(item)
    parts = [p for p in body.agenda_parts if PREVIOUS_MEETING_ROUTE in p.entry_routes]
    part = next((p for p in parts if p.id == item.part_id), parts[0] if parts else None)
    if part is None:
        return None
    meeting = next((m for m in services.open_meetings(on_or_after, [item.meeting.body_id]) if m.id != item.meeting_id),
                   None)
    if meeting is None:
        return None
    ids = [c.id for c in item.children]
    existing = services._already_on(meeting.id, ids, item.sibling_group_id)
    if existing is not None:
        return existing
    children, groups = _taken(meeting.id)
    if set(ids) & children or item.sibling_group_id in groups:
        return None  # dismissed or withdrawn there already: the administrator's decision stands
    new = AgendaItem(meeting_id=meeting.id, part_id=part.id, child_id=item.child_id,
                     sibling_group_id=item.sibling_group_id, entry_route=PREVIOUS_MEETING_ROUTE,
                     status=ItemStatus.PROPOSED, reason=(reason or "Agreed at the previous meeting")[:5000])
    db.session.add(new)
    db.session.flush()
    services._log(new, "proposed", f"the meeting on {item.meeting.date:%-d %B %Y} agreed to see the child again: "
                                   f"{new.reason}", None)
    return new


def proposals_of(meeting: Meeting) -> list[AgendaItem]:
    return list(db.session.execute(select(AgendaItem).where(
        AgendaItem.meeting_id == meeting.id, AgendaItem.status == ItemStatus.PROPOSED)
        .order_by(AgendaItem.part_id, AgendaItem.id)).scalars())


def propose_again(item: AgendaItem, meeting: Meeting, *, reason: str) -> AgendaItem:
    """A child the meeting did not hear is put forward to ``meeting`` (the body's next sitting) as a
    PROPOSED item carried from ``item``, in the same part, for the panel administrator to book or
    dismiss: whether the child should come back (and when) depends on why they were not heard.
    Idempotent: the child's item already on that sitting, in any state, is returned instead."""
    ids = [c.id for c in item.children]
    existing = db.session.execute(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.carried_from_id == item.id)
    ).scalar_one_or_none() or services._already_on(meeting.id, ids, item.sibling_group_id)
    if existing is not None:
        return existing
    parts = services.body_for(meeting).agenda_parts
    part = next((p for p in parts if p.id == item.part_id), None) or next(
        (p for p in parts if item.entry_route in p.entry_routes), parts[0])  # a later ToR may have renamed the part
    new = AgendaItem(meeting_id=meeting.id, part_id=part.id, child_id=item.child_id,
                     sibling_group_id=item.sibling_group_id, entry_route=item.entry_route, status=ItemStatus.PROPOSED,
                     answers=dict(item.answers or {}), carried_from_id=item.id, referred_by_id=item.referred_by_id,
                     referred_at=item.referred_at, reason=reason[:5000])
    db.session.add(new)
    db.session.flush()
    services._log(new, "proposed", f"proposed again for the sitting of {meeting.date:%-d %B %Y}: {reason}", None)
    return new
