"""Import the council's own tracker spreadsheet (XLSX or CSV) through its column mapping.

The mapping comes from the ``tracker:`` section of the council's terms of reference
(which heading is which field, the council's wording for codes, how it writes dates),
and the user may adjust it for one upload. The import works in three passes so that
nothing is half-written:

1. every cell is read and checked (bad cells reported by file, row and column);
2. each good row is compared with the child's record as it stands, giving the list of
   changes to make, or the reasons they cannot be made (a legal status that would start
   before the current one, proceedings already open with another date, ...);
3. the changes are written: none if anything was wrong and the user chose all-or-nothing,
   otherwise every child whose row was wholly good (partial).

Children are matched on the case number, so re-importing the same file changes nothing.
A value is recorded in the history only when it differs from the latest entry: a new
legal status, placement or plan closes the previous one on the new one's start date. A
date the sheet does not give is never made up: a change that needs one (a new legal
status, placement or plan, an ended contingency plan) is refused on its row, naming the
column that should give it, since every timescale is measured from these dates and the day
of the import would be a wrong one. A child who left care and comes back in the sheet
(a date they became looked after after the last period ended) needs the legal status of the
new period on the row, even when it is the same as the one they left care under.
A blank cell leaves the record alone.
Rows written carry origin ``tracker`` and the file's name (``core.provenance``). The service never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cases.imports import ImportFileError, ImportResult, RowError
from ..cases.models import (CarePeriod, CareProceedings, Child, ChildSheetNote, LegalStatus, PermanencePlan,
                            Placement)
from ..core.clock import london_today
from ..core.provenance import TRACKER
from ..extensions import db
from ..tor.tracker import IMPORT_FIELDS, TrackerLayout
from .tracker_cells import BATCH, Progress, SheetRow, fmt_date, load_directory, read_tracker

PLAN_AGREED_AT = "other"  # a spreadsheet rarely says where a plan was agreed
HISTORY_LABELS = {"legal_status": "legal status", "placement.type": "placement", "plan.primary_route": "primary plan"}

__all__ = ["TrackerResult", "import_tracker", "read_tracker"]


# --- Comparing a row with the record --------------------------------------------------------------

Op = Callable[[Child], None]


def _split_name(text: str) -> tuple[str, str]:
    """"Surname, Forename" or "Forename Surname"."""
    if "," in text:
        last, first = (p.strip() for p in text.split(",", 1))
        return first, last
    parts = text.split()
    return (" ".join(parts[:-1]), parts[-1]) if len(parts) > 1 else (text, "")


class _Plan:
    """The changes one row makes to one child, or why they cannot be made."""

    def __init__(self, row: SheetRow, child: Child | None, today: date, file: str,
                 headings: dict[str, str] | None = None, layout: TrackerLayout | None = None):
        self.row, self.child, self.today = row, child, today
        self.headings, self.layout = headings or {}, layout
        self.origin = {"origin": TRACKER, "origin_detail": file[:100]}  # what this sheet writes is its own
        self.ops: list[Op] = []
        self.problems: list[tuple[str | None, str]] = []
        self.notices: list[tuple[str | None, str]] = []  # changes not recorded: warnings, not errors
        self.new_starts: list[date] = []

    def problem(self, fields: tuple[str, ...], message: str) -> None:
        self.problems.append((self.row.column(*fields), message))

    def _where(self, name: str) -> str:
        """Where the sheet should give the field ``name``: its column in this file, else the council's
        heading for it, else the field itself."""
        if name in self.headings:
            return f"column {self.headings[name]}"
        known = self.layout.headings_for(name) if self.layout is not None else []
        label = IMPORT_FIELDS[name].label
        if known:
            return f"a column headed '{known[0]}' ({label.lower()})"
        return f"a column mapped to '{label}'"

    def _no_date(self, fields: tuple[str, ...], date_name: str, what: str) -> None:
        """A change the sheet gives no date for is not recorded (the import never guesses one, and every
        deadline counts from these dates) and the run says so: the rest of the row is imported, so a
        council whose sheet has no such column still gets its children, and can add the column or
        record the date on the child's page."""
        self.notices.append((self.row.column(*fields), f"not recorded: {what} but the sheet gives no date for "
                                                       f"it; fill in {self._where(date_name)}, or record it on "
                                                       "the child's page (the import does not guess a date)"))

    def _returning(self) -> bool:
        """The row brings back into care a child whose last period of care has ended."""
        if self.child is None or "entered_care" not in self.row.values:
            return False
        periods = sorted(self.child.care_periods, key=lambda p: p.start)
        return bool(periods) and periods[-1].end is not None and self.row.values["entered_care"] >= periods[-1].end

    def compare(self) -> "_Plan":
        self.returning, self.new_status = self._returning(), False
        if self.returning and "legal_status" not in self.row.values:
            self.problem(("entered_care",), f"the child comes back into care on {fmt_date(self.row.values['entered_care'])}"
                                            f" but the row gives no legal status: fill in {self._where('legal_status')}")
        self._fields()
        self._span("legal_status", "legal_status_start", "legal_statuses", "code", LegalStatus)
        self._placement()
        self._care_period()
        self._primary_plan()
        self._contingency_plans()
        self._proceedings()
        self._notes()
        return self

    def _notes(self) -> None:
        """Cells of the columns kept as notes: one note per heading and file, so re-importing the same
        file changes nothing and a later copy of it updates the text."""
        existing = {(n.heading, n.file): n for n in self.child.sheet_notes} if self.child else {}
        file = self.origin["origin_detail"]
        for heading, text in self.row.notes:
            note = existing.get((heading, file))
            if note is None:
                new = ChildSheetNote(heading=heading, text=text, file=file, imported_on=self.today)
                self.ops.append(lambda c, row=new: c.sheet_notes.append(row))
            elif note.text != text:
                def update(c, row=note, value=text):
                    row.text, row.imported_on = value, self.today
                self.ops.append(update)

    def _set(self, attr: str, value) -> None:
        if self.child is None or getattr(self.child, attr) != value:
            self.ops.append(lambda c, a=attr, x=value: setattr(c, a, x))

    def _fields(self) -> None:
        v = self.row.values
        if "name" in v:
            first, last = _split_name(v["name"])
            if max(len(first), len(last)) > 100:
                self.problem(("name",), "a first or last name is longer than 100 characters")
                return
            v.setdefault("first_name", first)
            v.setdefault("last_name", last)
        for attr in ("first_name", "last_name", "date_of_birth", "expected_date_of_birth", "sex", "ethnicity"):
            if attr in v:
                self._set(attr, v[attr])
        for name in ("team", "social_worker", "team_manager", "iro"):
            if name in v:
                self._set(f"{name}_id", v[name])

    def _latest(self, rows, key="start"):
        rows = sorted(rows, key=lambda r: (getattr(r, key), r.id or 0))
        return rows[-1] if rows else None

    def _span(self, name, start_name, collection, attr, model, **extra) -> Any:
        """A new entry in a span history when the value differs from the latest one."""
        v = self.row.values
        if name not in v:
            return None
        value, start = v[name], v.get(start_name)
        latest = self._latest(getattr(self.child, collection)) if self.child else None
        new_period = self.returning and name == "legal_status"  # the new period has its own legal status
        if latest is not None and getattr(latest, attr) == value and not new_period:
            return latest
        fields = (start_name, name)
        what = HISTORY_LABELS[name]
        if start is None:
            self._no_date((name,), start_name, f"the {what} is new ({v[name]})" if latest is None else
                          f"the {what} changes from {getattr(latest, attr)} to {value}")
            return None
        if latest is not None:
            if start < latest.start:
                self.problem(fields, f"the {what} would start on {fmt_date(start)}, before the current {what} "
                                     f"({getattr(latest, attr)}) began on {fmt_date(latest.start)}")
                return None
            same_day = start == latest.start and not new_period
            if same_day and latest.origin == TRACKER:  # the sheet's own entry, corrected
                self.ops.append(lambda c, row=latest: setattr(row, attr, value))
                return latest
            if same_day:  # another source's entry of that day is never rewritten: the sheet's goes beside
                return self._add(model, collection, name, attr, value, start, extra)  # it, a disagreement
            if latest.end is not None and start < latest.end:
                self.problem(fields, f"the {what} would start on {fmt_date(start)}, before the previous one ended "
                                     f"on {fmt_date(latest.end)}")
                return None
            if latest.end is None:  # closed when the new one starts, or when the child left care
                end = min(start, max(p.end for p in self.child.care_periods)) if new_period else start
                self.ops.append(lambda c, row=latest, day=end: setattr(row, "end", day))
        return self._add(model, collection, name, attr, value, start, extra)

    def _add(self, model, collection, name, attr, value, start, extra):
        new = model(**{attr: value}, start=start, **self.origin, **extra)
        self.ops.append(lambda c, row=new: getattr(c, collection).append(row))
        self.new_starts.append(start)
        if name == "legal_status":
            self.new_status = True
        return new

    def _placement(self) -> None:
        v = self.row.values
        placement = self._span("placement.type", "placement_start", "placements", "place", Placement)
        if "placement.approved_permanent" not in v:
            return
        approved = v["placement.approved_permanent"]
        if placement is None:
            placement = self._latest(self.child.placements) if self.child else None
            if placement is None:
                if "placement.type" not in v:
                    self.problem(("placement.approved_permanent",),
                                 "the child has no placement; give the placement type too")
                return
        is_new = placement.id is None
        if placement.approved_as_permanent != approved or is_new:
            # Approved with a new placement: from its start; approved later: the sheet gives no date,
            # so none is recorded (the record then reads it as approved from the placement's start).
            on = (placement.start if is_new else None) if approved else None

            def approve(c, row=placement):
                row.approved_as_permanent, row.approved_permanent_on = approved, on

            self.ops.append(approve)

    def _care_period(self) -> None:
        periods = sorted(self.child.care_periods, key=lambda p: p.start) if self.child else []
        open_period = periods[-1] if periods and periods[-1].end is None else None
        entered = self.row.values.get("entered_care")
        start = None
        if entered is not None:
            if open_period is not None:
                if open_period.start != entered:
                    self.problem(("entered_care",), f"{fmt_date(entered)} differs from the period of care on the "
                                                    f"record, which began on {fmt_date(open_period.start)}; correct "
                                                    "the spreadsheet or the record")
                return
            if any(p.start == entered for p in periods):
                return  # a period already recorded, ended since (a stale row for a child who left care)
            if periods and entered < periods[-1].end:
                self.problem(("entered_care",), f"{fmt_date(entered)} is before the previous period of care ended "
                                                f"on {fmt_date(periods[-1].end)}")
                return
            start = entered
        elif open_period is None and self.new_starts:
            start = min(self.new_starts)  # a legal status or placement means the child is looked after
        if start is not None and periods and not self.new_status and not self.returning:
            # Back in care through a new placement alone: the new period would have no legal status.
            self.problem(("placement_start", "placement.type"),
                         f"the child left care on {fmt_date(periods[-1].end)} and comes back on {fmt_date(start)} "
                         f"but the row gives no new legal status: fill in {self._where('legal_status')}")
            return
        if start is not None:
            period = CarePeriod(start=start, **self.origin)
            self.ops.append(lambda c, row=period: c.care_periods.append(row))
        elif open_period is not None:
            for day in self.new_starts:
                if day < open_period.start:
                    self.problem(("legal_status_start", "placement_start"),
                                 f"{fmt_date(day)} is before the child became looked after on {fmt_date(open_period.start)}")

    def _current_plans(self, primary: bool):
        if self.child is None:
            return []
        return [p for p in self.child.plans if (p.kind == "primary") == primary and p.ended_on is None]

    def _primary_plan(self) -> None:
        v = self.row.values
        if "plan.primary_route" not in v:
            return
        route, agreed = v["plan.primary_route"], v.get("plan_agreed")
        current = self._latest(self._current_plans(True), key="agreed_on")
        if current is not None and current.route == route:
            return
        if agreed is None:
            self._no_date(("plan.primary_route",), "plan_agreed", f"the primary plan is new ({route})"
                          if current is None else f"the primary plan changes from {current.route} to {route}")
            return
        if current is not None:
            if agreed < current.agreed_on:
                self.problem(("plan_agreed", "plan.primary_route"),
                             f"the primary plan would be agreed on {fmt_date(agreed)}, before the current plan "
                             f"({current.route_label}) was agreed on {fmt_date(current.agreed_on)}")
                return
            if agreed == current.agreed_on and current.origin == TRACKER:  # the sheet's own plan, corrected
                self.ops.append(lambda c, row=current: setattr(row, "route", route))
                return
            if agreed == current.agreed_on:  # another source's plan of that day stays: a disagreement
                plan = PermanencePlan(route=route, kind="primary", agreed_on=agreed, agreed_at=PLAN_AGREED_AT,
                                      **self.origin)
                self.ops.append(lambda c, row=plan: c.plans.append(row))
                return
            self.ops.append(lambda c, row=current: setattr(row, "ended_on", agreed))
        plan = PermanencePlan(route=route, kind="primary", agreed_on=agreed, agreed_at=PLAN_AGREED_AT,
                              **self.origin)
        self.ops.append(lambda c, row=plan: c.plans.append(row))

    def _contingency_plans(self) -> None:
        v = self.row.values
        if "plan.contingency_routes" not in v:
            return
        wanted, day = set(v["plan.contingency_routes"]), v.get("plan_agreed")
        current = self._current_plans(False)
        changed = sorted(wanted ^ {p.route for p in current})
        if changed and day is None:
            self._no_date(("plan.contingency_routes",), "plan_agreed",
                          f"the contingency plans change ({', '.join(changed)})")
            return
        for plan in current:
            if plan.route not in wanted:
                if day < plan.agreed_on:
                    self.problem(("plan_agreed", "plan.contingency_routes"),
                                 f"the {plan.route_label.lower()} contingency plan was agreed on "
                                 f"{fmt_date(plan.agreed_on)}, after {fmt_date(day)}")
                    return
                self.ops.append(lambda c, row=plan: setattr(row, "ended_on", day))
        for route in sorted(wanted - {p.route for p in current}):
            plan = PermanencePlan(route=route, kind="contingency", agreed_on=day, agreed_at=PLAN_AGREED_AT,
                                  **self.origin)
            self.ops.append(lambda c, row=plan: c.plans.append(row))

    def _proceedings(self) -> None:
        issued = self.row.values.get("proceedings_issued")
        if issued is None:
            return
        existing = self.child.proceedings if self.child else []
        if any(p.issued_on == issued for p in existing):
            return
        still_open = [p for p in existing if p.concluded_on is None]
        if still_open:
            self.problem(("proceedings_issued",), f"the record has care proceedings issued on "
                                                  f"{fmt_date(still_open[-1].issued_on)} still open")
            return
        proceedings = CareProceedings(issued_on=issued, **self.origin)
        self.ops.append(lambda c, row=proceedings: c.proceedings.append(row))


