"""Reading a spreadsheet a council uploads: an Excel workbook (.xlsx) or a CSV file.

Both become the same thing: the headings of the header row, with their column
letters, and the data rows numbered as the spreadsheet shows them (the header is
row 1 unless the council's layout says otherwise), so an error can point at
"row 12, column D". Excel gives dates as dates; CSV gives text, read later with the
council's date formats.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterator

from openpyxl.utils import get_column_letter

from ..core.tables import MAX_TABLE_ROWS, ImportFileError, csv_rows, decode_csv, too_many_rows, within_columns
from ..core.archives import ArchiveRefused, open_zip, xml_declares_entities

MAX_ROWS = 20_000  # a council's tracker has hundreds of children; this stops a runaway file
# A workbook is a ZIP: checked before openpyxl opens it. A 20,000-row, 60-column tracker is 5 MB
# as .xlsx and about 70 MB of XML inside.
MAX_XLSX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_XLSX_PARTS = 1_000
SPREADSHEET_TYPES = {".xlsx": "an Excel workbook (.xlsx)", ".csv": "a CSV file (.csv)"}


@dataclass(frozen=True)
class Heading:
    index: int  # 0-based position in the row
    text: str

    @property
    def letter(self) -> str:
        return get_column_letter(self.index + 1)

    @property
    def label(self) -> str:
        """How an error names the column: ``C (Legal status)``."""
        return f"{self.letter} ({self.text})"


@dataclass
class Table:
    """A sheet's headings and its data rows ``(row number, values)``."""

    file: str
    headings: list[Heading]
    rows: list[tuple[int, list]]


def extension(filename: str) -> str:
    name = (filename or "").lower()
    return name[name.rfind("."):] if "." in name else ""


def decode_text(data: bytes, file: str) -> str:
    """CSV text, the encoding detected: ``core.tables.decode_csv``."""
    return decode_csv(data, file)


def _cell(value):
    """Excel values as the import reads them: dates as dates, whole numbers without '.0'."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return value.strip()
    return value


def _blank(values) -> bool:
    return all(v is None or (isinstance(v, str) and not v.strip()) for v in values)


def check_workbook(data: bytes, file: str) -> None:
    """Refuse a workbook whose ZIP is a bomb (too many parts, too much XML once decompressed) or whose
    XML declares entities (an entity bomb), before openpyxl reads any of it."""
    try:
        with open_zip(data, max_members=MAX_XLSX_PARTS, max_uncompressed=MAX_XLSX_UNCOMPRESSED) as archive:
            part = xml_declares_entities(archive)
    except ArchiveRefused as exc:
        raise ImportFileError(file, f"{exc.reason}; a workbook may have at most {MAX_XLSX_PARTS:,} parts and "
                                    f"expand to at most {MAX_XLSX_UNCOMPRESSED // (1024 * 1024)} MB") from None
    except zipfile.BadZipFile:
        part = ""
    if part is not None:
        raise ImportFileError(file, "is not an Excel workbook (.xlsx) that can be opened"
                                    + (f" (its part {part} is not XML as Excel writes it)" if part else "")
                                    + "; open it in Excel and save it again as .xlsx")


def _rows_xlsx(data: bytes, file: str, sheet: str | None) -> Iterator[list]:
    from openpyxl import load_workbook

    check_workbook(data, file)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a file that is not a workbook
        raise ImportFileError(file, "is not an Excel workbook (.xlsx) that can be opened; "
                                    "open it in Excel and save it again as .xlsx") from None
    try:
        worksheet = workbook[sheet] if sheet and sheet in workbook.sheetnames else workbook.worksheets[0]
        # Each row as wide as its own cells, not as the size the sheet declares (which a small file can
        # set to 1,048,576 rows of 16,384 columns): the XML, capped above, then bounds every row.
        worksheet.reset_dimensions()
        for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):
            if number > MAX_TABLE_ROWS:
                raise too_many_rows(file)
            values = within_columns(values, file, number)
            yield [_cell(v) for v in values] if not _blank(values) else []
    finally:
        workbook.close()


def _rows_csv(data: bytes, file: str) -> Iterator[list]:
    for values in csv_rows(io.StringIO(decode_text(data, file), newline=""), file):
        yield [v.strip() for v in values]


def read_table(data: bytes, file: str, *, sheet: str | None = None, header_row: int = 1,
               headings_only: bool = False) -> Table:
    """The headings on ``header_row`` and every non-blank row below it; raises ImportFileError
    for a file that cannot be read, has no headings, or is too long."""
    ext = extension(file)
    if ext not in SPREADSHEET_TYPES:
        raise ImportFileError(file, f"must be {' or '.join(SPREADSHEET_TYPES.values())}")
    source = _rows_xlsx(data, file, sheet) if ext == ".xlsx" else _rows_csv(data, file)
    headings: list[Heading] | None = None
    rows: list[tuple[int, list]] = []
    for number, values in enumerate(source, start=1):
        if number < header_row:
            continue
        if headings is None:
            headings = [Heading(i, " ".join(str(v).split())) for i, v in enumerate(values)
                        if v is not None and str(v).strip()]
            if not headings:
                raise ImportFileError(file, f"has no headings on row {header_row}, where the council's tracker "
                                            "layout expects them")
            if headings_only:
                break
            continue
        if _blank(values):
            continue
        if len(rows) >= MAX_ROWS:
            raise ImportFileError(file, f"has more than {MAX_ROWS:,} rows; split it into smaller files")
        rows.append((number, values))
    if headings is None:
        raise ImportFileError(file, "is empty")
    return Table(file, headings, rows)


def as_text(value) -> str:
    """A cell as text (a date an Excel cell holds as ISO)."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()
