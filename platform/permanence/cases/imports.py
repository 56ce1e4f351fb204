"""Import children and their histories from an SSDA903 extract (the DfE CSV tables).

The 903 is the one extract every council's case system already produces
(domain.md §4), so it is how a council's children and their legal-status,
placement, care and review histories arrive. Reading is separate from writing:
:func:`read_903` parses and checks every row of the Header, Episodes and Reviews
files and reports each bad one with its file, row number (the header line is
row 1, as a spreadsheet shows it) and reason; :func:`import_903` then writes the
children whose rows were all good. Either nothing is written when any row is bad
(all-or-nothing), or every clean child is (partial); a child with any bad row is
skipped whole, never half-written. Children are matched on case number (903
CHILD), so re-importing replaces a child's imported histories, never what a
worker entered by hand, and never duplicates the child. The service never commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
import io
from pathlib import Path
from typing import Callable, Iterable, TextIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..core.clock import london_today
from ..core.provenance import SSDA903
from ..core.tables import ImportFileError, csv_rows
from ..extensions import db
from . import codes
from .models import CarePeriod, Child, LegalStatus, Placement, Review

HEADER_COLUMNS = ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB")
EPISODE_COLUMNS = ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
                   "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN")
REVIEW_COLUMNS = ("CHILD", "DOB", "REVIEW", "REVIEW_CODE")
# Columns a row cannot do without; the rest may be blank (UPN, postcodes, ...).
REQUIRED = {"CHILD", "SEX", "DOB", "DECOM", "RNE", "LS", "CIN", "PLACE", "REVIEW"}
LONG_TERM_FOSTERING = frozenset({"U1", "U4"})  # a long-term foster placement is a permanent home
OLD_SEX_CODES = {"1": "M", "2": "F"}  # before 2024-25
BATCH = 200


@dataclass(frozen=True)
class RowError:
    """One bad row: where it is (the column too, when one cell is at fault) and what is wrong."""

    file: str
    row: int
    message: str
    child: str | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}, row {self.row}" if self.row else self.file
        if self.column:
            where += f", column {self.column}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        """For an import run's error report: file, row, column and reason."""
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.message}


@dataclass
class Episode:
    row: int
    decom: date
    rne: str
    ls: str
    cin: str
    place: str
    provider: str | None
    dec: date | None
    rec: str | None
    reason_place_change: str | None
    urn: str | None


@dataclass
class ChildRows:
    """Everything the extract says about one child."""

    case_number: str
    row: int
    sex: str
    dob: date
    ethnicity: str | None
    episodes: list[Episode] = field(default_factory=list)
    reviews: dict[date, str | None] = field(default_factory=dict)


@dataclass
class Extract:
    """The parsed extract: good children by case number, and every bad row."""

    children: dict[str, ChildRows]
    errors: list[RowError]

    @property
    def bad_children(self) -> set[str]:
        return {e.child for e in self.errors if e.child is not None}

    def clean_children(self) -> list[ChildRows]:
        bad = self.bad_children
        return [c for c in self.children.values() if c.case_number not in bad]


@dataclass
class ImportResult:
    """What an import did (or, for all-or-nothing with errors, would have done)."""

    created: int = 0
    updated: int = 0
    skipped: list[str] = field(default_factory=list)  # case numbers left out because of bad rows
    errors: list[RowError] = field(default_factory=list)
    written: bool = False

    def as_dict(self) -> dict:
        return {"created": self.created, "updated": self.updated, "skipped": self.skipped,
                "errors": [str(e) for e in self.errors], "written": self.written}


# --- Reading ------------------------------------------------------------------------------------

