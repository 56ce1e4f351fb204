"""Where the rows of a child's history disagree between sources, for a person to resolve.

Each history row records its origin (``core.provenance``): a person in the app, an API client,
an SSDA903 return, a tracker spreadsheet. An import replaces only what its own source wrote, so
two sources can come to say different things about the same time: the 903 has the child on C2
from 1 September, the tracker sheet on E1 from 3 September. Those are *conflicts*: listed on the
child's page and on the imports page, and resolved by a person choosing the row to keep (the
others are deleted, audited). Two sources saying exactly the same thing are not a conflict.
Nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from itertools import combinations

from sqlalchemy import func, select

from ..extensions import db
from . import codes
from .models import CarePeriod, Child, LegalStatus, PermanencePlan, Placement, Review


@dataclass(frozen=True)
class History:
    """One history a conflict can be in: the child's collection, its model, what it says, its dates."""

    name: str  # the Child relationship
    label: str
    model: type
    says: tuple[str, ...]  # the columns that must agree
    end: str | None = None  # the column that ends a span, for histories whose rows follow one another

    def describe(self, row) -> str:
        """What the row says, as the child's page words it."""
        start, end = self.span(row)
        if self.model is Review:
            return f"Held on {_d(start)}" + (f", {codes.label(codes.PARTICIPATION, row.participation)}"
                                              if row.participation else "")
        what = {LegalStatus: lambda: codes.label(codes.LEGAL_STATUSES, row.code),
                Placement: lambda: codes.label(codes.PLACEMENT_TYPES, row.place),
                CarePeriod: lambda: "Looked after",
                PermanencePlan: lambda: f"{codes.label(codes.PLAN_ROUTES, row.route)} ({row.kind})"}[self.model]()
        return f"{what}, from {_d(start)} " + (f"to {_d(end)}" if end else "and still current")

    def span(self, row) -> tuple[date, date | None]:
        if self.model is Review:
            return row.held_on, row.held_on
        if self.model is PermanencePlan:
            return row.agreed_on, row.ended_on
        return row.start, row.end


HISTORIES = {h.name: h for h in (
    History("legal_statuses", "Legal status", LegalStatus, ("code", "start", "end"), end="end"),
    History("placements", "Placement", Placement, ("place", "start", "end"), end="end"),
    History("care_periods", "Period of care", CarePeriod, ("start", "end")),
    History("reviews", "Looked-after review", Review, ("held_on", "participation")),
    History("plans", "Permanence plan", PermanencePlan, ("route", "kind", "agreed_on", "ended_on"), end="ended_on"),
)}


def _d(day: date) -> str:
    return f"{day:%-d %b %Y}"


def describe(history_name: str, row) -> str:
    return HISTORIES[history_name].describe(row)


@dataclass
class Conflict:
    """Rows of one history, from different sources, that overlap in time and say different things."""

    history: History
    rows: list

    @property
    def key(self) -> str:
        return f"{self.history.name}-" + "-".join(str(r.id) for r in self.rows)

    @property
    def in_sequence(self) -> tuple | None:
        """``(earlier, later)`` when both rows can stand, one after the other: two rows of a history whose
        entries follow one another (a legal status, a placement, a plan), starting on different days.
        C1 from 1 September and C2 from 3 September are then C1 until 3 September, and C2."""
        if self.history.end is None or len(self.rows) != 2:
            return None
        earlier, later = sorted(self.rows, key=lambda r: self.history.span(r)[0])
        if self.history.span(earlier)[0] == self.history.span(later)[0]:
            return None
        return earlier, later

    def describe_sequence(self) -> str:
        earlier, later = self.in_sequence
        return (f"Both, one after the other: {self.history.describe(earlier).split(', from ')[0]} until "
                f"{_d(self.history.span(later)[0])}, then {self.history.describe(later).split(', from ')[0]}")


def _overlap(a: tuple[date, date | None], b: tuple[date, date | None]) -> bool:
    """Spans overlap (an end is exclusive; a one-day event overlaps a span holding its day)."""
    (a0, a1), (b0, b1) = a, b
    if a0 == a1 or b0 == b1:  # a dated event: the same day, or inside the other's span
        day, (s, e) = (a0, (b0, b1)) if a0 == a1 else (b0, (a0, a1))
        return s == day if s == e else (s <= day and (e is None or day < e))
    return a0 < (b1 or date.max) and b0 < (a1 or date.max)


def conflicts_of(child: Child) -> list[Conflict]:
    """The child's conflicts, each a group of rows joined by pairwise disagreement across sources."""
    found: list[Conflict] = []
    for history in HISTORIES.values():
        rows = [r for r in getattr(child, history.name) if r.id is not None]
        groups: list[set] = []
        for a, b in combinations(rows, 2):
            if a.origin == b.origin or not _overlap(history.span(a), history.span(b)):
                continue
            if all(getattr(a, c) == getattr(b, c) for c in history.says):
                continue  # both sources say the same
            joined = [g for g in groups if a in g or b in g]
            merged = set().union(*joined, {a, b}) if joined else {a, b}
            groups = [g for g in groups if g not in joined] + [merged]
        found += [Conflict(history, sorted(g, key=lambda r: (history.span(r)[0], r.id))) for g in groups]
    return found


def children_with_conflicts(limit: int = 200) -> list[tuple[Child, list[Conflict]]]:
    """Children (up to ``limit``) with rows from more than one source, and their conflicts."""
    ids: set[int] = set()
    for history in HISTORIES.values():
        model = history.model
        stmt = (select(model.child_id).group_by(model.child_id)
                .having(func.count(func.distinct(model.origin)) > 1))
        ids |= set(db.session.execute(stmt).scalars())
    if not ids:
        return []
    children = db.session.execute(select(Child).where(Child.id.in_(sorted(ids)))
                                  .order_by(Child.last_name, Child.first_name)).scalars()
    listed = []
    for child in children:
        conflicts = conflicts_of(child)
        if conflicts:
            listed.append((child, conflicts))
            if len(listed) >= limit:
                break
    return listed


class ResolveError(ValueError):
    pass


def resolve_in_sequence(child: Child, history_name: str, row_ids: set[int]) -> Conflict:
    """Keep both rows of a two-row conflict, the earlier ending the day the later begins (a person's
    ruling, audited as a change of the earlier row)."""
    history = HISTORIES.get(history_name)
    if history is None:
        raise ResolveError("Choose which record to keep from the list")
    for conflict in conflicts_of(child):
        if conflict.history is history and {r.id for r in conflict.rows} == row_ids and conflict.in_sequence:
            earlier, later = conflict.in_sequence
            setattr(earlier, history.end, history.span(later)[0])
            db.session.flush()
            return conflict
    raise ResolveError("That disagreement has already been resolved, or its records cannot follow one another")


def resolve(child: Child, history_name: str, keep_id: int) -> tuple[Conflict, object]:
    """Keep one row of a conflict and delete the others (each delete audited). The kept row's source
    may bring the others back on its next import only if that source still says so."""
    history = HISTORIES.get(history_name)
    if history is None:
        raise ResolveError("Choose which record to keep from the list")
    for conflict in conflicts_of(child):
        if conflict.history is history and any(r.id == keep_id for r in conflict.rows):
            kept = next(r for r in conflict.rows if r.id == keep_id)
            collection = getattr(child, history.name)
            for row in conflict.rows:
                if row is not kept:
                    collection.remove(row)  # delete-orphan: deleted and audited at flush
            db.session.flush()
            return conflict, kept
    raise ResolveError("That disagreement has already been resolved, or the record chosen is not part of it")
