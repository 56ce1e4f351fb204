"""Reading the 903's CSV files: the encoding, the columns, the rows, each numbered as a spreadsheet
shows it (the header line is row 1), and the count of every line so a run's report accounts for all.

Encodings: UTF-8 (with or without Excel's byte-order mark) or Windows-1252, as Excel saves CSV on a
British PC; detected unless declared. A byte that is text in neither (or, declared UTF-8, is not UTF-8)
is reported on its row and column, never a traceback.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Iterator

from ...core.tables import ImportFileError, csv_rows, decode_csv
from .tables import Table

BAD_CHARACTER = "\ufffd"


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
        """For an import run's report: file, row, column and reason."""
        return {"file": self.file, "row": self.row, "column": self.column, "reason": self.message}


@dataclass
class FileCount:
    """What became of each line of one file after the header: ``rows`` = loaded + reported + left
    out + not used (blank lines, and every row of a table Permanence does not use)."""

    file: str
    table: str
    rows: int = 0
    loaded: int = 0
    reported: int = 0
    left_out: int = 0  # good rows of a child not written (a bad row elsewhere, or all-or-nothing refused)
    not_used: int = 0

    def as_dict(self) -> dict:
        return {"file": self.file, "table": self.table, "rows": self.rows, "loaded": self.loaded,
                "reported": self.reported, "left_out": self.left_out, "not_used": self.not_used}

    def __str__(self) -> str:
        return (f"{self.file} ({self.table}): {self.rows} rows = {self.loaded} loaded + {self.reported} reported"
                f" + {self.left_out} left out + {self.not_used} not used")


@dataclass
class TableFile:
    """One file's rows, read and checked for its columns."""

    table: Table
    name: str
    header: list[str]
    rows: list[tuple[int, dict[str, str]]]
    blank: int
    warnings: list[RowError] = field(default_factory=list)


def source_name(source, default: str) -> str:
    """The file name errors are reported against: the path's name, or ``default`` for a stream."""
    name = source if isinstance(source, (str, Path)) else getattr(source, "name", None)  # an open file's path
    return Path(name).name if isinstance(name, (str, Path)) else default


def _text(source, name: str, encoding: str | None) -> str:
    if isinstance(source, (str, Path)):
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ImportFileError(name, f"cannot be read ({exc.strerror})") from None
    else:
        data = source.read()
        if hasattr(source, "seek"):
            source.seek(0)  # read again by import_903 when it reads the files itself
    return decode_csv(data, name, encoding) if isinstance(data, bytes) else data


def read_table(source, table: Table, name: str, encoding: str | None = None) -> TableFile:
    """The rows of one file as ``(row number, {COLUMN: stripped text})``; column names ignore case.
    Raises ImportFileError when a required column is missing (the file is not this table)."""
    reader = csv_rows(io.StringIO(_text(source, name, encoding), newline=""), name)
    try:
        header = [h.strip().lstrip("\ufeff").upper() for h in next(reader)]
    except StopIteration:
        raise ImportFileError(name, "the file is empty") from None
    missing = [c for c in table.columns if c in table.required and c not in header]
    if missing:
        raise ImportFileError(name, f"is not the 903 {table.name} table as the DfE specifies it: missing "
                                    f"column{'s' if len(missing) > 1 else ''} {', '.join(missing)}")
    result = TableFile(table, name, header, [], 0)
    absent = [c for c in table.columns if c not in header]
    if absent:
        result.warnings.append(RowError(name, 0, f"no {', '.join(absent)} column{'s' if len(absent) > 1 else ''}: "
                                                 "read as blank for every row"))
    if not table.used:
        result.warnings.append(RowError(name, 0, f"the {table.name} table is not used: {table.why_not_used}"))
    else:
        unused = [c for c in table.not_used if c in header]
        if unused:
            result.warnings.append(RowError(name, 0, f"column{'s' if len(unused) > 1 else ''} {', '.join(unused)} "
                                                     f"not used: {table.why_not_used}"))
    unknown = [h for h in header if h and h not in table.columns]
    if unknown:
        result.warnings.append(RowError(name, 0, f"column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
                                                 f"not used: not a column of the 903 {table.name} table"))
    for number, values in _numbered(reader):
        if not any(v.strip() for v in values):
            result.blank += 1
            continue
        result.rows.append((number, {col: (values[i].strip() if i < len(values) else "")
                                     for i, col in enumerate(header) if col}))
    return result


def _numbered(reader) -> Iterator[tuple[int, list[str]]]:
    yield from enumerate(reader, start=2)


def parse_date(text: str) -> date:
    """A 903 date: dd/mm/YYYY as the CSVs have it, or ISO YYYY-MM-DD."""
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (expected dd/mm/yyyy)")


def fmt(day: date) -> str:
    return day.strftime("%d/%m/%Y")


class RowCheck:
    """Collects the problems of one row, then reports them as one error (and a bad byte on its own,
    with its column)."""

    def __init__(self, row: dict[str, str], today: date, dates: list[date]):
        self.row = row
        self.today = today
        self.dates = dates  # every good date read, for the collection year
        self.problems: list[str] = []
        self.bad_bytes = [c for c, v in row.items() if BAD_CHARACTER in v]

    def text(self, column: str, *, required: bool = False, max_length: int | None = None) -> str | None:
        value = self.row.get(column, "")
        if column in self.bad_bytes:
            return None  # reported on its own
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

    def date(self, column: str, *, required: bool = False, dates_the_return: bool = True) -> date | None:
        value = self.text(column, required=required)
        if value is None:
            return None
        try:
            day = parse_date(value)
        except ValueError as exc:
            self.problems.append(f"{column} {exc}")
            return None
        if day > self.today:
            self.problems.append(f"{column} {value} is in the future")
            return None
        if dates_the_return:  # a date of birth does not say which year the return is for
            self.dates.append(day)
        return day

    def flag(self, column: str) -> bool | None:
        """A 0/1 answer of the outcomes tables."""
        value = self.text(column)
        if value is None:
            return None
        if value not in ("0", "1"):
            self.problems.append(f"{column} '{value}' is not 0 or 1")
            return None
        return value == "1"

    def number(self, column: str, low: int, high: int) -> int | None:
        value = self.text(column)
        if value is None:
            return None
        if not value.isdigit() or not low <= int(value) <= high:
            self.problems.append(f"{column} '{value}' is not a whole number from {low} to {high}")
            return None
        return int(value)

    def errors(self, file: str, number: int, case: str | None, child: str | None) -> list[RowError]:
        found = [RowError(file, number, message(case, ["a byte that is not text in UTF-8 or Windows-1252 "
                                                        "(save the file as CSV UTF-8)"]), child, column)
                 for column in self.bad_bytes]
        if self.problems:
            found.append(RowError(file, number, message(case, self.problems), child))
        return found


def message(case: str | None, problems: list[str]) -> str:
    prefix = f"child {case}: " if case else ""
    return prefix + "; ".join(problems)
