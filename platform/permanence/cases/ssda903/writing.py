"""Writing an extract: each clean child's histories built from its rows and compared with the rows a
903 import wrote before, so only the differences are deleted, inserted or updated. An identical
re-run changes nothing and writes no audit events; what a person, an API client or a tracker
spreadsheet wrote is never touched. The service never commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...core.provenance import SSDA903
from ...core.tables import ImportFileError
from ...extensions import db
from ..models import (Adoption, AdoptionPlacementDecision, CareOutcomes, CarePeriod, Child, LegalStatus,
                      MissingEpisode, Placement, PreviousPermanence, Review, UnaccompaniedStatus)
from .parsing import ChildRows, Extract, read_903
from .reading import FileCount, RowError

LONG_TERM_FOSTERING = frozenset({"U1", "U4"})  # a long-term foster placement is a permanent home
BATCH = 200
# Relationship of Child -> the columns that say what a row is (compared to find the differences).
COMPARED = {
    "care_periods": ("start", "end", "category_of_need", "reason_ceased"),
    "legal_statuses": ("code", "start", "end"),
    "placements": ("place", "provider", "start", "end", "urn", "reason_for_change", "approved_as_permanent",
                   "approved_permanent_on"),
    "reviews": ("held_on", "participation"),
    "adoption_decisions": ("start", "end", "reason_ceased"),
    "adoptions": ("decided_on", "matched_on", "by_foster_carer", "number_of_adopters", "adopter_sex",
                  "adopter_status"),
    "previous_permanence": ("arrangement", "local_authority", "when"),
    "missing_episodes": ("kind", "start", "end"),
    "unaccompanied": ("ceased_on",),
    "outcomes": ("year", "sdq_score", "sdq_reason", "convicted", "health_check", "immunisations", "teeth_check",
                 "health_assessment", "substance_misuse", "intervention_received", "intervention_offered",
                 "in_touch", "activity", "accommodation"),
}
IMPORTED = tuple(COMPARED)


@dataclass
class ImportResult:
    """What an import did (or, for all-or-nothing with errors, would have done)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: list[str] = field(default_factory=list)  # case numbers left out because of bad rows
    errors: list[RowError] = field(default_factory=list)
    warnings: list[RowError] = field(default_factory=list)
    files: list[FileCount] = field(default_factory=list)
    collection_year: str | None = None
    written: bool = False

    @property
    def refusal(self) -> str | None:
        """Why nothing was written, said before writing: 'N problems; nothing will be imported'."""
        if self.written or not self.errors:
            return None
        n = len(self.errors)
        return f"{n} problem{'' if n == 1 else 's'}; nothing will be imported"

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged,
                "skipped": self.skipped, "errors": [str(e) for e in self.errors],
                "warnings": [w.as_dict() for w in self.warnings], "files": [f.as_dict() for f in self.files],
                "collection_year": self.collection_year, "written": self.written}


def build_histories(child: ChildRows, year: str | None = None) -> dict[str, list]:
    """The rows of each imported history of one child: periods of care, legal statuses and placements
    from the episodes (merging episodes that only change the other dimension), reviews, and the other
    tables' rows. A period starts with RNE S (or the extract's first episode) and ends with any REC but X1."""
    mark = {"origin": SSDA903, "origin_detail": year}
    periods: list[CarePeriod] = []
    statuses: list[LegalStatus] = []
    placements: list[Placement] = []
    for ep in child.episodes:
        new_period = ep.rne == "S" or not periods or periods[-1].end is not None
        if new_period:
            periods.append(CarePeriod(start=ep.decom, end=None, category_of_need=ep.cin, reason_ceased=None, **mark))
        if not new_period and statuses[-1].code == ep.ls:
            statuses[-1].end = ep.dec
        else:
            statuses.append(LegalStatus(code=ep.ls, start=ep.decom, end=ep.dec, **mark))
        if not new_period and ep.rne == "L" and placements[-1].place == ep.place:
            current = placements[-1]
            current.end, current.reason_for_change = ep.dec, ep.reason_place_change
        else:
            permanent = ep.place in LONG_TERM_FOSTERING
            placements.append(Placement(
                place=ep.place, provider=ep.provider, start=ep.decom, end=ep.dec, urn=ep.urn,
                reason_for_change=ep.reason_place_change, approved_as_permanent=permanent,
                approved_permanent_on=ep.decom if permanent else None, **mark))
        if ep.rec and ep.rec != "X1":
            periods[-1].end, periods[-1].reason_ceased = ep.dec, ep.rec
    rows = {
        "care_periods": periods,
        "legal_statuses": statuses,
        "placements": placements,
        "reviews": [Review(held_on=day, participation=code, **mark)
                    for day, (_, code) in sorted(child.reviews.items())],
        "adoption_decisions": [AdoptionPlacementDecision(start=start, end=end, reason_ceased=reason, **mark)
                               for start, end, reason in sorted(child.adoption_decisions, key=lambda d: d[0])],
        "adoptions": [Adoption(**child.adoption, **mark)] if child.adoption else [],
        "previous_permanence": [PreviousPermanence(**child.previous_permanence, **mark)]
        if child.previous_permanence else [],
        "missing_episodes": [MissingEpisode(kind=kind, start=start, end=end, **mark)
                             for kind, start, end in sorted(child.missing, key=lambda m: m[1])],
        "unaccompanied": [UnaccompaniedStatus(**child.uasc, **mark)] if child.uasc else [],
        "outcomes": [CareOutcomes(year=year or "", **{c: child.outcomes.get(c) for c in COMPARED["outcomes"][1:]},
                                  **mark)] if child.outcomes else [],
    }
    return rows


