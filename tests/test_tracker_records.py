"""The nightly recompute reads children as plain records (``cases.records``), not ORM objects.

On a generated council every child's facts and events from the plain record are those from the
``Child`` with its histories loaded, on several days; and a recompute after changes to the record
(children leaving care, reviews held, a placement removed) stores the same milestones, cohorts,
drift, tracker lines and audit trail, and reports the same counts, from the records as from the
ORM children.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from permanence.audit.models import AuditEvent
from permanence.cases.facts import child_events, child_facts
from permanence.cases.models import CarePeriod, CareProceedings, Child, Placement, Review
from permanence.cases.records import HISTORIES, child_records
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.demo.national import build_national
from permanence.extensions import db
from permanence.tenancy.models import Tenant
from permanence.tor.services import current_tor
from permanence.tracker import services
from permanence.tracker.models import CohortMember, Drift, Milestone, TrackerLine

TODAY = date(2026, 11, 24)
LATER = TODAY + timedelta(days=150)  # statuses move on: due soon, overdue, drift opened
DAYS = (date(2022, 6, 1), date(2024, 3, 31), TODAY, LATER)


def _council(app) -> int:
    with pytest.MonkeyPatch.context() as patch:  # the e-mails are kept, not printed
        patch.setitem(app.config, "MAIL_ECHO", False)
        for _ in build_national(councils=1, children_per_council_mean=120, seed=3, tracker=True, today=TODAY):
            commit()
    return db.session.execute(select(Tenant.id)).scalars().one()


def _orm_children() -> list[Child]:
    return list(db.session.execute(select(Child).order_by(Child.id).options(
        *(selectinload(getattr(Child, h)) for h in HISTORIES))).scalars())


def test_the_plain_records_give_every_childs_facts_and_events_as_the_orm_children_do(app):
    with app.app_context():
        with tenant_context(_council(app)):
            children = _orm_children()
            records = child_records([c.id for c in children] + [10**6])  # an unknown id is skipped
            assert [r.id for r in records] == [c.id for c in children]
            seen = set()
            for child, record in zip(children, records):
                for name in HISTORIES:  # the same rows, in the same order
                    assert [r.id for r in getattr(record, name)] == [r.id for r in getattr(child, name)]
                for day in DAYS:
                    facts = child_facts(record, day)
                    assert facts == child_facts(child, day)
                    assert child_events(record, day) == child_events(child, day)
                    seen.update(f"flag {f}" for f in facts["flags"])
                    seen.update(k for k in ("legal_status", "placement.type", "plan.primary_route",
                                            "weeks_in_proceedings") if facts[k] is not None)
                assert child_events(record) == child_events(child)
    # the council exercises what the facts read
    assert {"legal_status", "placement.type", "plan.primary_route", "weeks_in_proceedings"} <= seen
    assert len([s for s in seen if s.startswith("flag ")]) >= 3


def _snapshot() -> dict:
    """What the recompute left, by natural keys (ids of new rows differ between runs)."""
    milestones = {(m.child_id, m.rule_id): (m.label, m.rule_origin, m.rule_source, m.rule_text, m.anchor_event,
                                            m.anchor_date, m.due, m.achieved, m.status)
                  for m in db.session.execute(select(Milestone)).scalars()}
    drift = sorted((d.child_id, d.rule_id, d.label, d.due, d.opened_on, d.closed_on, d.close_reason, d.ladder_id,
                    (d.milestone.child_id, d.milestone.rule_id) if d.milestone else None)
                   for d in db.session.execute(select(Drift)).scalars())
    cohorts = sorted((c.child_id, c.body_id) for c in db.session.execute(select(CohortMember)).scalars())
    lines = sorted((t.child_id, t.legal_status, t.plan_route, t.next_due, t.open_drift)
                   for t in db.session.execute(select(TrackerLine)).scalars())
    return {"milestones": milestones, "drift": drift, "cohorts": cohorts, "lines": lines}


def _audit_since(last: int) -> list:
    def plain(changes):
        return {side: {k: v for k, v in values.items() if k not in ("id", "milestone_id")}
                if isinstance(values, dict) and side in ("before", "after") else values
                for side, values in (changes or {}).items()}
    return sorted((e.action, e.entity_type, e.summary, repr(plain(e.changes)))
                  for e in db.session.execute(select(AuditEvent).where(AuditEvent.id > last)).scalars())


def _change() -> None:
    """Changes to the record (not committed): proceedings past 26 weeks conclude, children leave care,
    reviews are held, a placement is removed."""
    drifting = select(Drift.child_id).where(Drift.closed_on.is_(None))
    for proceedings in db.session.execute(select(CareProceedings).where(
            CareProceedings.child_id.in_(drifting), CareProceedings.concluded_on.is_(None))).scalars():
        proceedings.concluded_on, proceedings.outcome = TODAY + timedelta(days=5), "care_order"
    periods = db.session.execute(select(CarePeriod).where(CarePeriod.end.is_(None))
                                 .order_by(CarePeriod.child_id)).scalars().all()
    for period in periods[:8]:
        period.end, period.reason_ceased = TODAY + timedelta(days=10), "E11"
    for period in periods[8:20]:
        db.session.add(Review(child_id=period.child_id, held_on=TODAY + timedelta(days=3)))
    placement = db.session.execute(select(Placement).order_by(Placement.id.desc()).limit(1)).scalar_one()
    db.session.delete(placement)
    db.session.flush()


def test_a_recompute_after_changes_stores_the_same_from_the_records_as_from_the_orm_children(app):
    with app.app_context():
        tenant_id = _council(app)
        with tenant_context(tenant_id):
            ids = db.session.execute(select(Child.id).order_by(Child.id)).scalars().all()
            last = db.session.execute(select(AuditEvent.id).order_by(AuditEvent.id.desc()).limit(1)).scalar_one()
            tor = current_tor(tenant_id)

            _change()
            from_records = services.recompute_children(ids, LATER, tor=tor)
            db.session.flush()
            records_left, records_audit = _snapshot(), _audit_since(last)
            db.session.rollback()

            _change()
            from_orm = services.Recomputed()
            children = _orm_children()
            for start in range(0, len(ids), services.BATCH):
                services._recompute_batch(children[start:start + services.BATCH], tor, LATER, from_orm)
            db.session.flush()
            orm_left, orm_audit = _snapshot(), _audit_since(last)
            db.session.rollback()

    assert from_records == from_orm
    assert min(from_records.updated, from_records.removed, from_records.drift_opened, from_records.drift_closed) > 0
    assert records_left == orm_left
    assert records_audit == orm_audit
    assert {(action, kind) for action, kind, _, _ in records_audit} >= {
        ("update", "Milestone"), ("delete", "Milestone"), ("create", "Drift"), ("update", "Drift")}
