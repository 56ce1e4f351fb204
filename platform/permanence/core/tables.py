"""Reading an uploaded table (CSV) within limits, for every import: the children's 903 extract
and the tracker (``cases.imports``, ``imports``), and the council's people (``accounts.people_import``).

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
