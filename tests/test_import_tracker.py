"""The tracker spreadsheet import: the council's own layout read from XLSX or CSV, histories
recorded as a worker would, every bad cell reported by file, row and column, nothing
half-written, all-or-nothing or partial, and re-runs that never duplicate."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from permanence.cases.models import CarePeriod, CareProceedings, Child, LegalStatus, PermanencePlan, Placement
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.imports.tracker_sheet import import_tracker
from permanence.tor import load_tor

REPO = Path(__file__).resolve().parents[1]
LAYOUT = load_tor(REPO / "tenants" / "permanence-panel-pptm").tracker_layout  # FWi number, "Care Order", ...
TODAY = date(2025, 1, 15)
HEADINGS = ["FWi number", "Child's name", "Date of birth", "Team", "Social worker", "Date became looked after",
            "Legal status", "Legal status date", "Permanence plan", "Parallel plan", "Plan agreed",
            "Placement type", "Notes"]


def xlsx(rows, headings=HEADINGS, sheet="Permanence tracker") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(headings)
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(lines, headings=HEADINGS) -> bytes:
    return ("\n".join([",".join(headings), *lines]) + "\n").encode("utf-8")


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def child(case_number) -> Child:
    return db.session.execute(select(Child).filter_by(case_number=case_number)).scalar_one()


@pytest.fixture
def council(app, tenant_a, make_team, make_user):
    """Council A running on the terms of reference (and so the tracker layout) of seed 001."""
    from permanence.core.jobs import commit
    from permanence.tor.services import load_folder

    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    team = make_team(tenant_a, "Children in Care 1")
    worker = make_user(tenant_a, ["social_worker"], team=team, name="Jo Fictional-Worker")
    return {"tenant": tenant_a, "team": team, "worker": worker}


GOOD_ROWS = [
    ["FWI-001", "Amira Fictional", date(2019, 6, 5), "Children in Care 1", "Jo Fictional-Worker", date(2024, 2, 1),
     "Care Order", date(2024, 3, 1), "Adoption", "SGO; Long term fostering", date(2024, 4, 10), None, "a note"],
    ["FWI-002", "Fictional, Ben", "05/06/2016", None, None, "12/08/2023", "Section 20", "12/08/2023",
     None, None, None, None, None],
]


def test_an_xlsx_tracker_creates_children_with_their_histories(app, council, in_tenant):
    with in_tenant(council["tenant"]):
        result = import_tracker(xlsx(GOOD_ROWS), "tracker.xlsx", LAYOUT, today=TODAY)
        assert (result.created, result.updated, result.errors, result.written) == (2, 0, [], True)
        assert result.ignored == ["Notes"]
    with in_tenant(council["tenant"]):
        amira = child("FWI-001")
        assert (amira.first_name, amira.last_name, amira.date_of_birth) == ("Amira", "Fictional", date(2019, 6, 5))
        assert (amira.team_id, amira.social_worker_id) == (council["team"].id, council["worker"].id)
        assert [(p.start, p.end) for p in amira.care_periods] == [(date(2024, 2, 1), None)]
        assert [(s.code, s.start, s.end, s.imported) for s in amira.legal_statuses] == [
            ("C2", date(2024, 3, 1), None, True)]
        assert sorted((p.kind, p.route, p.agreed_on) for p in amira.plans) == [
            ("contingency", "long_term_fostering", date(2024, 4, 10)),
            ("contingency", "special_guardianship", date(2024, 4, 10)),
            ("primary", "adoption", date(2024, 4, 10))]
        ben = child("FWI-002")
        assert (ben.first_name, ben.last_name, ben.date_of_birth) == ("Ben", "Fictional", date(2016, 6, 5))
        assert [(s.code, s.start) for s in ben.legal_statuses] == [("V2", date(2023, 8, 12))]


def test_a_csv_tracker_reads_the_councils_wording_and_date_formats(app, council, in_tenant):
    lines = ["FWI-010,Cara Fictional,01/02/20,,,01/03/2024,Interim Care Order,01/03/2024,CAO,none,2024-05-02,"
             "placed with parents,,01/03/2024"]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(lines, HEADINGS + ["Placed since"]), "tracker.csv", LAYOUT,
                                mapping={**LAYOUT.import_mapping(), "placed since": "placement_start"}, today=TODAY)
        assert result.errors == [] and result.created == 1
    with in_tenant(council["tenant"]):
        cara = child("FWI-010")
        assert cara.date_of_birth == date(2020, 2, 1)  # dd/mm/yy, a format the council's layout accepts
        assert [s.code for s in cara.legal_statuses] == ["C1"]
        assert [(p.route, p.kind) for p in cara.plans] == [("child_arrangements_order", "primary")]
        assert [p.place for p in cara.placements] == ["P1"]


BAD_LINES = [
    "FWI-101,Good Fictional,01/01/2018,,,01/02/2024,Care Order,01/02/2024,,,,,",
    "FWI-102,Dora Fictional,31/02/2018,,,01/02/2024,Care Ordr,01/02/2024,,,,,",
    "FWI-103,Eli Fictional,01/01/2018,Team Nine,Nobody Known,,,01/02/2024,,,,,",
    ",No Number,01/01/2018,,,,,,,,,,",
    "FWI-101,Twice Fictional,01/01/2018,,,,,,,,,,",
    "FWI-104,Finn Fictional,01/01/2018,,,01/02/2024,C2,01/01/2024,Adoption,,01/02/2026,,",
]


def test_every_bad_cell_is_reported_with_file_row_column_and_reason(app, council, in_tenant):
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(BAD_LINES), "tracker.csv", LAYOUT, today=TODAY)
        assert not result.written
        assert [str(e) for e in result.errors] == [
            "tracker.csv, row 3, column C (Date of birth): '31/02/2018' is not a date "
            "(expected dd/mm/yyyy or dd/mm/yy or yyyy-mm-dd)",
            "tracker.csv, row 3, column G (Legal status): 'Care Ordr' is not a known legal status; use the "
            "council's wording (Care Order, EPO, Interim Care Order, Placement Order, Police Protection, Remand, "
            "Section 20) or a code: C1, C2, D1, E1, V2, V3, V4, L1, L2, L3, J1, J2, J3",
            "tracker.csv, row 4, column D (Team): no team called 'Team Nine' in this council; "
            "teams: Children in Care 1",
            "tracker.csv, row 4, column E (Social worker): no member of this council is called 'Nobody Known'",
            "tracker.csv, row 4, column H (Legal status date): is given but the legal status is blank; give both",
            "tracker.csv, row 5, column A (FWi number): the case number is blank",
            "tracker.csv, row 6, column A (FWi number): case number FWI-101 is also on row 2; a child has one row",
            "tracker.csv, row 7, column H (Legal status date): 01/01/2024 is before the child became looked after "
            "(01/02/2024)",
            "tracker.csv, row 7, column K (Plan agreed): 01/02/2026 is in the future",
        ]
        assert result.skipped == ["FWI-101", "FWI-102", "FWI-103", "FWI-104"]
    with in_tenant(council["tenant"]):
        assert count(Child) == count(LegalStatus) == count(CarePeriod) == 0  # all or nothing


def test_partial_writes_every_good_child_whole_and_leaves_the_rest_untouched(app, council, in_tenant, make_child):
    existing = make_child(council["tenant"], case_number="FWI-200", first_name="Gus", last_name="Fictional")
    with in_tenant(council["tenant"]):
        db.session.add(LegalStatus(child_id=existing.id, code="C1", start=date(2024, 1, 10)))
    lines = [
        "FWI-200,Gus Renamed,01/01/2018,,,,Care Order,01/06/2024,Adoption,,31/13/2024,,",  # bad plan date
        "FWI-201,Hana Fictional,01/01/2018,,,01/02/2024,Care Order,01/02/2024,Adoption,,01/03/2024,,",
    ]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(lines), "tracker.csv", LAYOUT, all_or_nothing=False, today=TODAY)
        assert (result.written, result.created, result.updated, result.skipped) == (True, 1, 0, ["FWI-200"])
        assert [str(e) for e in result.errors] == [
            "tracker.csv, row 2, column K (Plan agreed): '31/13/2024' is not a date "
            "(expected dd/mm/yyyy or dd/mm/yy or yyyy-mm-dd)"]
    with in_tenant(council["tenant"]):
        gus = child("FWI-200")
        assert (gus.first_name, [(s.code, s.end) for s in gus.legal_statuses], gus.plans) == (
            "Gus", [("C1", None)], [])
        assert [s.code for s in child("FWI-201").legal_statuses] == ["C2"]


def test_a_change_that_contradicts_the_record_is_refused_for_that_child(app, council, in_tenant, make_child):
    existing = make_child(council["tenant"], case_number="FWI-300")
    with in_tenant(council["tenant"]):
        db.session.add_all([CarePeriod(child_id=existing.id, start=date(2024, 1, 10)),
                            LegalStatus(child_id=existing.id, code="C1", start=date(2024, 1, 10)),
                            CareProceedings(child_id=existing.id, issued_on=date(2024, 1, 12))])
    lines = ["FWI-300,,,,,,Care Order,01/01/2024,,,,,"]
    headings = HEADINGS[:7] + ["Legal status date", "Proceedings issued"]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(["FWI-300,,,,,,Care Order,01/01/2024,01/02/2024"], headings),
                                "tracker.csv", LAYOUT, all_or_nothing=False, today=TODAY)
        assert [str(e) for e in result.errors] == [
            "tracker.csv, row 2, column H (Legal status date): the legal status would start on 01/01/2024, "
            "before the current legal status (C1) began on 10/01/2024",
            "tracker.csv, row 2, column I (Proceedings issued): the record has care proceedings issued on "
            "12/01/2024 still open",
        ]
        assert (result.written, result.created, result.updated) == (True, 0, 0)
    with in_tenant(council["tenant"]):
        assert [(s.code, s.end) for s in child("FWI-300").legal_statuses] == [("C1", None)]
    assert lines  # the same child, a later date: accepted below
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(["FWI-300,,,,,,Care Order,01/06/2024,12/01/2024"], headings),
                                "tracker.csv", LAYOUT, today=TODAY)
        assert (result.errors, result.updated) == ([], 1)
    with in_tenant(council["tenant"]):
        record = child("FWI-300")
        assert [(s.code, s.start, s.end) for s in record.legal_statuses] == [
            ("C1", date(2024, 1, 10), date(2024, 6, 1)), ("C2", date(2024, 6, 1), None)]
        assert len(record.proceedings) == 1 and len(record.care_periods) == 1


def test_reimporting_changes_nothing_and_a_later_sheet_moves_the_history_on(app, council, in_tenant):
    with in_tenant(council["tenant"]):
        import_tracker(xlsx(GOOD_ROWS), "tracker.xlsx", LAYOUT, today=TODAY)
    with in_tenant(council["tenant"]):
        again = import_tracker(xlsx(GOOD_ROWS), "tracker.xlsx", LAYOUT, today=date(2025, 2, 1))
        assert (again.created, again.updated, again.unchanged, again.errors) == (0, 0, 2, [])
    with in_tenant(council["tenant"]):
        assert (count(Child), count(LegalStatus), count(Placement), count(PermanencePlan), count(CarePeriod)) == (
            2, 2, 0, 3, 2)
    later = [list(GOOD_ROWS[0]), list(GOOD_ROWS[1])]
    later[0][6:11] = ["Placement Order", date(2024, 9, 2), "Adoption", "SGO", date(2024, 9, 2)]
    with in_tenant(council["tenant"]):
        result = import_tracker(xlsx(later), "tracker.xlsx", LAYOUT, today=date(2025, 2, 1))
        assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    with in_tenant(council["tenant"]):
        amira = child("FWI-001")
        assert [(s.code, s.start, s.end) for s in amira.legal_statuses] == [
            ("C2", date(2024, 3, 1), date(2024, 9, 2)), ("E1", date(2024, 9, 2), None)]
        assert sorted((p.route, p.ended_on) for p in amira.plans if p.kind == "contingency") == [
            ("long_term_fostering", date(2024, 9, 2)), ("special_guardianship", None)]
        assert count(Child) == 2


def test_the_user_can_map_headings_the_layout_does_not_know(app, council, in_tenant):
    data = csv_bytes(["X-1,Cody Fictional,C2,01/03/2024"], ["Ref", "Who", "LS", "Since"])
    with in_tenant(council["tenant"]):
        refused = import_tracker(data, "other.csv", LAYOUT, today=TODAY)
        assert [str(e) for e in refused.errors] == [
            "other.csv: no column gives the case number (expected a heading 'FWi number' or 'FWi ID'); "
            "map one of its headings to the case number"]
        mapping = {"Ref": "case_number", "who": "name", "LS": "legal_status", "Since": "legal_status_start"}
        result = import_tracker(data, "other.csv", LAYOUT, mapping=mapping, today=TODAY)
        assert (result.created, result.errors) == (1, [])
    with in_tenant(council["tenant"]):
        assert [(s.code, s.start) for s in child("X-1").legal_statuses] == [("C2", date(2024, 3, 1))]


def test_a_file_that_is_not_a_spreadsheet_is_refused_whole(app, council, in_tenant):
    with in_tenant(council["tenant"]):
        result = import_tracker(b"PK\x03\x04 not really a workbook", "tracker.xlsx", LAYOUT, today=TODAY)
        assert [str(e) for e in result.errors] == [
            "tracker.xlsx: is not an Excel workbook (.xlsx) that can be opened; open it in Excel and save it "
            "again as .xlsx"]
        assert not result.written


def test_the_import_stays_in_the_importing_council(app, council, tenant_b, in_tenant):
    with in_tenant(council["tenant"]):
        import_tracker(xlsx(GOOD_ROWS[1:]), "tracker.xlsx", LAYOUT, today=TODAY)
    with in_tenant(tenant_b):
        assert count(Child) == 0
        result = import_tracker(xlsx(GOOD_ROWS[1:]), "tracker.xlsx", LAYOUT, today=TODAY)
        assert result.created == 1  # its own child, not council A's
    with app.app_context(), tenant_context(council["tenant"].id):
        assert count(Child) == 1


def test_the_command_line_imports_with_a_progress_bar(app, council, tmp_path, in_tenant):
    path = tmp_path / "tracker.xlsx"
    path.write_bytes(xlsx(GOOD_ROWS))
    runner = app.test_cli_runner()
    result = runner.invoke(args=["children", "import-tracker", "--tenant", "council-a", str(path)])
    assert result.exit_code == 0, result.output
    assert "2 children created, 0 updated, 0 unchanged." in result.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(BAD_LINES[1:2]))
    result = runner.invoke(args=["children", "import-tracker", "--tenant", "council-a", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv, row 2, column C (Date of birth): '31/02/2018' is not a date" in result.output
    assert "nothing was imported (use --partial to import the good rows)" in result.output
    with in_tenant(council["tenant"]):
        assert count(Child) == 2


# --- Dates the sheet does not give, and children who come back into care -------------------------------

def test_a_new_history_entry_with_no_date_is_not_recorded_naming_the_column_never_dated_today(
        app, council, in_tenant, make_child):
    """The layout has no placement date column, and this row no plan date: nothing is dated the day of the
    import; each change without a date is left unrecorded and the run warns with the column that should give
    the date, while the rest of the row is imported."""
    existing = make_child(council["tenant"], case_number="FWI-400", first_name="Ola", last_name="Fictional")
    with in_tenant(council["tenant"]):
        db.session.add_all([CarePeriod(child_id=existing.id, start=date(2024, 1, 10)),
                            LegalStatus(child_id=existing.id, code="C1", start=date(2024, 1, 10))])
    rows = [["FWI-400", None, date(2019, 6, 5), None, None, None, "Care Order", None, "Adoption", "SGO", None, "U6",
             None]]
    with in_tenant(council["tenant"]):
        result = import_tracker(xlsx(rows), "tracker.xlsx", LAYOUT, all_or_nothing=False, today=TODAY)
        assert result.errors == [] and result.skipped == [] and result.updated == 1
        assert [str(w) for w in result.warnings] == [
            "tracker.xlsx, row 2, column G (Legal status): not recorded: the legal status changes from C1 to C2 but "
            "the sheet gives no date for it; fill in column H (Legal status date), or record it on the child's page "
            "(the import does not guess a date)",
            "tracker.xlsx, row 2, column I (Permanence plan): not recorded: the primary plan is new (adoption) but the "
            "sheet gives no date for it; fill in column K (Plan agreed), or record it on the child's page (the import "
            "does not guess a date)",
            "tracker.xlsx, row 2, column J (Parallel plan): not recorded: the contingency plans change "
            "(special_guardianship) but the sheet gives no date for it; fill in column K (Plan agreed), or record it "
            "on the child's page (the import does not guess a date)",
            "tracker.xlsx, row 2, column L (Placement type): not recorded: the placement is new (U6) but the sheet "
            "gives no date for it; fill in a column mapped to 'Date the current placement started', or record it on "
            "the child's page (the import does not guess a date)"]
    with in_tenant(council["tenant"]):
        ola = child("FWI-400")
        assert ola.date_of_birth == date(2019, 6, 5)  # the rest of the row was imported
        assert [(s.code, s.start, s.end) for s in ola.legal_statuses] == [("C1", date(2024, 1, 10), None)]
        assert (ola.plans, ola.placements) == ([], [])
        assert TODAY not in [s.start for s in ola.legal_statuses]


def test_the_same_values_need_no_date_and_a_mapped_date_column_gives_it(app, council, in_tenant, make_child):
    existing = make_child(council["tenant"], case_number="FWI-410", first_name="Pia", last_name="Fictional")
    with in_tenant(council["tenant"]):
        db.session.add_all([CarePeriod(child_id=existing.id, start=date(2024, 1, 10)),
                            LegalStatus(child_id=existing.id, code="C2", start=date(2024, 1, 10))])
    # The legal status is the record's already: no date needed. The placement's date comes from a column
    # the user mapped for this upload.
    lines = ["FWI-410,,,,,,Care Order,,,,,U6,,02/03/2024"]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(lines, HEADINGS + ["Moved in"]), "tracker.csv", LAYOUT,
                                mapping={**LAYOUT.import_mapping(), "moved in": "placement_start"}, today=TODAY)
        assert (result.errors, result.updated) == ([], 1)
    with in_tenant(council["tenant"]):
        pia = child("FWI-410")
        assert [(p.place, p.start, p.origin, p.origin_detail) for p in pia.placements] == [
            ("U6", date(2024, 3, 2), "tracker", "tracker.csv")]
        assert [(s.code, s.start) for s in pia.legal_statuses] == [("C2", date(2024, 1, 10))]


@pytest.fixture
def left_care(council, in_tenant, make_child):
    """A child who was looked after in 2022 under a care order and left care on 1 March 2023."""
    kid = make_child(council["tenant"], case_number="FWI-500", first_name="Rae", last_name="Fictional",
                     date_of_birth=date(2014, 5, 6))
    with in_tenant(council["tenant"]):
        db.session.add_all([
            CarePeriod(child_id=kid.id, start=date(2022, 2, 1), end=date(2023, 3, 1), reason_ceased="E8"),
            LegalStatus(child_id=kid.id, code="C2", start=date(2022, 2, 1))])  # left open by its source
    return kid


def test_a_child_who_comes_back_into_care_gets_the_legal_status_the_sheet_gives(app, council, in_tenant,
                                                                                 left_care):
    """Back under a care order again: the new period has its own legal status, from its date; the old one
    ends when the child left care."""
    rows = [["FWI-500", None, None, None, None, date(2024, 10, 7), "Care Order", date(2024, 10, 7), None, None,
             None, None, None]]
    with in_tenant(council["tenant"]):
        result = import_tracker(xlsx(rows), "tracker.xlsx", LAYOUT, today=TODAY)
        assert (result.errors, result.updated) == ([], 1)
    with in_tenant(council["tenant"]):
        rae = child("FWI-500")
        assert sorted((p.start, p.end) for p in rae.care_periods) == [
            (date(2022, 2, 1), date(2023, 3, 1)), (date(2024, 10, 7), None)]
        assert sorted((s.code, s.start, s.end, s.origin) for s in rae.legal_statuses) == [
            ("C2", date(2022, 2, 1), date(2023, 3, 1), "ui"),
            ("C2", date(2024, 10, 7), None, "tracker")]


def test_a_child_back_in_care_with_no_legal_status_is_reported_naming_the_column(app, council, in_tenant,
                                                                                  left_care):
    lines = ["FWI-500,,,,,07/10/2024,,,,,,,"]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(lines), "tracker.csv", LAYOUT, all_or_nothing=False, today=TODAY)
        assert [str(e) for e in result.errors] == [
            "tracker.csv, row 2, column F (Date became looked after): the child comes back into care on 07/10/2024 "
            "but the row gives no legal status: fill in column G (Legal status)"]
        assert result.skipped == ["FWI-500"]
    with in_tenant(council["tenant"]):
        assert [p.start for p in child("FWI-500").care_periods] == [date(2022, 2, 1)]
    # A sheet with no legal status column at all names the council's heading for it.
    data = csv_bytes(["FWI-500,07/10/2024"], ["FWi number", "Date became looked after"])
    with in_tenant(council["tenant"]):
        result = import_tracker(data, "tracker.csv", LAYOUT, today=TODAY)
        assert [e.message for e in result.errors] == [
            "the child comes back into care on 07/10/2024 but the row gives no legal status: fill in a column "
            "headed 'Legal status' (legal status)"]


def test_a_child_back_in_care_through_a_new_placement_alone_is_reported(app, council, in_tenant, left_care):
    lines = ["FWI-500,,,,,,,,,,,U6,,07/10/2024"]
    with in_tenant(council["tenant"]):
        result = import_tracker(csv_bytes(lines, HEADINGS + ["Placed"]), "tracker.csv", LAYOUT, today=TODAY,
                                mapping={**LAYOUT.import_mapping(), "placed": "placement_start"})
        assert [str(e) for e in result.errors] == [
            "tracker.csv, row 2, column N (Placed): the child left care on 01/03/2023 and comes back on 07/10/2024 "
            "but the row gives no new legal status: fill in column G (Legal status)"]
    with in_tenant(council["tenant"]):
        assert (len(child("FWI-500").care_periods), child("FWI-500").placements) == (1, [])


# --- Columns kept as notes on the child ------------------------------------------------------------------

def _upload(client, data, name):
    return client.post("/council-a/imports/tracker", data={"spreadsheet": (io.BytesIO(data), name),
                                                           "tracker_mode": "all_or_nothing"},
                       content_type="multipart/form-data")


def test_a_column_kept_as_a_note_shows_on_the_childs_page_once(app, client, login, council, make_user, work_jobs,
                                                               in_tenant):
    from permanence.cases.models import ChildSheetNote
    from permanence.imports.models import ImportRun

    login(make_user(council["tenant"], ["panel_administrator"]))
    headings = ["FWi number", "Child's name", "Contact arrangements", "Notes"]
    rows = [["FWI-600", "Sol Fictional", "Fortnightly with fictional grandmother", "Awaiting fictional assessment"],
            ["FWI-601", "Tia Fictional", None, None]]
    _upload(client, xlsx(rows, headings), "march tracker.xlsx")
    with in_tenant(council["tenant"]):
        run_id = db.session.execute(select(ImportRun.id)).scalar_one()
    mapping = client.get(f"/council-a/imports/{run_id}/mapping").text
    assert '<option value="note">Keep as a note on the child</option>' in mapping
    chosen = {"column_0": "case_number", "column_1": "name", "column_2": "note", "column_3": "note"}
    assert client.post(f"/council-a/imports/{run_id}/mapping", data=chosen).status_code == 302
    work_jobs()
    report = client.get(f"/council-a/imports/{run_id}").text
    assert "2 children created, 0 updated" in report and "Columns not read" not in report
    with in_tenant(council["tenant"]):
        sol = child("FWI-600")
        sol_id, tia_id = sol.id, child("FWI-601").id
    page = client.get(f"/council-a/children/{sol_id}").text
    assert "Notes from spreadsheets" in page
    assert ('<td class="govuk-table__cell">Contact arrangements</td><td class="govuk-table__cell">Fortnightly with '
            'fictional grandmother</td><td class="govuk-table__cell">march tracker.xlsx, imported ') in page
    assert '<td class="govuk-table__cell">Notes</td><td class="govuk-table__cell">Awaiting fictional assessment' in page
    assert "Notes from spreadsheets" not in client.get(f"/council-a/children/{tia_id}").text  # blank cells: none

    # The same file again: no note is added; the report says nothing changed.
    _upload(client, xlsx(rows, headings), "march tracker.xlsx")
    with in_tenant(council["tenant"]):
        again = db.session.execute(select(ImportRun.id).order_by(ImportRun.id.desc())).scalars().first()
    client.post(f"/council-a/imports/{again}/mapping", data=chosen)
    work_jobs()
    assert "0 children created, 0 updated, 2 unchanged" in client.get(f"/council-a/imports/{again}").text
    with in_tenant(council["tenant"]):
        assert count(ChildSheetNote) == 2


def test_notes_from_a_csv_are_updated_by_a_later_copy_of_the_same_file(app, council, in_tenant):
    from permanence.cases.models import ChildSheetNote

    mapping = {**LAYOUT.import_mapping(), "notes": "note"}
    with in_tenant(council["tenant"]):
        first = import_tracker(csv_bytes(["FWI-700,Uma Fictional,,,,,,,,,,,first fictional note"]), "t.csv", LAYOUT,
                               mapping=mapping, today=TODAY)
        assert (first.errors, first.created, first.ignored) == ([], 1, [])
    with in_tenant(council["tenant"]):
        later = import_tracker(csv_bytes(["FWI-700,Uma Fictional,,,,,,,,,,,second fictional note"]), "t.csv",
                               LAYOUT, mapping=mapping, today=date(2025, 2, 3))
        assert (later.errors, later.updated) == ([], 1)
    with in_tenant(council["tenant"]):
        notes = db.session.execute(select(ChildSheetNote)).scalars().all()
        assert [(n.heading, n.text, n.file, n.imported_on) for n in notes] == [
            ("Notes", "second fictional note", "t.csv", date(2025, 2, 3))]


def test_the_run_report_names_the_column_that_should_give_a_missing_date(app, client, login, council, make_user,
                                                                         work_jobs, in_tenant, left_care):
    from permanence.imports.models import ImportRun

    login(make_user(council["tenant"], ["panel_administrator"]))
    data = csv_bytes(["FWI-500,07/10/2024,", "FWI-501,,Care Order"],
                     ["FWi number", "Date became looked after", "Legal status"])
    _upload(client, data, "back in care.csv")
    with in_tenant(council["tenant"]):
        run_id = db.session.execute(select(ImportRun.id)).scalar_one()
    client.post(f"/council-a/imports/{run_id}/mapping", data={"column_0": "case_number", "column_1": "entered_care",
                                                              "column_2": "legal_status"})
    work_jobs()
    page = client.get(f"/council-a/imports/{run_id}").text
    assert "Nothing was imported" in page and "1 problem found." in page
    assert ("<td class=\"govuk-table__cell\">B (Date became looked after)</td><td class=\"govuk-table__cell\">"
            "the child comes back into care on 07/10/2024 but the row gives no legal status: fill in column C "
            "(Legal status)</td>") in page
    assert ("<li>back in care.csv, row 3, column C (Legal status): not recorded: the legal status is new (C2) but the "
            "sheet gives no date for it; fill in a column headed &#39;Legal status date&#39; (date the current legal "
            "status began), or record it on the child&#39;s page (the import does not guess a date)</li>") in page
    with in_tenant(council["tenant"]):
        assert [p.start for p in child("FWI-500").care_periods] == [date(2022, 2, 1)]
        assert count(Child) == 1


def test_an_old_row_of_a_child_who_has_left_care_changes_nothing(app, council, in_tenant, left_care):
    """The sheet still shows the period the record has ended: the same start and legal status, no error."""
    rows = [["FWI-500", None, None, None, None, date(2022, 2, 1), "Care Order", date(2022, 2, 1), None, None,
             None, None, None]]
    with in_tenant(council["tenant"]):
        result = import_tracker(xlsx(rows), "tracker.xlsx", LAYOUT, today=TODAY)
        assert (result.errors, result.unchanged, result.updated) == ([], 1, 0)
    with in_tenant(council["tenant"]):
        rae = child("FWI-500")
        assert [(p.start, p.end) for p in rae.care_periods] == [(date(2022, 2, 1), date(2023, 3, 1))]
        assert len(rae.legal_statuses) == 1
