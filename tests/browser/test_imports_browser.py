"""Importing the council's tracker in Chromium: a refused file explained, the headings mapped,
the run followed to its result and error list, with axe checks on every page."""

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

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


SSDA903 = REPO / "tests" / "data" / "ssda903" / "good"
LABELS = {"header": "Header table", "episodes": "Episodes table", "reviews": "Reviews table",
          "uasc": "UASC table (optional)", "placed_adoption": "PlacedAdoption table (optional)",
          "ad1": "AD1 table (optional)", "prev_perm": "PrevPerm table (optional)", "missing": "Missing table (optional)",
          "oc2": "OC2 table (optional)", "oc3": "OC3 table (optional)",
          "sw_episodes": "SWEpisodes table (optional, not used)", "dolo": "DoLo table (optional, not used)"}


def test_a_903_return_and_the_tracker_sheet_disagree_and_a_person_resolves_it(
        page, sign_in, assert_accessible, council, make_user, work_jobs, tmp_path):
    """The return of every table with each file's rows and the DfE's findings; then the tracker sheet gives
    FICT001 a different legal status from the day the return has; the child's page asks which is right."""
    make_user(council, ["panel_administrator"], email="bso@example.org", name="Bea Fictional-Officer")
    sign_in(page, "bso@example.org", PASSWORD)
    page.goto(f"/{council.slug}/imports/")
    page.get_by_text("The return's other tables (optional)").click()
    for role, label in LABELS.items():
        page.get_by_label(label, exact=True).set_input_files(str(SSDA903 / f"{role}.csv"))
    page.get_by_role("button", name="Check and import the extract").click()
    page.wait_for_load_state()
    work_jobs()
    page.reload()
    assert "3 children created, 0 updated" in page.locator("#import-result").inner_text()
    accounts = page.locator("table", has_text="Not used").inner_text()
    assert "placed_adoption.csv (PlacedAdoption)\t2\t2\t0\t0\t0" in accounts
    assert "dolo.csv (DoLo)\t1\t0\t0\t0\t1" in accounts
    findings = page.locator("#dfe-findings").inner_text()
    assert "ad1.csv\t2\tFICT001\t523\tDate of decision that the child should be placed for adoption" in findings
    assert_accessible(page)

    sheet = tmp_path / "tracker.csv"
    sheet.write_text("FWi number,Legal status,Legal status date\nFICT001,Care Order,20/06/2025\n")
    page.goto(f"/{council.slug}/imports/")
    page.get_by_label("Tracker spreadsheet").set_input_files(str(sheet))
    page.get_by_role("button", name="Upload and check the columns").click()
    page.wait_for_url("**/mapping")
    page.get_by_role("button", name="Import the spreadsheet").click()
    page.wait_for_load_state()
    work_jobs()
    page.goto(f"/{council.slug}/imports/disagreements")
    row = page.locator("#disagreements").inner_text()
    assert ("E1: Placement order, from 20 Jun 2025 and still current (SSDA903 return 2025-26); or C2: Care order, "
            "from 20 Jun 2025 and still current (Tracker spreadsheet tracker.csv)") in row
    assert_accessible(page)
    page.get_by_role("link", name="Child FICT001").click()
    expect(page.get_by_text("Legal status: which is right?")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("E1: Placement order, from 20 Jun 2025 and still current").check()
    page.get_by_role("button", name="Save my choice").click()
    expect(page.locator(".govuk-notification-banner--success")).to_be_visible()
    assert "Legal status: kept “E1: Placement order, from 20 Jun 2025 and still current” (SSDA903 return 2025-26); " \
           "1 other record deleted." in page.locator(".govuk-notification-banner--success").inner_text()
    expect(page.get_by_text("Legal status: which is right?")).to_have_count(0)
    record = page.locator("main").inner_text()  # the sheet's row is gone from every history table
    assert "Tracker spreadsheet" not in record and "E1: Placement order\t20 Jun 2025\tCurrent" in record
