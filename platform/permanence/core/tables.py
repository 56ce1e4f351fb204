"""Reading an uploaded table (CSV) within limits, for every import: the children's 903 extract
and the tracker (``cases.imports``, ``imports``), and the council's people (``accounts.people_import``);
and writing a cell of a table we hand out (``safe_text``: the tracker's and the decision register's CSV).

A file's problem is an ``ImportFileError`` naming the file; each reader checks its rows as it goes,
so a file far past a limit is refused before it takes memory.
"""

from __future__ import annotations

import csv
from typing import Iterable, Iterator

# Limits on an uploaded table (CSV here, the tracker's .xlsx in imports.spreadsheet), checked as it is
# read: a 903 table or a tracker has tens of columns and thousands of rows; past these it is not one.
MAX_LINE_CHARS = 100_000
MAX_COLUMNS = 256  # an Excel 2003 sheet's width
MAX_TABLE_ROWS = 100_000  # rows read, blank ones too


class ImportFileError(ValueError):
    """A file cannot be read at all (missing, not CSV, a required column absent)."""

    def __init__(self, file: str, message: str):
        super().__init__(f"{file}: {message}")
        self.file, self.message = file, message


# What a council's case system or Excel writes "CSV" in: UTF-8 (with or without Excel's byte-order
# mark), else Windows-1252, as Excel saves CSV on a British PC.
ENCODINGS = {"utf-8": "utf-8-sig", "windows-1252": "cp1252"}


def decode_csv(data: bytes, name: str, encoding: str | None = None) -> str:
    """An uploaded CSV's text, in the ``encoding`` declared or else detected (UTF-8, then Windows-1252).
    A byte that is not text in it becomes U+FFFD, which the readers report by row and column; binary
    content is refused. The one place every import decodes a table."""
    if b"\x00" in data[:4096]:
        raise ImportFileError(name, "is not a text file; save the table as CSV")
    if encoding:
        codec = ENCODINGS.get(encoding.lower().replace("_", "-"), encoding)
        try:
            return data.decode(codec, errors="replace")
        except LookupError:
            raise ImportFileError(name, f"'{encoding}' is not an encoding Permanence reads "
                                        f"(use {' or '.join(ENCODINGS)})") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def too_many_rows(file: str) -> ImportFileError:
    return ImportFileError(file, f"has more than {MAX_TABLE_ROWS:,} rows, counting blank ones, the most an "
                                 "import reads; delete the blank rows or split the file")


def within_columns(values, file: str, row: int):
    """``values`` cut to ``MAX_COLUMNS``; refuses a row with a value further right."""
    if len(values) <= MAX_COLUMNS:
        return values
    beyond = values[MAX_COLUMNS:]
    if beyond.count(None) + beyond.count("") < len(beyond):  # C-speed for a row padded with blanks
        extra = next((i for i, v in enumerate(beyond, start=MAX_COLUMNS + 1) if v is not None and str(v).strip()),
                     None)
        if extra is not None:
            raise ImportFileError(file, f"has a value in column {column_letter(extra)} on row {row}; a table may "
                                        f"have at most {MAX_COLUMNS} columns (A to {column_letter(MAX_COLUMNS)})")
    return values[:MAX_COLUMNS]


def column_letter(column: int) -> str:
    """A spreadsheet's name for a column: 1 is A, 27 is AA."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def csv_rows(lines: Iterable[str], file: str) -> Iterator[list[str]]:
    """The rows of a CSV file, each checked before it takes memory: no line longer than
    ``MAX_LINE_CHARS``, no value past ``MAX_COLUMNS``, no more than ``MAX_TABLE_ROWS`` rows."""
    def checked(lines):
        for number, line in enumerate(lines, start=1):
            if len(line) > MAX_LINE_CHARS:
                raise ImportFileError(file, f"has a line longer than {MAX_LINE_CHARS:,} characters (line "
                                            f"{number}); a line of a table may be at most {MAX_LINE_CHARS:,}")
            yield line

    reader = csv.reader(checked(lines))
    row = 0
    try:
        for values in reader:
            row += 1
            if row > MAX_TABLE_ROWS:
                raise too_many_rows(file)
            yield within_columns(values, file, row)
    except csv.Error as exc:
        raise ImportFileError(file, f"cannot be read as CSV at line {reader.line_num} ({exc})") from None


# What a spreadsheet opens as a formula when a cell starts with it (CSV injection): a tab and a
# carriage return too, which some spreadsheets strip before reading the rest.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text for a cell of a CSV we hand out: one a spreadsheet would run as a formula is written with a
    leading apostrophe, so it is read as the text it is. The one guard every export uses."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
