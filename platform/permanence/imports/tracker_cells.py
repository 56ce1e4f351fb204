"""Pass 1 of the tracker import: read every cell of the spreadsheet and check it.

Each column the mapping reads is turned into its field's value: dates in the council's
formats (or Excel's own dates), its wording for codes (or the codes and their labels), yes
or no, teams and workers by name. A bad cell, a repeated or missing case number, or cells
that contradict one another in a row become one ``RowError`` each, with file, row, column
and reason. Reads the database only for the council's teams and members.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

from sqlalchemy import select

from ..accounts.models import Membership, Team, User
from ..cases import codes
from ..cases.imports import ImportFileError, RowError
from ..core.clock import london_today
from ..extensions import db
from ..tor.tracker import (DAY, IMPORT_FIELDS, IMPORT_KEY, PERSON, SEX, TEAM, TEXT, TrackerLayout, YES_NO,
                           normalise_heading, parse_date)
from ..tor.vocabulary import CODE, CODES
from .spreadsheet import Heading, read_table

BATCH = 200
MAX_LENGTHS = {"case_number": 40, "first_name": 100, "last_name": 100, "name": 201, "ethnicity": 4}
YES = {"yes", "y", "true", "1"}
NO = {"no", "n", "false", "0"}
NONE_WORDS = {"none", "no contingency plan", "n/a"}
SEX_WORDS = {"m": "M", "f": "F", "u": "U", "1": "M", "2": "F", "male": "M", "female": "F", "not known": "U",
             "unknown": "U"}

Progress = Callable[[str, int, int], None]  # (step, done, total)
NOTE = "note"  # the mapping's "Keep as a note on the child": the cell's text is kept as it is
NOTE_LABEL = "Keep as a note on the child"
MAX_NOTE = 2000


@dataclass
class Directory:
    """The council's teams and members by name, for the team and worker columns."""

    teams: dict[str, int] = field(default_factory=dict)
    team_names: list[str] = field(default_factory=list)
    people: dict[str, list[int]] = field(default_factory=dict)


def load_directory() -> Directory:
    """Teams and active members of the current council, keyed by their name as written anywhere."""
    directory = Directory()
    for team in db.session.execute(select(Team).order_by(Team.name)).scalars():
        directory.teams[normalise_heading(team.name)] = team.id
        directory.team_names.append(team.name)
    members = db.session.execute(select(User.id, User.name).join(Membership, Membership.user_id == User.id)
                                 .where(Membership.active.is_(True))).all()
    for user_id, name in members:
        directory.people.setdefault(normalise_heading(name), []).append(user_id)
    return directory


@dataclass
class SheetRow:
    """One good row: the case number, each field's value, and the column each came from."""

    row: int
    case_number: str
    values: dict[str, Any]
    columns: dict[str, str]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (heading as the file writes it, text)

    def column(self, *fields: str) -> str | None:
        return next((self.columns[f] for f in fields if f in self.columns), None)


@dataclass
class TrackerSheet:
    file: str
    rows: list[SheetRow]
    errors: list[RowError]
    total: int
    ignored: list[str]
    fields: dict[str, str] = field(default_factory=dict)  # field -> the heading of the file it is read from


