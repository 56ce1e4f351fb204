"""Importing the council's tracker in Chromium: a refused file explained, the headings mapped,
the run followed to its result and error list, with axe checks on every page."""

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook

from factories import PASSWORD
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tenancy.models import Tenant, TenantStatus
from permanence.tor import services as tor_services

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def council(app):
    with app.app_context():
        tenant, _ = tor_services.load_folder(REPO / "tenants" / "permanence-panel-pptm")
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant = db.session.get(Tenant, tenant.id)
        db.session.expunge_all()
        return tenant


def _workbook(path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["FWi number", "Child's name", "Date of birth", "Legal status", "Legal status date", "Comments"])
    sheet.append(["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order", date(2024, 3, 1), "fine"])
    sheet.append(["FWI-2", "Ben Fictional", date(2016, 1, 2), "Care Ordr", date(2024, 3, 1), ""])
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(buffer.getvalue())


def test_the_panel_administrator_imports_the_tracker_and_reads_what_to_correct(
        page, sign_in, assert_accessible, council, make_user, work_jobs, tmp_path):
    make_user(council, ["panel_administrator"], email="bso@example.org", name="Bea Fictional-Officer")
    sign_in(page, "bso@example.org", PASSWORD)
    page.goto(f"/{council.slug}/imports/")
    assert page.get_by_role("heading", name="Import children").is_visible()
    assert_accessible(page)

    # A Word document is refused with the reason, against the field.
    wrong = tmp_path / "tracker.docx"
    wrong.write_bytes(b"PK\x03\x04 not a spreadsheet")
    page.get_by_label("Tracker spreadsheet").set_input_files(str(wrong))
    page.get_by_role("button", name="Upload and check the columns").click()
    page.wait_for_load_state()
    assert "The file must be an Excel workbook (.xlsx) or a CSV file (.csv)" in page.get_by_role("alert").inner_text()
    assert_accessible(page)

    sheet = tmp_path / "PPTM tracker.xlsx"
    _workbook(sheet)
    page.get_by_label("Tracker spreadsheet").set_input_files(str(sheet))
    page.locator("#tracker_mode-1").check()  # partial
    page.get_by_role("button", name="Upload and check the columns").click()
    page.wait_for_url("**/mapping")
    assert page.get_by_label("Column D: Legal status").input_value() == "legal_status"
    assert page.get_by_label("Column F: Comments").input_value() == ""
    assert_accessible(page)
    page.get_by_role("button", name="Import the spreadsheet").click()
    page.wait_for_load_state()
    work_jobs()
    page.reload()
    result = page.locator("#import-result").inner_text()
    assert "1 children created, 0 updated" in result and "left out because of wrong rows: FWI-2" in result
    errors = page.locator("#import-errors").inner_text()
    assert "PPTM tracker.xlsx\t3\tD (Legal status)\t'Care Ordr' is not a known legal status" in errors
    assert_accessible(page)
