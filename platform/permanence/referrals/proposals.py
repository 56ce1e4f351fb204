"""Children put forward to a sitting without a referral: those an agenda part's cohort rule (or an
enabled plugin's ``cohort_candidates``) selects, and those the previous meeting agreed to see again.

A proposal is a PROPOSED agenda item that says which rule or extract proposed it
(``proposal_source``); the panel administrator accepts it (booked, or handed to the social worker
as a referral where the ToR says so: ``decisions.accept_proposal``) or dismisses it with a reason.
A child a plugin's extract names for a part is proposed in that part, even when an earlier part's
rule also selects them. Proposing is idempotent: a child who already has an item on the meeting,
in any state (a dismissed proposal included), is not proposed again. Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
import logging

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..cases.facts import child_facts
from ..cases.models import Child
from ..cases.records import HISTORIES
from ..core.clock import london_today
from ..core.context import current_tenant_id
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting
from ..plugins import PluginDataError
from ..tor.rules import evaluate, explain
from ..tor.services import plugin_cohort_candidates
from ..tracker.models import CohortMember
from . import services

log = logging.getLogger(__name__)
COHORT_ROUTE = "cohort_rule"
PREVIOUS_MEETING_ROUTE = "agreed_at_previous_meeting"
HORIZON_WEEKS = 8
MAX_TEXT = 5000


@dataclass
class Found:
    """Why a child is put forward for a part: the sources (rule, extract row) and the reason."""

    part: object
    sources: list[str]
    reason: str


def _taken(meeting_id: int) -> tuple[set[int], set[int]]:
    """Children and sibling groups that already have an item on the meeting, whatever its state."""
    rows = db.session.execute(select(AgendaItem.child_id, AgendaItem.sibling_group_id)
                              .where(AgendaItem.meeting_id == meeting_id)).all()
    children = {c for c, _ in rows if c is not None}
    groups = {g for _, g in rows if g is not None}
    if groups:
        children |= set(db.session.execute(select(Child.id).where(Child.sibling_group_id.in_(groups))).scalars())
    return children, groups


def rule_source(part) -> str:
    """How a proposal names the cohort rule that selected the child: the part's id and the rule."""
    return f"Cohort rule of part '{part.id}': {explain(part.cohort)}"


def _by_rules(body, part, on: date) -> list[int]:
    """Ids of the body's cohort (kept by the tracker) whom the part's rule selects on ``on``."""
    if part.cohort is None:
        return []
    members = select(CohortMember.child_id).where(CohortMember.body_id == body.id)
    children = db.session.execute(
        select(Child).where(Child.id.in_(members)).order_by(Child.id)
        .options(*(selectinload(getattr(Child, h)) for h in HISTORIES))).scalars().all()
    return [child.id for child in children if evaluate(part.cohort, child_facts(child, on))]


def _candidates(meeting: Meeting, body, parts, on: date, problems: list[str]) -> dict[int, Found]:
    """Each child to propose and why, in the order to place them: the children the council's
    plugins name (in the part their extract names), then those only a part's rule selects (in
    the first such part). A plugin's unusable data is a problem for that part; the rest go on."""
    tor = services.tor_for(meeting)
    named: dict[int, Found] = {}
    selected: dict[int, Found] = {}
    for part in parts:
        for child_id in _by_rules(body, part, on):
            selected.setdefault(child_id, Found(part, [rule_source(part)], f"{part.title}: {explain(part.cohort)}"))
        try:
            extra = plugin_cohort_candidates(current_tenant_id(), tor, body, part,
                                             safe_mode=current_app.config.get("SAFE_MODE", False))
        except PluginDataError as exc:  # one extract serves several parts: say it once
            if str(exc) not in problems:
                problems.append(str(exc))
                log.warning("meeting %s: %s", meeting.id, exc)
            continue
        for child_id, candidate in extra.items():
            named.setdefault(child_id, Found(part, [candidate.source],
                                             f"{part.title}: {candidate.reason or 'listed in ' + candidate.source}"))
    for child_id, found in named.items():
        rule = selected.get(child_id)
        if rule is not None and rule.part.id == found.part.id:
            found.sources.extend(rule.sources)
    return {**named, **{k: v for k, v in selected.items() if k not in named}}


def propose_for_meeting(meeting: Meeting, *, on: date | None = None,
                        problems: list[str] | None = None) -> list[AgendaItem]:
    """Create the proposals of every cohort-rule part for a scheduled sitting; returns the new ones.
    A plugin's data that cannot be used is added to ``problems`` (file, row and value). The rules
    look at every child; the page that opened the sitting shows only its items, and says so itself."""
    with audit.not_shown():
        return _propose_for_meeting(meeting, on=on, problems=problems)


def _propose_for_meeting(meeting: Meeting, *, on: date | None, problems: list[str] | None) -> list[AgendaItem]:
    problems = [] if problems is None else problems
    on = on or london_today()
    if meeting.cancelled or meeting.date < on:
        return []
    body = services.body_for(meeting)
    if body.kind != "panel":
        return []
    parts = [p for p in body.agenda_parts if COHORT_ROUTE in p.entry_routes]
    if not parts:
        return []
    found = _candidates(meeting, body, parts, on, problems)
    if not found:
        return []
    loaded = {c.id: c for c in db.session.execute(select(Child).where(Child.id.in_(list(found)))).scalars()}
    children, groups = _taken(meeting.id)
    created = []
    for child_id, why in found.items():
        child = loaded.get(child_id)
        if child is None or child.id in children:
            continue
        group = child.sibling_group if body.referral.sibling_groups_as_one_item else None
        if group is not None and group.id in groups:
            continue
        item = AgendaItem(meeting_id=meeting.id, part_id=why.part.id, entry_route=COHORT_ROUTE,
                          status=ItemStatus.PROPOSED, reason=why.reason[:MAX_TEXT],
                          proposal_source="; ".join(why.sources)[:MAX_TEXT],
                          child_id=None if group else child.id, sibling_group_id=group.id if group else None)
        db.session.add(item)
        created.append(item)
        children |= {c.id for c in group.children} if group else {child.id}
        if group:
            groups.add(group.id)
    db.session.flush()
    titles = {p.id: p.title for p in parts}
    for item in created:
        services._log(item, "proposed", f"proposed the child for {titles[item.part_id]}: {item.proposal_source}",
                      None)
    return created


def propose_upcoming(*, on: date | None = None, weeks: int = HORIZON_WEEKS) -> int:
    """Proposals for every sitting of the current council in the next ``weeks`` (the daily job)."""
    on = on or london_today()
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
                     status=ItemStatus.PROPOSED, reason=(reason or "Agreed at the previous meeting")[:MAX_TEXT],
                     proposal_source=f"The meeting on {item.meeting.date:%-d %B %Y} (agreed to see the child "
                                     "again)")
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
                     referred_at=item.referred_at, reason=reason[:MAX_TEXT],
                     proposal_source=f"The meeting on {item.meeting.date:%-d %B %Y} (not heard there)")
    db.session.add(new)
    db.session.flush()
    services._log(new, "proposed", f"proposed again for the sitting of {meeting.date:%-d %B %Y}: {reason}", None)
    return new