def parse_date(text: str) -> date:
    """A 903 date: dd/mm/YYYY as the CSVs have it, or ISO YYYY-MM-DD."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected dd/mm/yyyy)")


def _rows(source, name: str, columns: tuple[str, ...]) -> Iterable[tuple[int, dict[str, str]]]:
    """Rows of one CSV as ``(row number, {COLUMN: stripped text})``; column names ignore case."""
    try:
        handle: TextIO = io.StringIO(source.read()) if hasattr(source, "read") else \
            open(source, encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise ImportFileError(name, f"cannot be read ({exc.strerror})") from None
    with handle:
        reader = csv_rows(handle, name)
        try:
            header = [h.strip().lstrip("\ufeff").upper() for h in next(reader)]
        except StopIteration:
            raise ImportFileError(name, "the file is empty") from None
        missing = [c for c in columns if c in REQUIRED and c not in header]
        if missing:
            raise ImportFileError(name, f"missing column(s) {', '.join(missing)}")
        for number, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            yield number, {col: (values[i].strip() if i < len(values) else "") for i, col in enumerate(header)}


class _RowCheck:
    """Collects the problems of one row, then reports them as one error."""

    def __init__(self, row: dict[str, str]):
        self.row = row
        self.problems: list[str] = []

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.row.get(column, "")
        if not value:
            if required:
                self.problems.append(f"{column} is blank")
            return None
        if max_length and len(value) > max_length:
            self.problems.append(f"{column} is longer than {max_length} characters")
            return None
        return value

    def code(self, column: str, valid, *, required: bool = False, aliases=None) -> str | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        value = (aliases or {}).get(value, value.upper())
        if value not in valid:
            self.problems.append(f"{column} '{self.row[column]}' is not a known code")
            return None
        return value

    def date(self, column: str, *, required: bool = False) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            return parse_date(value)
        except ValueError as exc:
            self.problems.append(f"{column} {exc}")
            return None


def read_903(header, episodes, reviews, *, names: tuple[str, str, str] | None = None) -> Extract:
    """Parse and check the three tables (paths or text streams); raises ImportFileError if a file
    cannot be read at all. Every bad row becomes a :class:`RowError`."""
    names = names or tuple(_name(s, default) for s, default in
                           zip((header, episodes, reviews), ("header.csv", "episodes.csv", "reviews.csv")))
    h_name, e_name, r_name = names
    children: dict[str, ChildRows] = {}
    errors: list[RowError] = []
    seen: dict[str, int] = {}  # case number -> its header row

    for number, row in _rows(header, h_name, HEADER_COLUMNS):
        check = _RowCheck(row)
        case = check.text("CHILD", required=True, max_length=40)
        sex = check.code("SEX", codes.SEXES, required=True, aliases=OLD_SEX_CODES)
        dob = check.date("DOB", required=True)
        ethnic = check.text("ETHNIC", max_length=4)
        if dob and dob > london_today():
            check.problems.append(f"DOB {row['DOB']} is in the future")
        if case in seen:
            check.problems.append(f"also on row {seen[case]}: a child appears once in the header file")
        elif case:
            seen[case] = number
        if check.problems:
            errors.append(RowError(h_name, number, _message(case, check.problems), case))
        elif case:
            children[case] = ChildRows(case, number, sex, dob, ethnic)

    for number, row in _rows(episodes, e_name, EPISODE_COLUMNS):
        check = _RowCheck(row)
        case = check.text("CHILD", required=True)
        episode = Episode(
            row=number,
            decom=check.date("DECOM", required=True),
            rne=check.code("RNE", codes.REASONS_NEW_EPISODE, required=True),
            ls=check.code("LS", codes.LEGAL_STATUSES, required=True),
            cin=check.code("CIN", codes.CATEGORIES_OF_NEED, required=True),
            place=check.code("PLACE", codes.PLACEMENT_TYPES, required=True),
            provider=check.code("PLACE_PROVIDER", codes.PLACEMENT_PROVIDERS),
            dec=check.date("DEC"),
            rec=check.code("REC", codes.REASONS_CEASED),
            reason_place_change=check.code("REASON_PLACE_CHANGE", codes.REASONS_PLACE_CHANGE),
            urn=check.text("URN", max_length=10),
        )
        if episode.decom and episode.dec and episode.dec < episode.decom:
            check.problems.append(f"DEC {row['DEC']} is before DECOM {row['DECOM']}")
        if row.get("DEC") and not row.get("REC"):
            check.problems.append("DEC is set but REC is blank")
        if row.get("REC") and not row.get("DEC"):
            check.problems.append("REC is set but DEC is blank")
        child = children.get(case)
        if case and case not in seen:
            check.problems.append(f"episode for child {case}, who is not in the header file")
        elif child and episode.decom and episode.decom < child.dob:
            check.problems.append(f"DECOM {row['DECOM']} is before the child's date of birth")
        if check.problems:
            errors.append(RowError(e_name, number, _message(case, check.problems), case if case in seen else None))
        elif child:
            child.episodes.append(episode)

    for number, row in _rows(reviews, r_name, REVIEW_COLUMNS):
        check = _RowCheck(row)
        case = check.text("CHILD", required=True)
        held = check.date("REVIEW", required=True)
        participation = check.code("REVIEW_CODE", codes.PARTICIPATION)
        dob = check.date("DOB")
        child = children.get(case)
        if case and case not in seen:
            check.problems.append(f"review for child {case}, who is not in the header file")
        elif child:
            if dob and dob != child.dob:
                check.problems.append(f"DOB {row['DOB']} differs from the header file's")
            if held and held < child.dob:
                check.problems.append(f"REVIEW {row['REVIEW']} is before the child's date of birth")
        if check.problems:
            errors.append(RowError(r_name, number, _message(case, check.problems), case if case in seen else None))
        elif child:
            child.reviews[held] = participation or child.reviews.get(held)

    for child in children.values():
        errors.extend(_check_sequence(child, e_name))
    errors.sort(key=lambda e: (names.index(e.file), e.row))
    return Extract(children, errors)


def _name(source, default: str) -> str:
    """The file name errors are reported against: the path's name, or ``default`` for a stream."""
    if isinstance(source, (str, Path)):
        return Path(source).name
    return default


