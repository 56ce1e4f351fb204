"""Every upload is read within limits: an .xlsx ZIP or entity bomb is refused before openpyxl opens it,
a CSV with a runaway line, too many columns or rows stops at the limit, an Office paper that is a
ZIP bomb is refused; each error names the file and what is allowed."""

from __future__ import annotations

import io
import tracemalloc

import pytest
from bombs_support import ENTITY_BOMB, many_parts, rezip, workbook, zip_bomb
from openpyxl import Workbook

from permanence.core import tables
from permanence.cases.imports import read_903
from permanence.core.tables import MAX_COLUMNS, MAX_LINE_CHARS, MAX_TABLE_ROWS, ImportFileError
from permanence.core.archives import ArchiveRefused, open_zip
from permanence.documents import checks
from permanence.documents.checks import PaperError, check_file
from permanence.imports.spreadsheet import MAX_XLSX_PARTS, read_table

MB = 1024 * 1024


def _refused(data: bytes, name: str, **kwargs) -> str:
    with pytest.raises(ImportFileError) as caught:
        read_table(data, name, **kwargs)
    assert caught.value.file == name
    return caught.value.message


def _peak(call) -> int:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# --- .xlsx ---------------------------------------------------------------------------------------

def test_an_xlsx_zip_bomb_is_refused_from_its_directory_without_inflating_it():
    bomb = zip_bomb(workbook())
    assert len(bomb) < MB
    message = []
    peak = _peak(lambda: message.append(_refused(bomb, "tracker.xlsx")))
    assert peak < 5 * MB, f"peak {peak / MB:.1f} MB"
    assert message == ["expands to more than 200 MB when opened; a workbook may have at most 1,000 parts and "
                       "expand to at most 200 MB"]


def test_an_xlsx_with_too_many_parts_is_refused():
    assert _refused(many_parts(workbook(), MAX_XLSX_PARTS), "tracker.xlsx").startswith(
        "has more than 1,000 parts inside it; a workbook may have at most 1,000 parts")


def test_a_zip_whose_directory_claims_too_many_parts_is_refused_before_zipfile_lists_them():
    data = bytearray(workbook())
    end = data.rfind(b"PK\x05\x06")
    data[end + 8:end + 12] = b"\xff\xff\xff\xff"  # 65,535 parts: a ZIP64 archive
    with pytest.raises(ArchiveRefused, match="has more than 10 parts"):
        open_zip(bytes(data), max_members=10, max_uncompressed=MB)


def test_an_xlsx_entity_bomb_is_refused_before_its_xml_is_parsed():
    bomb = rezip(workbook(), add={"xl/sharedStrings.xml": ENTITY_BOMB})
    assert _refused(bomb, "tracker.xlsx") == (
        "is not an Excel workbook (.xlsx) that can be opened (its part xl/sharedStrings.xml is not XML as Excel "
        "writes it); open it in Excel and save it again as .xlsx")
    utf16 = rezip(workbook(), replace={"xl/workbook.xml": ENTITY_BOMB.decode().encode("utf-16")})
    assert "its part xl/workbook.xml" in _refused(utf16, "tracker.xlsx")
    long_prolog = rezip(workbook(), replace={"xl/styles.xml": b"<!--" + b" " * 20_000 + b"-->" + ENTITY_BOMB})
    assert "its part xl/styles.xml" in _refused(long_prolog, "tracker.xlsx")


def test_an_ordinary_workbook_still_reads():
    table = read_table(workbook(), "tracker.xlsx")
    assert [h.text for h in table.headings] == ["FWi number", "Legal status"]
    assert table.rows == [(2, ["FWI-1", "C2"])]