def _key(row, columns) -> tuple:
    return tuple(getattr(row, c) for c in columns) + (row.origin_detail,)


def _apply(child: Child, name: str, wanted: list) -> bool:
    """Make the child's 903 rows of one history ``wanted``: rows already there as wanted stay untouched,
    others are updated in place, removed or added. True if anything changed."""
    columns = COMPARED[name]
    rows = getattr(child, name)
    old = [r for r in rows if r.origin == SSDA903]
    unmatched_new = []
    for new in wanted:
        same = next((r for r in old if _key(r, columns) == _key(new, columns)), None)
        if same is not None:
            old.remove(same)
        else:
            unmatched_new.append(new)
    for row, new in zip(old, unmatched_new):  # changed: updated where it is (an audited update)
        for column in (*columns, "origin_detail"):
            if getattr(row, column) != getattr(new, column):
                setattr(row, column, getattr(new, column))
    for row in old[len(unmatched_new):]:
        rows.remove(row)  # delete-orphan: deleted (and audited) at the batch's flush
    rows.extend(unmatched_new[len(old):])
    return bool(old or unmatched_new)


def import_903(header=None, episodes=None, reviews=None, *, all_or_nothing: bool = True,
               progress: Callable[[int], None] | None = None, extract: Extract | None = None,
               others: dict | None = None, encoding: str | None = None,
               before_writing: Callable[[ImportResult], None] | None = None) -> ImportResult:
    """Import an extract into the current tenant. All-or-nothing with any bad row writes nothing;
    partial writes every child whose rows are all good, whole. ``before_writing(result)`` hears the
    outcome of the checks (and the refusal) before anything is written; ``progress(n)`` is called as
    each batch of ``n`` children is written. Never commits."""
    try:
        extract = extract or read_903(header, episodes, reviews, others=others, encoding=encoding)
    except ImportFileError as exc:
        return ImportResult(errors=[RowError(exc.file, 0, exc.message)])
    result = ImportResult(errors=extract.errors, warnings=extract.warnings,
                          skipped=sorted(extract.bad_children & set(extract.children)),
                          collection_year=extract.collection_year)
    if extract.errors and all_or_nothing:
        result.files = extract.accounting(set())
        if before_writing:
            before_writing(result)
        return result
    if before_writing:
        before_writing(result)
    clean = extract.clean_children()
    for start in range(0, len(clean), BATCH):
        batch = clean[start:start + BATCH]
        existing = _existing_children([c.case_number for c in batch])
        for rows in batch:
            child = existing.get(rows.case_number)
            created = child is None
            if created:
                child = Child(case_number=rows.case_number, first_name="Child", last_name=rows.case_number)
                db.session.add(child)
            changed = False
            for column, value in (("date_of_birth", rows.dob), ("sex", rows.sex), ("ethnicity", rows.ethnicity)):
                if getattr(child, column) != value:
                    setattr(child, column, value)
                    changed = True
            for name, wanted in build_histories(rows, extract.collection_year).items():
                changed = _apply(child, name, wanted) or changed
            if created:
                result.created += 1
            elif changed:
                result.updated += 1
            else:
                result.unchanged += 1
        db.session.flush()
        if progress:
            progress(len(batch))
    result.written = True
    result.files = extract.accounting({c.case_number for c in clean})
    return result


def _existing_children(case_numbers: list[str]) -> dict[str, Child]:
    stmt = select(Child).where(Child.case_number.in_(case_numbers)).options(
        *(selectinload(getattr(Child, name)) for name in IMPORTED))
    return {c.case_number: c for c in db.session.execute(stmt).scalars()}