def _message(case: str | None, problems: list[str]) -> str:
    prefix = f"child {case}: " if case else ""
    return prefix + "; ".join(problems)


def _fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _check_sequence(child: ChildRows, name: str) -> list[RowError]:
    """Episodes must follow one another: no overlap, X1 means the next starts that day, a child
    who left care comes back with RNE S."""
    child.episodes.sort(key=lambda e: e.decom)
    errors = []
    for before, after in zip(child.episodes, child.episodes[1:]):
        problem = None
        if before.dec is None:
            problem = f"episode starting {_fmt(after.decom)} begins while the one from {_fmt(before.decom)} is open"
        elif after.decom < before.dec:
            problem = f"episode starting {_fmt(after.decom)} overlaps the one ending {_fmt(before.dec)}"
        elif before.rec == "X1" and after.decom != before.dec:
            problem = (f"the previous episode ended {_fmt(before.dec)} with REC X1 (a new episode the same day) "
                       f"but this one starts {_fmt(after.decom)}")
        elif before.rec != "X1" and after.rne != "S":
            problem = f"the child left care on {_fmt(before.dec)}, so this episode needs RNE S, not {after.rne}"
        if problem:
            errors.append(RowError(name, after.row, _message(child.case_number, [problem]), child.case_number))
    if child.episodes and child.episodes[-1].rec == "X1":
        last = child.episodes[-1]
        errors.append(RowError(name, last.row, _message(
            child.case_number, ["REC X1 says a new episode follows, but there is none"]), child.case_number))
    return errors


# --- Building histories -------------------------------------------------------------------------

