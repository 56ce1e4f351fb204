"""Checking every row of an extract: :func:`read_903` reads the files (Header, Episodes and Reviews,
and any of the other tables given) into what each child's record will hold, and reports each bad row
with its file, row number and reason, once, on the row at fault: a row that follows a rejected one is
not blamed for it (an episode after a rejected one is not checked against it, and an X1 episode
followed by a rejected one is not told a new episode is missing)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from ...core.clock import london_today
from .. import codes
from .reading import FileCount, RowCheck, RowError, TableFile, fmt, message, read_table, source_name
from .tables import NEEDED, ROLES, TABLES

OLD_SEX_CODES = {"1": "M", "2": "F"}  # before 2024-25
PARTIAL_DATE = re.compile(r"^(\d\d|zz)/(\d\d|zz)/\d{4}$", re.IGNORECASE)
SDQ_REASONS = frozenset({"SDQ1", "SDQ2", "SDQ3", "SDQ4", "SDQ5"})
OC2_FLAGS = ("CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
             "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")


@dataclass
class Episode:
    row: int
    decom: date | None
    rne: str | None
    ls: str | None
    cin: str | None
    place: str | None
    provider: str | None
    dec: date | None
    rec: str | None
    reason_place_change: str | None
    urn: str | None
    rejected: bool = False


@dataclass
class ChildRows:
    """Everything the extract says about one child."""

    case_number: str
    row: int
    sex: str
    dob: date
    ethnicity: str | None
    episodes: list[Episode] = field(default_factory=list)
    rejected_episodes: list[Episode] = field(default_factory=list)
    reviews: dict[date, tuple[int, str | None]] = field(default_factory=dict)
    adoption_decisions: list[tuple[date, date | None, str | None]] = field(default_factory=list)
    adoption: dict | None = None  # AD1
    previous_permanence: dict | None = None
    missing: list[tuple[str, date, date | None]] = field(default_factory=list)
    uasc: dict | None = None
    outcomes: dict = field(default_factory=dict)  # OC2 and OC3 columns by field name


@dataclass
class Extract:
    """The parsed extract: good children by case number, every bad row, the warnings (a column or a
    table not used or missing) and, per file, which child each row was about."""

    children: dict[str, ChildRows]
    errors: list[RowError]
    warnings: list[RowError] = field(default_factory=list)
    files: dict[str, TableFile] = field(default_factory=dict)
    reported: dict[str, set[int]] = field(default_factory=dict)  # role -> rows with an error
    row_cases: dict[str, dict[int, str | None]] = field(default_factory=dict)  # role -> row -> case
    collection_year: str | None = None  # "2025-26": the 903 year (1 April - 31 March) of its latest date

    @property
    def bad_children(self) -> set[str]:
        return {e.child for e in self.errors if e.child is not None}

    def clean_children(self) -> list[ChildRows]:
        bad = self.bad_children
        return [c for c in self.children.values() if c.case_number not in bad]

    def accounting(self, written: set[str]) -> list[FileCount]:
        """Per file: every line after the header, loaded (its child was written), reported, left out
        (a good row of a child not written) or not used (blank, or a table not used)."""
        counts = []
        for role, table_file in self.files.items():
            count = FileCount(table_file.name, table_file.table.name, rows=len(table_file.rows) + table_file.blank,
                              not_used=table_file.blank)
            if not table_file.table.used:
                count.not_used += len(table_file.rows)
            else:
                reported = self.reported.get(role, set())
                for number, case in self.row_cases.get(role, {}).items():
                    if number in reported:
                        count.reported += 1
                    elif case in written:
                        count.loaded += 1
                    else:
                        count.left_out += 1
            counts.append(count)
        return counts


def collection_year(days: list[date]) -> str | None:
    """The 903 year (1 April to 31 March) of the latest date: 2025-26 for 15/02/2026."""
    if not days:
        return None
    latest = max(days)
    start = latest.year if latest.month >= 4 else latest.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def read_903(header=None, episodes=None, reviews=None, *, names=None, others: dict | None = None,
             encoding: str | None = None, today: date | None = None) -> Extract:
    """Parse and check the tables (paths, byte or text streams): Header, Episodes and Reviews, and any
    of ``others`` (``{role: source}``, roles of ``tables.TABLES``). ``names`` gives the file names
    errors name (a tuple for the three, or ``{role: name}``). Raises ImportFileError if a file cannot
    be read at all or lacks a required column. Every bad row becomes a :class:`RowError`."""
    sources = {"header": header, "episodes": episodes, "reviews": reviews, **(others or {})}
    if isinstance(names, (tuple, list)):
        names = dict(zip(NEEDED, names))
    names = names or {}
    return _Reader(today or london_today()).read(
        {role: (names.get(role) or source_name(sources[role], TABLES[role].default_file), sources[role])
         for role in ROLES if sources.get(role) is not None}, encoding)


class _Reader:
    def __init__(self, today: date):
        self.today = today
        self.extract = Extract({}, [])
        self.dates: list[date] = []
        self.seen: dict[str, int] = {}  # case number -> its header row
        self.once: dict[tuple[str, str], int] = {}  # (role, case) -> row, for one-row-per-child tables
        self.row_lists: dict[tuple[str, str], list[int]] = {}  # (case, role) -> the rows kept, in order

    def read(self, sources: dict, encoding: str | None) -> Extract:
        x = self.extract
        for role in NEEDED:
            if role not in sources:
                raise ValueError(f"the 903 {TABLES[role].name} table is needed")
        for role, (name, source) in sources.items():  # every file's columns first: a bad file stops all
            x.files[role] = read_table(source, TABLES[role], name, encoding)
            x.warnings.extend(x.files[role].warnings)
        for role, table_file in x.files.items():
            if table_file.table.used:
                handler = getattr(self, f"_{role}")
                for number, row in table_file.rows:
                    check = RowCheck(row, self.today, self.dates)
                    case = check.text("CHILD", required=True, max_length=40)
                    x.row_cases.setdefault(role, {})[number] = case
                    handler(table_file.name, number, row, check, case)
        for child in x.children.values():
            self._check_sequence(child, x.files["episodes"].name)
        order = {t.name: i for i, t in enumerate(x.files.values())}
        x.errors.sort(key=lambda e: (order.get(e.file, 0), e.row))
        x.collection_year = collection_year(self.dates)
        return x

    # --- helpers -------------------------------------------------------------------------------

    def _report(self, role: str, errors: list[RowError]) -> None:
        for error in errors:
            self.extract.errors.append(error)
            self.extract.reported.setdefault(role, set()).add(error.row)

    def _finish(self, role: str, name: str, number: int, check: RowCheck, case: str | None) -> bool:
        """Report the row's problems; True if it is good."""
        errors = check.errors(name, number, case, case if case in self.seen else None)
        self._report(role, errors)
        return not errors

    def _child(self, role: str, row: dict, check: RowCheck, case: str | None):
        """The header's child this row is about (None if the header rejected it), checking the row's DOB."""
        table = TABLES[role].name
        if case and case not in self.seen:
            check.problems.append(f"{table} row for child {case}, who is not in the header file"
                                  if role not in ("episodes", "reviews") else
                                  f"{role[:-1]} for child {case}, who is not in the header file")
            return None
        child = self.extract.children.get(case)
        if child and "DOB" in row and role != "header":
            dob = check.date("DOB", dates_the_return=False)
            if dob and dob != child.dob:
                check.problems.append(f"DOB {row['DOB']} differs from the header file's")
        return child

    def _one_per_child(self, role: str, number: int, check: RowCheck, case: str | None) -> None:
        if not case:
            return
        first = self.once.setdefault((role, case), number)
        if first != number:
            check.problems.append(f"also on row {first}: a child has one row in the {TABLES[role].name} table")

    # --- the tables ----------------------------------------------------------------------------

    def _header(self, name, number, row, check, case):
        sex = check.code("SEX", codes.SEXES, required=True, aliases=OLD_SEX_CODES)
        dob = check.date("DOB", required=True, dates_the_return=False)
        ethnic = check.text("ETHNIC", max_length=4)
        if case in self.seen:
            check.problems.append(f"also on row {self.seen[case]}: a child appears once in the header file")
        elif case:
            self.seen[case] = number
        if self._finish("header", name, number, check, case) and case:
            self.extract.children[case] = ChildRows(case, number, sex, dob, ethnic)

    def _episodes(self, name, number, row, check, case):
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
        child = self._child("episodes", row, check, case)
        if child and episode.decom and episode.decom < child.dob:
            check.problems.append(f"DECOM {row['DECOM']} is before the child's date of birth")
        if self._finish("episodes", name, number, check, case):
            if child:
                child.episodes.append(episode)
        elif child:
            episode.rejected = True  # kept for its place in the sequence, never written
            child.rejected_episodes.append(episode)

    def _reviews(self, name, number, row, check, case):
        held = check.date("REVIEW", required=True)
        participation = check.code("REVIEW_CODE", codes.PARTICIPATION)
        child = self._child("reviews", row, check, case)
        if child and held:
            if held < child.dob:
                check.problems.append(f"REVIEW {row['REVIEW']} is before the child's date of birth")
            elif held in child.reviews:
                check.problems.append(f"also on row {child.reviews[held][0]}: a second review on {fmt(held)}")
        if self._finish("reviews", name, number, check, case) and child:
            child.reviews[held] = (number, participation)

    def _uasc(self, name, number, row, check, case):
        ceased = check.date("DUC")
        child = self._child("uasc", row, check, case)
        self._one_per_child("uasc", number, check, case)
        if child and ceased and ceased < child.dob:
            check.problems.append(f"DUC {row['DUC']} is before the child's date of birth")
        if self._finish("uasc", name, number, check, case) and child:
            child.uasc = {"ceased_on": ceased}

    def _placed_adoption(self, name, number, row, check, case):
        placed = check.date("DATE_PLACED", required=True)
        ceased = check.date("DATE_PLACED_CEASED")
        reason = check.code("REASON_PLACED_CEASED", codes.REASONS_PLACED_CEASED)
        if bool(row.get("DATE_PLACED_CEASED")) != bool(row.get("REASON_PLACED_CEASED")):
            check.problems.append("DATE_PLACED_CEASED and REASON_PLACED_CEASED go together: give both or neither")
        if placed and ceased and ceased < placed:
            check.problems.append(f"DATE_PLACED_CEASED {row['DATE_PLACED_CEASED']} is before DATE_PLACED "
                                  f"{row['DATE_PLACED']}")
        child = self._child("placed_adoption", row, check, case)
        if child and placed:
            first = next((r for r, (d, _, _) in zip(self._rows_of(child, "placed_adoption"), child.adoption_decisions)
                          if d == placed), None)
            if first:
                check.problems.append(f"also on row {first}: the same decision on {fmt(placed)}")
        if self._finish("placed_adoption", name, number, check, case) and child:
            child.adoption_decisions.append((placed, ceased, reason))
            self._rows_of(child, "placed_adoption").append(number)

    def _ad1(self, name, number, row, check, case):
        values = {
            "decided_on": check.date("DATE_INT"),
            "matched_on": check.date("DATE_MATCH"),
            "by_foster_carer": check.flag("FOSTER_CARE"),
            "number_of_adopters": check.number("NB_ADOPTR", 1, 2),
            "adopter_sex": check.code("SEX_ADOPTR", codes.ADOPTER_SEXES),
            "adopter_status": check.code("LS_ADOPTR", codes.ADOPTER_STATUSES),
        }
        if values["decided_on"] and values["matched_on"] and values["matched_on"] < values["decided_on"]:
            check.problems.append(f"DATE_MATCH {row['DATE_MATCH']} is before DATE_INT {row['DATE_INT']}")
        child = self._child("ad1", row, check, case)
        self._one_per_child("ad1", number, check, case)
        if self._finish("ad1", name, number, check, case) and child:
            child.adoption = values

    def _prev_perm(self, name, number, row, check, case):
        arrangement = check.code("PREV_PERM", codes.PREVIOUS_PERMANENCE, required=True)
        authority = check.text("LA_PERM", max_length=10)
        when = check.text("DATE_PERM")
        if when and not PARTIAL_DATE.match(when):
            check.problems.append(f"DATE_PERM '{when}' is not a date (dd/mm/yyyy, zz for a part not known)")
            when = None
        child = self._child("prev_perm", row, check, case)
        self._one_per_child("prev_perm", number, check, case)
        if self._finish("prev_perm", name, number, check, case) and child:
            child.previous_permanence = {"arrangement": arrangement, "local_authority": authority,
                                         "when": when.lower() if when else None}

    def _missing(self, name, number, row, check, case):
        kind = check.code("MISSING", codes.MISSING_KINDS, required=True)
        start = check.date("MIS_START", required=True)
        end = check.date("MIS_END")
        if start and end and end < start:
            check.problems.append(f"MIS_END {row['MIS_END']} is before MIS_START {row['MIS_START']}")
        child = self._child("missing", row, check, case)
        if child and start:
            if start < child.dob:
                check.problems.append(f"MIS_START {row['MIS_START']} is before the child's date of birth")
            first = next((r for r, (_, s, _) in zip(self._rows_of(child, "missing"), child.missing) if s == start),
                         None)
            if first:
                check.problems.append(f"also on row {first}: a second missing episode starting {fmt(start)}")
        if self._finish("missing", name, number, check, case) and child:
            child.missing.append((kind, start, end))
            self._rows_of(child, "missing").append(number)

    def _oc2(self, name, number, row, check, case):
        values = {"sdq_score": check.number("SDQ_SCORE", 0, 40),
                  "sdq_reason": check.code("SDQ_REASON", SDQ_REASONS)}
        values.update({column.lower(): check.flag(column) for column in OC2_FLAGS})
        child = self._child("oc2", row, check, case)
        self._one_per_child("oc2", number, check, case)
        if self._finish("oc2", name, number, check, case) and child:
            child.outcomes.update(values)

    def _oc3(self, name, number, row, check, case):
        values = {"in_touch": check.text("IN_TOUCH", max_length=4), "activity": check.text("ACTIV", max_length=2),
                  "accommodation": check.text("ACCOM", max_length=2)}
        values = {k: v.upper() if v else v for k, v in values.items()}
        child = self._child("oc3", row, check, case)
        self._one_per_child("oc3", number, check, case)
        if self._finish("oc3", name, number, check, case) and child:
            child.outcomes.update(values)

    def _rows_of(self, child: ChildRows, role: str) -> list[int]:
        return self.row_lists.setdefault((child.case_number, role), [])

    # --- the order of episodes -----------------------------------------------------------------

    def _check_sequence(self, child: ChildRows, name: str) -> None:
        """Episodes must follow one another: no overlap, X1 means the next starts that day, a child
        who left care comes back with RNE S. A rejected episode (reported on its own row) is not
        checked against, and no row is blamed for it."""
        child.episodes.sort(key=lambda e: (e.decom, e.row))
        placed = sorted(child.episodes + [e for e in child.rejected_episodes if e.decom],
                        key=lambda e: (e.decom, e.row))
        errors = []
        for before, after in zip(placed, placed[1:]):
            if before.rejected or after.rejected:
                continue
            problem = None
            if before.dec is None:
                problem = f"episode starting {fmt(after.decom)} begins while the one from {fmt(before.decom)} is open"
            elif after.decom < before.dec:
                problem = f"episode starting {fmt(after.decom)} overlaps the one ending {fmt(before.dec)}"
            elif before.rec == "X1" and after.decom != before.dec:
                problem = (f"the previous episode ended {fmt(before.dec)} with REC X1 (a new episode the same day) "
                           f"but this one starts {fmt(after.decom)}")
            elif before.rec != "X1" and after.rne != "S":
                problem = f"the child left care on {fmt(before.dec)}, so this episode needs RNE S, not {after.rne}"
            if problem:
                errors.append(RowError(name, after.row, message(child.case_number, [problem]), child.case_number))
        undated_rejects = any(e.decom is None for e in child.rejected_episodes)
        if placed and not placed[-1].rejected and placed[-1].rec == "X1" and not undated_rejects:
            errors.append(RowError(name, placed[-1].row, message(
                child.case_number, ["REC X1 says a new episode follows, but there is none"]), child.case_number))
        self._report("episodes", errors)
