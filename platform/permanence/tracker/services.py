"""Stored milestones: the timescale engine run over each child's record and kept up to date.

``recompute_milestones(child, today)`` asks the pure engine (``tor.timescales``) where
every timescale rule of the council's terms of reference stands for the child on
``today``, from the child's facts and events (``cases.facts``), and writes the answer:
one ``Milestone`` per rule that applies (updated in place, never duplicated; rules that
stopped applying are removed), the bodies whose cohort the child is in, and drift
opened for overdue milestones and closed for met ones, or for ones that stopped applying
(the child left care, ...), keeping the engine's reason (``tracker.drift``).
``recompute_children`` does the same for many children a batch at a time in a fixed
number of queries; the nightly job runs it over every child of a council.

Events the histories cannot show (a panel's discussion, a tracking meeting, an agency
decision) come from features that register an event source; timescales of one child alone (a
date a meeting agreed for them) from features that register a timescale source. Nothing here
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Mapping, Sequence

from sqlalchemy import func, select, text
from sqlalchemy.orm import selectinload, subqueryload

from ..cases.facts import child_events, child_facts
from ..cases.models import Child
from ..core.clock import london_today, utcnow
from ..core.bulk import collector_paused
from ..core.context import current_tenant_id
from ..core.db import among
from ..extensions import db
from ..tor.rules import evaluate
from ..tor.services import current_tor
from ..tor.timescales import NOT_APPLICABLE, TimescaleRule, compute_milestones
from . import drift as drift_service
from .pending import already_recomputed
from .models import CohortMember, Drift, Milestone, TrackerLine

BATCH = 500
SMALL = 20  # children: up to this many, histories are loaded by their ids
HISTORIES = ("care_periods", "legal_statuses", "placements", "reviews", "proceedings", "pre_proceedings", "plans",
             "flags", "key_dates", "adoption_decisions", "adoptions",
           "unaccompanied")  # what child_events and the flags read
LIVE = ("upcoming", "due_soon", "overdue")  # statuses of a milestone still to be met

EventSource = Callable[[list[int], date], Mapping[int, Mapping[str, date]]]
_event_sources: list[EventSource] = []


def register_event_source(source: EventSource) -> EventSource:
    """Add dated events the histories cannot show (``panel``, ``tracking_meeting``, ...; steps a
    person records, such as ``adm_decision`` or ``match``, are key dates on the child's record).
    ``source(child_ids, today)`` returns ``{child_id: {event: date}}`` for the current council in one
    query; its dates win over the histories'."""
    if source not in _event_sources:
        _event_sources.append(source)
    return source


def unregister_event_source(source: EventSource) -> None:
    if source in _event_sources:
        _event_sources.remove(source)


ChildTimescales = tuple[Sequence[TimescaleRule], Mapping[str, date]]
TimescaleSource = Callable[[list[int], date], Mapping[int, ChildTimescales]]
_timescale_sources: list[TimescaleSource] = []


def register_timescale_source(source: TimescaleSource) -> TimescaleSource:
    """Add timescales of one child that no terms of reference hold for every child (a date a
    meeting agreed for the child). ``source(child_ids, today)`` returns ``{child_id: (rules,
    events)}`` for the current council in one query: the child's own rules, measured like the
    council's, and the events they are anchored on."""
    if source not in _timescale_sources:
        _timescale_sources.append(source)
    return source


def unregister_timescale_source(source: TimescaleSource) -> None:
    if source in _timescale_sources:
        _timescale_sources.remove(source)


def timescales_from_sources(ids: list[int], today: date) -> dict[int, tuple[list[TimescaleRule], dict[str, date]]]:
    merged: dict[int, tuple[list[TimescaleRule], dict[str, date]]] = {}
    for source in _timescale_sources:
        for child_id, (rules, events) in (source(ids, today) or {}).items():
            own_rules, own_events = merged.setdefault(child_id, ([], {}))
            own_rules.extend(rules)
            own_events.update(events)
    return merged


@dataclass
class Recomputed:
    """What a recompute changed, for job results and the command line."""

    children: int = 0
    created: int = 0
    updated: int = 0
    removed: int = 0
    drift_opened: int = 0
    drift_closed: int = 0

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def recompute_milestones(child: Child, today: date | None = None, *, tor=None) -> Recomputed:
    """Bring one child's milestones, cohorts and drift up to date on ``today`` (London's today)."""
    return recompute_children([child.id], today, tor=tor)


def recompute_children(child_ids: Iterable[int], today: date | None = None, *, tor=None) -> Recomputed:
    """Recompute the given children of the current council (ids of deleted children are skipped)."""
    today = today or london_today()
    tor = tor if tor is not None else current_tor(current_tenant_id())
    ids = sorted(set(child_ids))
    result = Recomputed()
    if tor is None:
        return result  # no terms of reference in force: nothing to measure against, nothing changed
    with collector_paused(len(ids)):
        for start in range(0, len(ids), BATCH):
            _recompute_chunk(ids[start:start + BATCH], tor, today, result)
    already_recomputed(db.session(), current_tenant_id(), ids)
    return result


def _recompute_chunk(chunk: list[int], tor, today: date, result: Recomputed) -> None:
    # A big batch reads each history by joining this one query (one array parameter), not by a list of
    # 500 ids per history; a few children (an edit's recompute) by their ids, which costs less to build.
    load = subqueryload if len(chunk) > SMALL else selectinload
    children = db.session.execute(
        select(Child).where(among(Child.id, chunk)).options(*(load(getattr(Child, h)) for h in HISTORIES))
    ).scalars().all()
    _recompute_batch(children, tor, today, result)


def recompute_council(today: date | None = None) -> Recomputed:
    """Recompute every child of the current council (the nightly job)."""
    ids = db.session.execute(select(Child.id).order_by(Child.id)).scalars().all()
    return recompute_children(ids, today)


def events_from_sources(ids: list[int], today: date) -> dict[int, dict[str, date]]:
    """The registered sources' events for these children; they win over the histories' own."""
    merged: dict[int, dict[str, date]] = {}
    for source in _event_sources:
        for child_id, events in (source(ids, today) or {}).items():
            merged.setdefault(child_id, {}).update({k: v for k, v in events.items() if v is not None})
    return merged


def in_cohort(body, facts) -> bool:
    """A child is in a body's cohort when any agenda part's rule (or, for a tracking meeting, any
    per-child cadence's ``when``) selects them; a part with no rule considers all children."""
    rules = [part.cohort for part in body.agenda_parts] + [c.when for c in body.per_child_cadence]
    return any(evaluate(rule, facts) for rule in rules)


def _recompute_batch(children: list[Child], tor, today: date, result: Recomputed) -> None:
    ids = [c.id for c in children]
    if not ids:
        return
    existing: dict[tuple[int, str], Milestone] = {
        (m.child_id, m.rule_id): m for m in db.session.execute(
            select(Milestone).where(among(Milestone.child_id, ids))).scalars()}
    cohorts: dict[tuple[int, str], CohortMember] = {
        (c.child_id, c.body_id): c for c in db.session.execute(
            select(CohortMember).where(among(CohortMember.child_id, ids))).scalars()}
    open_drift: dict[tuple[int, str], Drift] = {
        (d.child_id, d.rule_id): d for d in db.session.execute(
            select(Drift).where(among(Drift.child_id, ids), Drift.closed_on.is_(None))).scalars()}
    extra = events_from_sources(ids, today) if _event_sources else {}
    own = timescales_from_sources(ids, today) if _timescale_sources else {}
    now = utcnow()
    kept_milestones: set[tuple[int, str]] = set()
    kept_cohorts: set[tuple[int, str]] = set()
    current: dict[tuple[int, str], Milestone] = {}
    stopped: dict[tuple[int, str], str] = {}  # why a rule does not apply (closing drift says so)
    on_the_day: dict[int, tuple[str | None, str | None]] = {}  # legal status and plan route, for the tracker

    for child in children:
        result.children += 1
        facts = child_facts(child, today)
        on_the_day[child.id] = (facts["legal_status"], facts["plan.primary_route"])
        events = child_events(child, today)
        events.update(extra.get(child.id, {}))
        own_rules, own_events = own.get(child.id, ((), {}))
        events.update(own_events)
        rules = tuple(tor.timescales) + tuple(own_rules)
        for computed in compute_milestones(rules, facts, events, today, due_soon=tor.due_soon):
            key = (child.id, computed.rule_id)
            if computed.status == NOT_APPLICABLE:
                stopped[key] = computed.reason
                continue
            kept_milestones.add(key)
            row = existing.get(key)
            values = _values(computed)
            if row is None:
                row = Milestone(child_id=child.id, rule_id=computed.rule_id, computed_at=now, **values)
                db.session.add(row)
                result.created += 1
            elif any(getattr(row, k) != v for k, v in values.items()):
                for k, v in values.items():
                    if getattr(row, k) != v:
                        setattr(row, k, v)
                row.computed_at = now
                result.updated += 1
            current[key] = row
        for body in tor.bodies:
            if in_cohort(body, facts):
                key = (child.id, body.id)
                kept_cohorts.add(key)
                if key not in cohorts:
                    db.session.add(CohortMember(child_id=child.id, body_id=body.id))

    for key, row in existing.items():
        if key not in kept_milestones:
            db.session.delete(row)
            result.removed += 1
    for key, row in cohorts.items():
        if key not in kept_cohorts:
            db.session.delete(row)
    opened, closed = drift_service.sync_drift(current, open_drift, tor, today, stopped)
    result.drift_opened += opened
    result.drift_closed += closed
    db.session.flush()
    _keep_tracker_lines(ids, current, on_the_day, now)


def _keep_tracker_lines(ids: list[int], current: dict[tuple[int, str], Milestone],
                       on_the_day: dict[int, tuple[str | None, str | None]], now) -> None:
    """Each child's ``TrackerLine`` as this recompute leaves it (written only where it changed, so a
    night on which nothing moved writes nothing)."""
    next_due: dict[int, date] = {}
    for (child_id, _), milestone in current.items():
        if milestone.status in LIVE and milestone.due is not None:
            if child_id not in next_due or milestone.due < next_due[child_id]:
                next_due[child_id] = milestone.due
    drift = dict(db.session.execute(select(Drift.child_id, func.count(Drift.id)).where(
        among(Drift.child_id, ids), Drift.closed_on.is_(None)).group_by(Drift.child_id)).all())
    rows = {r.child_id: r for r in db.session.execute(select(TrackerLine).where(among(TrackerLine.child_id, ids))).scalars()}
    for child_id in ids:
        status, route = on_the_day.get(child_id, (None, None))
        values = {"legal_status": status, "plan_route": route, "next_due": next_due.get(child_id),
                  "open_drift": drift.get(child_id, 0)}
        row = rows.get(child_id)
        if row is None:
            db.session.add(TrackerLine(child_id=child_id, computed_at=now, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
            row.computed_at = now
    db.session.flush()


def _values(computed) -> dict:
    rule = computed.rule
    return {
        "label": computed.label[:300],
        "rule_origin": rule.origin if rule else "tenant",
        "rule_source": (computed.source or "")[:300],
        "rule_text": (rule.describe() if rule else "")[:500],
        "anchor_event": computed.anchor_event,
        "anchor_date": computed.anchor_date,
        "due": computed.due,
        "achieved": computed.achieved,
        "status": computed.status,
    }


def milestones_of(child_id: int) -> list[Milestone]:
    """A child's stored milestones, soonest due first (those waiting for their event last)."""
    return list(db.session.execute(
        select(Milestone).where(Milestone.child_id == child_id).order_by(Milestone.due.is_(None), Milestone.due, Milestone.id)).scalars())


# Each child's tracker line worked out in the database from the record, as the tracker did per request
# before lines were stored: for children loaded in bulk whose milestones are left to the nightly run.
_FILL_LINES = """
INSERT INTO tracker_line (child_id, tenant_id, computed_at, legal_status, plan_route, next_due, open_drift)
SELECT c.id, c.tenant_id, :now,
  (SELECT s.code FROM legal_status s WHERE s.child_id = c.id AND s.start <= :today
     AND (s."end" IS NULL OR s."end" > :today) ORDER BY s.start DESC, s.id DESC LIMIT 1),
  (SELECT p.route FROM permanence_plan p WHERE p.child_id = c.id AND p.kind = 'primary'
     AND p.agreed_on <= :today AND (p.ended_on IS NULL OR p.ended_on > :today)
     ORDER BY p.agreed_on DESC, p.id DESC LIMIT 1),
  (SELECT min(m.due) FROM milestone m WHERE m.child_id = c.id AND m.status IN ('upcoming', 'due_soon', 'overdue')),
  (SELECT count(d.id) FROM drift d WHERE d.child_id = c.id AND d.closed_on IS NULL)
FROM child c
WHERE c.tenant_id = :tenant AND NOT EXISTS (SELECT 1 FROM tracker_line t WHERE t.child_id = c.id)
"""


def fill_tracker_lines(today: date | None = None) -> int:
    """Give every child of the current council without a tracker line one, in one statement (a bulk
    load that leaves the milestones to the nightly run); the next recompute brings each up to date."""
    result = db.session.execute(text(_FILL_LINES), {"now": utcnow(), "today": today or london_today(),
                                                    "tenant": current_tenant_id()})
    return result.rowcount