def fmt_date(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _text(raw) -> str:
    text = raw.isoformat() if isinstance(raw, date) else str(raw).strip()
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@":
        text = text[1:]  # the export's guard against spreadsheet formulas
    return text


class _Reader:
    """Turns one cell into a field's value, or raises ValueError saying what is wrong."""

    def __init__(self, layout: TrackerLayout, directory: Directory):
        self.formats = layout.import_date_formats
        self.directory = directory
        self._wording_as_written = {name: dict(layout.codes_for(name))
                                    for name, src in IMPORT_FIELDS.items() if src.type in (CODE, CODES)}
        self.wording = {name: {normalise_heading(k): v for k, v in texts.items()}
                        for name, texts in self._wording_as_written.items()}

    def __call__(self, name: str, raw) -> Any:
        kind = IMPORT_FIELDS[name].type
        if kind == DAY:
            if isinstance(raw, date):
                return raw
            return parse_date(_text(raw), self.formats)
        text = _text(raw)
        if kind == TEXT:
            limit = MAX_LENGTHS.get(name)
            if limit and len(text) > limit:
                raise ValueError(f"'{text[:50]}' is longer than {limit} characters")
            return text.upper() if name == "ethnicity" else text
        if kind == SEX:
            if normalise_heading(text) not in SEX_WORDS:
                raise ValueError(f"'{text}' is not a sex; use M, F or U (or Male, Female, Not known)")
            return SEX_WORDS[normalise_heading(text)]
        if kind == YES_NO:
            word = normalise_heading(text)
            if word not in YES | NO:
                raise ValueError(f"'{text}' is not yes or no")
            return word in YES
        if kind == TEAM:
            team_id = self.directory.teams.get(normalise_heading(text))
            if team_id is None:
                known = ", ".join(self.directory.team_names) or "none yet"
                raise ValueError(f"no team called '{text}' in this council; teams: {known}")
            return team_id
        if kind == PERSON:
            found = self.directory.people.get(normalise_heading(text), [])
            if not found:
                raise ValueError(f"no member of this council is called '{text}'")
            if len(found) > 1:
                raise ValueError(f"{len(found)} members of this council are called '{text}'; "
                                 "set this child's worker on the child's record instead")
            return found[0]
        if kind == CODES:
            if normalise_heading(text) in NONE_WORDS:
                return ()
            parts = [p for p in (s.strip() for s in text.replace(";", ",").replace("\n", ",").split(",")) if p]
            return tuple(dict.fromkeys(self._code(name, p) for p in parts))
        return self._code(name, text)

    def _code(self, name: str, text: str) -> str:
        values = IMPORT_FIELDS[name].codes
        key = normalise_heading(text)
        if key in self.wording[name]:
            return self.wording[name][key]
        for code, label in values.items():
            if key in (code.casefold(), normalise_heading(label), normalise_heading(codes.label(values, code))):
                return code
        head = text.split(":", 1)[0].strip()
        if ":" in text and head.upper() in values:
            return head.upper()
        own = sorted({text for text, code in self._wording_as_written[name].items()})
        hint = f"the council's wording ({', '.join(own)}) or " if own else ""
        what = IMPORT_FIELDS[name].label.lower()
        raise ValueError(f"'{text}' is not a known {what}; use {hint}a code: {', '.join(values)}")


def _columns(table_headings: list[Heading], mapping: dict[str, str]) -> tuple[list[tuple[Heading, str]], list[str]]:
    """Which heading of the file fills which field, and the headings not read."""
    used, ignored = [], []
    for heading in table_headings:
        target = mapping.get(normalise_heading(heading.text))
        (used.append((heading, target)) if target else ignored.append(heading.text))
    return used, ignored


def read_tracker(data: bytes, file: str, layout: TrackerLayout, directory: Directory, *,
                 mapping: dict[str, str] | None = None, today: date | None = None,
                 progress: Progress | None = None) -> TrackerSheet:
    """Read and check every cell of the spreadsheet (pass 1). ``mapping`` (heading -> field,
    headings in any case) replaces the layout's; raises ImportFileError for an unreadable file."""
    today = today or london_today()
    table = read_table(data, file, sheet=layout.sheet, header_row=layout.reading.header_row)
    wanted = {normalise_heading(h): f for h, f in (mapping if mapping is not None else layout.import_mapping()).items()
              if f}
    unknown = sorted({f for f in wanted.values() if f not in IMPORT_FIELDS and f != NOTE})
    if unknown:
        raise ImportFileError(file, f"the mapping names unknown field(s) {', '.join(unknown)}")
    used, ignored = _columns(table.headings, wanted)
    by_field: dict[str, list[Heading]] = {}
    for heading, target in used:
        by_field.setdefault(target, []).append(heading)
    twice = {f: hs for f, hs in by_field.items() if len(hs) > 1 and f != NOTE}
    if twice:
        f, hs = next(iter(twice.items()))
        raise ImportFileError(file, f"columns {' and '.join(h.label for h in hs)} both fill {f}; map only one")
    if IMPORT_KEY not in by_field:
        expected = [h for h, f in mapping.items() if f == IMPORT_KEY] if mapping is not None \
            else layout.headings_for(IMPORT_KEY)
        raise ImportFileError(file, "no column gives the case number" + (
            f" (expected a heading {' or '.join(repr(e) for e in expected)})" if expected else "")
            + "; map one of its headings to the case number")
    read = _Reader(layout, directory)
    sheet = TrackerSheet(file, [], [], len(table.rows), ignored,
                         {f: hs[0].label for f, hs in by_field.items() if f != NOTE})
    seen: dict[str, int] = {}
    key_column = by_field[IMPORT_KEY][0]
    for n, (number, values) in enumerate(table.rows, start=1):
        row_values, columns, problems, notes = {}, {}, [], []
        for heading, target in used:
            raw = values[heading.index] if heading.index < len(values) else None
            if raw is None or (isinstance(raw, str) and not raw.strip()):
                continue
            if target == NOTE:
                text = fmt_date(raw) if isinstance(raw, date) else _text(raw)
                if len(text) > MAX_NOTE or len(heading.text.strip()) > 100:
                    problems.append((heading.label, f"a note is kept up to {MAX_NOTE} characters under a heading of "
                                                    "up to 100; shorten the cell or its heading"))
                else:
                    notes.append((heading.text.strip(), text))
                continue
            columns[target] = heading.label
            try:
                row_values[target] = read(target, raw)
            except ValueError as exc:
                problems.append((heading.label, str(exc)))
        case = row_values.get(IMPORT_KEY)
        if not case and key_column.label not in [p[0] for p in problems]:
            problems.append((key_column.label, "the case number is blank"))
        elif case in seen:
            problems.append((key_column.label, f"case number {case} is also on row {seen[case]}; "
                                               "a child has one row"))
        elif case:
            seen[case] = number
        row = SheetRow(number, case or "", row_values, columns, notes)
        problems += _row_problems(row, today)
        if problems:
            sheet.errors += [RowError(file, number, message, case or None, column) for column, message in problems]
        else:
            sheet.rows.append(row)
        if progress and (n % BATCH == 0 or n == len(table.rows)):
            progress("Checking rows", n, len(table.rows))
    return sheet


def _row_problems(row: SheetRow, today: date) -> list[tuple[str, str]]:
    """Checks between the cells of one row."""
    v, problems = row.values, []
    needs = {"legal_status_start": ("legal_status",), "placement_start": ("placement.type",),
             "plan_agreed": ("plan.primary_route", "plan.contingency_routes")}
    for given, wanted in needs.items():
        if given in v and not any(w in row.columns for w in wanted):
            missing = " or ".join(IMPORT_FIELDS[w].label.lower() for w in wanted)
            problems.append((row.columns[given], f"is given but the {missing} is blank; give both"))
    dob = v.get("date_of_birth")
    if dob and dob > today:
        problems.append((row.columns["date_of_birth"], f"date of birth {fmt_date(dob)} is in the future; "
                                                       "use the expected date of birth for an unborn child"))
    for name in ("entered_care", "legal_status_start", "placement_start", "plan_agreed", "proceedings_issued"):
        day = v.get(name)
        if day is None:
            continue
        if day > today:
            problems.append((row.columns[name], f"{fmt_date(day)} is in the future"))
        elif dob and day < dob and name != "proceedings_issued":
            problems.append((row.columns[name], f"{fmt_date(day)} is before the child's date of birth {fmt_date(dob)}"))
    entered = v.get("entered_care")
    for name in ("legal_status_start", "placement_start"):
        if entered and v.get(name) and v[name] < entered:
            problems.append((row.columns[name], f"{fmt_date(v[name])} is before the child became looked after "
                                                f"({fmt_date(entered)})"))
    return problems