_HISTORIES = ("care_periods", "legal_statuses", "placements", "plans", "proceedings", "sheet_notes")


def _existing(case_numbers: list[str]) -> dict[str, Child]:
    stmt = select(Child).where(Child.case_number.in_(case_numbers)).options(
        *(selectinload(getattr(Child, name)) for name in _HISTORIES))
    return {c.case_number: c for c in db.session.execute(stmt).scalars()}


# --- Writing --------------------------------------------------------------------------------------

@dataclass
class TrackerResult(ImportResult):
    """What a tracker import did; ``ignored`` are headings of the file that were not read."""

    unchanged: int = 0
    ignored: list[str] = field(default_factory=list)
    total: int = 0

    def as_dict(self) -> dict:
        return {**super().as_dict(), "unchanged": self.unchanged, "ignored": self.ignored, "total": self.total}


def import_tracker(data: bytes, file: str, layout: TrackerLayout, *, mapping: dict[str, str] | None = None,
                   all_or_nothing: bool = True, progress: Progress | None = None,
                   today: date | None = None) -> TrackerResult:
    """Import a tracker spreadsheet into the current council (see the module docstring). Never commits."""
    today = today or london_today()
    try:
        sheet = read_tracker(data, file, layout, load_directory(), mapping=mapping, today=today, progress=progress)
    except ImportFileError as exc:
        return TrackerResult(errors=[RowError(exc.file, 0, exc.message)])
    result = TrackerResult(errors=list(sheet.errors), ignored=sheet.ignored, total=sheet.total)
    plans: list[_Plan] = []
    bad = {e.child for e in sheet.errors if e.child}
    rows = [r for r in sheet.rows if r.case_number not in bad]  # a child with any bad row is left whole
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        existing = _existing([r.case_number for r in batch])
        for row in batch:
            plan = _Plan(row, existing.get(row.case_number), today, file, sheet.fields, layout).compare()
            if plan.problems:
                result.errors += [RowError(file, row.row, message, row.case_number, column)
                                  for column, message in plan.problems]
            else:
                plans.append(plan)
                result.warnings += [RowError(file, row.row, message, row.case_number, column)
                                    for column, message in plan.notices]
    result.errors.sort(key=lambda e: (e.row, e.column or ""))
    result.warnings.sort(key=lambda e: (e.row, e.column or ""))
    result.skipped = sorted({e.child for e in result.errors if e.child})
    if result.errors and all_or_nothing:
        return result
    for start in range(0, len(plans), BATCH):
        batch = plans[start:start + BATCH]
        for plan in batch:
            child = plan.child
            if child is None:
                child = Child(case_number=plan.row.case_number, first_name="Child", last_name=plan.row.case_number)
                db.session.add(child)
                result.created += 1
            elif plan.ops:
                result.updated += 1
            else:
                result.unchanged += 1
            for op in plan.ops:
                op(child)
        db.session.flush()
        if progress:
            progress("Writing children", start + len(batch), len(plans))
    result.written = True
    return result
