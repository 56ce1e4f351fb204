"""Stored milestones: the timescale engine run over each child's record and kept up to date.

``recompute_milestones(child, today)`` asks the pure engine (``tor.timescales``) where
every timescale rule of the council's terms of reference stands for the child on
``today``, from the child's facts and events (``cases.facts``), and writes the answer:
one ``Milestone`` per rule that applies (updated in place, never duplicated; rules that
stopped applying are removed), the bodies whose cohort the child is in, and drift
opened for overdue milestones and closed for met ones, or for ones that stopped applying
(the child left care, ...), keeping the engine's reason (``tracker.drift``).
``recompute_children`` does the same for many children a batch at a time in a fixed
number of queries; the nightly job runs it over every child of a council. It reads the children
and their histories as plain records (``cases.records``), and the stored milestones, cohorts, open
drift and tracker lines as plain rows: ORM objects (whose flush the audit records) are loaded only
for the rows that change, so a night on which nothing moved builds none.

Events the histories cannot show (a panel's discussion, a tracking meeting, an agency
decision) come from features that register an event source; timescales of one child alone (a
date a meeting agreed for them) from features that register a timescale source. Nothing here
commits.
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date
from typing import Callable, Iterable, Mapping, Sequence

from sqlalchemy import func, select, text

from ..cases.facts import child_events, child_facts
from ..cases.models import Child
from ..cases.records import child_records
from ..core.clock import london_today, utcnow
from ..core.bulk import collector_paused
from ..core.context import current_tenant_id
from ..core.db import among, by_id
from ..extensions import db
from ..tor.rules import evaluate
from ..tor.services import current_tor
from ..tor.timescales import NOT_APPLICABLE, TimescaleRule, compute_milestones
from . import drift as drift_service
from .pending import already_recomputed
from .models import CohortMember, Drift, Milestone, TrackerLine

BATCH = 500
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
    _recompute_batch(child_records(chunk), tor, today, result)


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


# The stored rows a recompute compares with what it computes, read as plain rows (``_stored``).
_MILESTONE_VALUES = ("label", "rule_origin", "rule_source", "rule_text", "anchor_event", "anchor_date", "due",
                     "achieved", "status")
StoredMilestone = namedtuple("StoredMilestone", ("id", "child_id", "rule_id") + _MILESTONE_VALUES)
_LINE_VALUES = ("legal_status", "plan_route", "next_due", "open_drift")
StoredLine = namedtuple("StoredLine", ("id", "child_id") + _LINE_VALUES)
StoredCohort = namedtuple("StoredCohort", ("id", "child_id", "body_id"))


def _stored(model, record, ids: list[int], *where) -> list:
    """The rows of ``model`` of these children as ``record``s (its fields are the columns read)."""
    columns = [getattr(model, f) for f in record._fields]
    return [record._make(row) for row in db.session.execute(
        select(*columns).where(among(model.child_id, ids), *where)).all()]


def _recompute_batch(children, tor, today: date, result: Recomputed) -> None:
    """``children``: ``cases.records.ChildRecord``s (or ``Child``s: the facts read either)."""
    ids = [c.id for c in children]
    if not ids:
        return
    existing = {(m.child_id, m.rule_id): m for m in _stored(Milestone, StoredMilestone, ids)}
    cohorts = {(c.child_id, c.body_id): c for c in _stored(CohortMember, StoredCohort, ids)}
    open_drift = {(d.child_id, d.rule_id): d for d in _stored(
        Drift, drift_service.OpenDrift, ids, Drift.closed_on.is_(None))}
    extra = events_from_sources(ids, today) if _event_sources else {}
    own = timescales_from_sources(ids, today) if _timescale_sources else {}
    now = utcnow()
    kept_milestones: set[tuple[int, str]] = set()
    kept_cohorts: set[tuple[int, str]] = set()
    current: dict[tuple[int, str], object] = {}  # StoredMilestone unchanged, Milestone new or changed
    changed: dict[int, tuple] = {}  # milestone id: its new values
    stopped: dict[tuple[int, str], str] = {}  # why a rule does not apply (closing drift says so)
    on_the_day: dict[int, tuple[str | None, str | None]] = {}  # legal status and plan route, for the tracker
    council_rules = tuple(tor.timescales)

    for child in children:
        result.children += 1
        facts = child_facts(child, today)
        on_the_day[child.id] = (facts["legal_status"], facts["plan.primary_route"])
        events = child_events(child, today)
        events.update(extra.get(child.id, {}))
        own_rules, own_events = own.get(child.id, ((), {}))
        events.update(own_events)
        rules = council_rules + tuple(own_rules) if own_rules else council_rules
        for computed in compute_milestones(rules, facts, events, today, due_soon=tor.due_soon):
            key = (child.id, computed.rule_id)
            if computed.status == NOT_APPLICABLE:
                stopped[key] = computed.reason
                continue
            kept_milestones.add(key)
            row = existing.get(key)
            values = _values(computed)
            if row is None:
                row = Milestone(child_id=child.id, rule_id=computed.rule_id, computed_at=now,
                                **dict(zip(_MILESTONE_VALUES, values)))
                db.session.add(row)
                result.created += 1
            elif row[3:] != values:
                changed[row.id] = values
                result.updated += 1
            current[key] = row
        for body in tor.bodies:
            if in_cohort(body, facts):
                key = (child.id, body.id)
                kept_cohorts.add(key)
                if key not in cohorts:
                    db.session.add(CohortMember(child_id=child.id, body_id=body.id))

    gone = [row.id for key, row in existing.items() if key not in kept_milestones]
    milestones = by_id(Milestone, [*changed, *gone])
    for key, row in current.items():
        values = changed.get(row.id) if isinstance(row, StoredMilestone) else None
        if values is not None:
            model = milestones[row.id]
            for name, value in zip(_MILESTONE_VALUES, values):
                if getattr(model, name) != value:
                    setattr(model, name, value)
            model.computed_at = now
            current[key] = model
    for milestone_id in gone:
        db.session.delete(milestones[milestone_id])
        result.removed += 1
    for member in by_id(CohortMember, [row.id for key, row in cohorts.items() if key not in kept_cohorts]).values():
        db.session.delete(member)
    opened, closed = drift_service.sync_drift(current, open_drift, tor, today, stopped)
    result.drift_opened += opened
    result.drift_closed += closed
    db.session.flush()
    _keep_tracker_lines(ids, current, on_the_day, now)


def _keep_tracker_lines(ids: list[int], current: dict[tuple[int, str], object],
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
    rows = {r.child_id: r for r in _stored(TrackerLine, StoredLine, ids)}
    changed: dict[int, tuple] = {}
    for child_id in ids:
        status, route = on_the_day.get(child_id, (None, None))
        values = (status, route, next_due.get(child_id), drift.get(child_id, 0))
        row = rows.get(child_id)
        if row is None:
            db.session.add(TrackerLine(child_id=child_id, computed_at=now, **dict(zip(_LINE_VALUES, values))))
        elif row[2:] != values:
            changed[row.id] = values
    for line_id, line in by_id(TrackerLine, changed).items():
        for name, value in zip(_LINE_VALUES, changed[line_id]):
            setattr(line, name, value)
        line.computed_at = now
    db.session.flush()


def _values(computed) -> tuple:
    """A computed milestone's stored values, in the order of ``_MILESTONE_VALUES``."""
    rule = computed.rule
    return (
        computed.label[:300],
        rule.origin if rule else "tenant",
        (computed.source or "")[:300],
        (rule.describe() if rule else "")[:500],
        computed.anchor_event,
        computed.anchor_date,
        computed.due,
        computed.achieved,
        computed.status,
    )


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
