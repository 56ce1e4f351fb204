"""Children and their histories read as plain rows, for reading many at once (the nightly recompute).

``child_facts`` and ``child_events`` read a child and the histories of ``HISTORIES``. Building ORM
objects for a council's 36,000 history rows was half of the nightly run's time, though nothing
there is ever changed; ``child_records(ids)`` reads the same columns as plain rows, one query per
history, into slotted read-only records (named tuples) that the facts accept as they accept a
``Child``. The records' methods of a day (``current_on``, ``open_on``, ``permanent_on``, ``age_on``)
are the models' own: both inherit the behaviour mixins of ``cases.models`` (``Span``, ``ChildDays``,
...), so "current on a day" has one definition. The session tracks none of them and an audited
read notes none: they are worked with, not shown.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Iterable

from sqlalchemy import select

from ..core.db import among
from ..extensions import db
from .models import (Adoption, AdoptionPlacementDecision, CarePeriod, CareProceedings, Child, ChildDays, ChildFlag,
                     KeyDate, LegalStatus, PermanencePlan, Placement, PlacementDays, PlanDays, PreProceedings,
                     PreProceedingsDays, ProceedingsDays, Review, Span, UnaccompaniedStatus)

# Each history the facts and events read: the relationship of ``Child``, its model, the model's
# behaviour (None: plain columns) and the columns read. A column the facts start reading is added here
# (tests/test_tracker_records.py compares the facts of both kinds of child for a whole council).
_READ = {
    "care_periods": (CarePeriod, Span, ("start", "end", "reason_ceased")),
    "legal_statuses": (LegalStatus, Span, ("code", "start", "end", "s20_entry")),
    "placements": (Placement, PlacementDays,
                   ("place", "start", "end", "approved_as_permanent", "approved_permanent_on")),
    "reviews": (Review, None, ("held_on",)),
    "proceedings": (CareProceedings, ProceedingsDays, ("issued_on", "concluded_on", "outcome")),
    "pre_proceedings": (PreProceedings, PreProceedingsDays, ("decision_on", "letter_on", "meeting_on", "ended_on")),
    "plans": (PermanencePlan, PlanDays, ("route", "kind", "agreed_on", "ended_on")),
    "flags": (ChildFlag, Span, ("flag", "start", "end")),
    "key_dates": (KeyDate, None, ("event", "happened_on")),
    "adoption_decisions": (AdoptionPlacementDecision, Span, ("start", "end")),
    "adoptions": (Adoption, None, ("decided_on", "matched_on")),
    "unaccompanied": (UnaccompaniedStatus, None, ("ceased_on",)),
}
HISTORIES = tuple(_READ)  # what child_events and the flags read
CHILD_COLUMNS = ("id", "tenant_id", "date_of_birth", "expected_date_of_birth", "sibling_group_id")


def _record_class(name: str, behaviour, fields: tuple[str, ...]):
    row = namedtuple(f"{name}Row", fields)
    bases = (behaviour, row) if behaviour is not None else (row,)
    return type(name, bases, {"__slots__": (), "__doc__": f"A read-only row of {name.removesuffix('Record')}."})


_RECORDS = {name: _record_class(f"{model.__name__}Record", behaviour, ("id", "child_id") + fields)
            for name, (model, behaviour, fields) in _READ.items()}
ChildRecord = _record_class("ChildRecord", ChildDays, CHILD_COLUMNS + HISTORIES)


def _history_rows(name: str, ids: list[int]) -> dict[int, list]:
    """One history's rows of these children, in the relationship's order, by child id."""
    model, _, fields = _READ[name]
    order = getattr(Child, name).property.order_by
    make = _RECORDS[name]._make
    by_child: dict[int, list] = {}
    rows = db.session.execute(
        select(model.id, model.child_id, *(getattr(model, f) for f in fields))
        .where(among(model.child_id, ids)).order_by(model.child_id, *order)).all()
    for row in rows:
        record = make(row)
        found = by_child.get(record.child_id)
        if found is None:
            by_child[record.child_id] = [record]
        else:
            found.append(record)
    return by_child


def child_records(child_ids: Iterable[int]) -> list:
    """The current council's children of ``child_ids`` (ids of deleted children are skipped) as
    ``ChildRecord``s, in id order, with their histories: 1 + len(HISTORIES) queries."""
    ids = sorted(set(child_ids))
    if not ids:
        return []
    children = db.session.execute(
        select(*(getattr(Child, c) for c in CHILD_COLUMNS)).where(among(Child.id, ids)).order_by(Child.id)).all()
    histories = [_history_rows(name, ids) for name in HISTORIES]
    return [ChildRecord(*child, *(history.get(child.id, ()) for history in histories)) for child in children]