def build_histories(child: ChildRows) -> tuple[list[CarePeriod], list[LegalStatus], list[Placement], list[Review]]:
    """Periods of care, legal statuses and placements from the episodes (merging episodes that only
    change the other dimension), and reviews. A period starts with RNE S (or the extract's first
    episode) and ends with any REC but X1."""
    periods: list[CarePeriod] = []
    statuses: list[LegalStatus] = []
    placements: list[Placement] = []
    for ep in child.episodes:
        new_period = ep.rne == "S" or not periods or periods[-1].end is not None
        if new_period:
            periods.append(CarePeriod(start=ep.decom, end=None, category_of_need=ep.cin, origin=SSDA903))
        if not new_period and statuses[-1].code == ep.ls:
            statuses[-1].end = ep.dec
        else:
            statuses.append(LegalStatus(code=ep.ls, start=ep.decom, end=ep.dec, origin=SSDA903))
        if not new_period and ep.rne == "L" and placements[-1].place == ep.place:
            current = placements[-1]
            current.end, current.reason_for_change = ep.dec, ep.reason_place_change
        else:
            permanent = ep.place in LONG_TERM_FOSTERING
            placements.append(Placement(
                place=ep.place, provider=ep.provider, start=ep.decom, end=ep.dec, urn=ep.urn,
                reason_for_change=ep.reason_place_change, approved_as_permanent=permanent,
                approved_permanent_on=ep.decom if permanent else None, origin=SSDA903))
        if ep.rec and ep.rec != "X1":
            periods[-1].end, periods[-1].reason_ceased = ep.dec, ep.rec
    reviews = [Review(held_on=day, participation=code, origin=SSDA903) for day, code in sorted(child.reviews.items())]
    return periods, statuses, placements, reviews


# --- Writing ------------------------------------------------------------------------------------

def import_903(header, episodes, reviews, *, all_or_nothing: bool = True,
               progress: Callable[[int], None] | None = None, extract: Extract | None = None) -> ImportResult:
    """Import an extract into the current tenant; see the module docstring for the rules.

    ``progress(n)`` is called as each batch of ``n`` children is written. Never commits."""
    try:
        extract = extract or read_903(header, episodes, reviews)
    except ImportFileError as exc:
        return ImportResult(errors=[RowError(exc.file, 0, exc.message)])
    result = ImportResult(errors=extract.errors, skipped=sorted(extract.bad_children & set(extract.children)))
    if extract.errors and all_or_nothing:
        return result
    clean = extract.clean_children()
    for start in range(0, len(clean), BATCH):
        batch = clean[start:start + BATCH]
        existing = _existing_children([c.case_number for c in batch])
        for rows in batch:
            child = existing.get(rows.case_number)
            if child is None:
                child = Child(case_number=rows.case_number, first_name="Child", last_name=rows.case_number)
                db.session.add(child)
                result.created += 1
            else:
                _drop_imported(child)
                result.updated += 1
            child.date_of_birth, child.sex, child.ethnicity = rows.dob, rows.sex, rows.ethnicity
            periods, statuses, placements, child_reviews = build_histories(rows)
            child.care_periods.extend(periods)
            child.legal_statuses.extend(statuses)
            child.placements.extend(placements)
            child.reviews.extend(child_reviews)
        db.session.flush()
        if progress:
            progress(len(batch))
    result.written = True
    return result


_IMPORTED = ("care_periods", "legal_statuses", "placements", "reviews")


def _existing_children(case_numbers: list[str]) -> dict[str, Child]:
    stmt = select(Child).where(Child.case_number.in_(case_numbers)).options(
        *(selectinload(getattr(Child, name)) for name in _IMPORTED))
    return {c.case_number: c for c in db.session.execute(stmt).scalars()}


def _drop_imported(child: Child) -> None:
    """Remove the rows a previous 903 import wrote (each delete is audited); what a person, an API
    client or a tracker spreadsheet wrote stays."""
    for name in _IMPORTED:
        rows = getattr(child, name)
        for row in [r for r in rows if r.origin == SSDA903]:
            rows.remove(row)  # delete-orphan: deleted (and audited) at the batch's flush