def _sheet(cells) -> bytes:
    book = Workbook()
    book.active.append(["FWi number", "Legal status"])
    for (row, column), value in cells.items():
        book.active.cell(row=row, column=column, value=value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_xlsx_value_past_the_last_column_allowed_is_refused_wherever_it_is():
    assert _refused(_sheet({(3, 1): "FWI-1", (3, 300): "x"}), "wide.xlsx") == (
        "has a value in column KN on row 3; a table may have at most 256 columns (A to IV)")
    table = read_table(_sheet({(3, 1): "FWI-1", (3, 16_384): ""}), "padded.xlsx")
    assert table.rows == [(3, ["FWI-1"] + [None] * (MAX_COLUMNS - 1))]


def test_an_xlsx_row_a_million_rows_down_stops_at_the_row_limit():
    data = _sheet({(1_048_576, 1): "far down"})
    assert len(data) < 10_000
    assert _refused(data, "tall.xlsx") == (f"has more than {MAX_TABLE_ROWS:,} rows, counting blank ones, the most an "
                                           "import reads; delete the blank rows or split the file")


# --- CSV -----------------------------------------------------------------------------------------

def test_a_csv_line_longer_than_allowed_is_refused_with_its_line():
    data = ("FWi number,Notes\nFWI-1," + "x" * MAX_LINE_CHARS + "\n").encode()
    assert _refused(data, "tracker.csv") == ("has a line longer than 100,000 characters (line 2); a line of a table "
                                             "may be at most 100,000")


def test_a_csv_line_of_commas_is_refused_past_the_last_column_allowed():
    assert _refused(("FWi number\nFWI-1" + "," * 50_000 + "x\n").encode(), "tracker.csv") == (
        "has a value in column BUYC on row 2; a table may have at most 256 columns (A to IV)")
    table = read_table(("FWi number\nFWI-1" + "," * 50_000 + "\n").encode(), "tracker.csv")
    assert table.rows == [(2, ["FWI-1"] + [""] * (MAX_COLUMNS - 1))]


def test_a_csv_with_too_many_rows_is_refused_counting_blank_ones():
    assert _refused(b"FWi number\n" + b"\n" * MAX_TABLE_ROWS, "tracker.csv").startswith(
        "has more than 100,000 rows, counting blank ones")


def test_a_csv_that_breaks_half_way_is_a_file_error_not_a_crash():
    data = b"FWi number,Notes\n" + b"FWI-1,ok\n" * 1000 + b'FWI-2,"' + (b"x" * 999 + b"\n") * 140 + b'"\n'
    assert _refused(data, "tracker.csv") == ("cannot be read as CSV at line 1133 (field larger than field limit "
                                             "(131072))")


def test_the_903_tables_are_read_within_the_same_limits(monkeypatch):
    monkeypatch.setattr(tables, "MAX_TABLE_ROWS", 10)
    header = io.StringIO("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n" + "A1,F,01/02/2019\n" * 10)
    episodes = io.StringIO("CHILD,DECOM,RNE,LS,CIN,PLACE,DEC,REC\n" + "A1,01/03/2024," + "x" * MAX_LINE_CHARS + "\n")
    reviews = io.StringIO("CHILD,DOB,REVIEW,REVIEW_CODE\n")
    with pytest.raises(ImportFileError) as caught:
        read_903(header, io.StringIO(""), reviews, names=("header.csv", "episodes.csv", "reviews.csv"))
    assert str(caught.value).startswith("header.csv: has more than 10 rows, counting blank ones")
    with pytest.raises(ImportFileError) as caught:
        read_903(io.StringIO("CHILD,SEX,DOB\n"), episodes, reviews,
                 names=("header.csv", "episodes.csv", "reviews.csv"))
    assert str(caught.value) == ("episodes.csv: has a line longer than 100,000 characters (line 2); a line of a "
                                 "table may be at most 100,000")


# --- papers --------------------------------------------------------------------------------------

def test_an_office_paper_that_is_a_zip_bomb_is_refused_with_the_limits(monkeypatch):
    monkeypatch.setattr(checks, "MAX_OFFICE_UNCOMPRESSED", 200 * MB)  # a 1 GB bomb takes seconds to make
    bomb = zip_bomb(workbook())
    message = []

    def check():
        with pytest.raises(PaperError) as caught:
            check_file("tracker.xlsx", bomb, max_bytes=20 * MB)
        message.append(caught.value.message)

    assert _peak(check) < 5 * MB
    assert message == ["tracker.xlsx expands to more than 200 MB when opened, so it was not uploaded. A paper may "
                       "have at most 10,000 parts and expand to at most 200 MB."]
