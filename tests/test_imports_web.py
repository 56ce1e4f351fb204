"""The imports pages end to end: upload, map the headings, the job runs (in-process, or through
the real RQ worker on PostgreSQL and Redis), the run page shows progress and then the result
and every bad row; uploads are checked for size and type; only importers may use them."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence.cases.models import Child, LegalStatus
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.imports import jobs, services
from permanence.imports.models import ImportKind, ImportRun, ImportStatus, pack
from permanence.tor.services import load_folder, tracker_layout

REPO = Path(__file__).resolve().parents[1]
HEADINGS = ["FWi number", "Child's name", "Date of birth", "Legal status", "Legal status date", "Notes"]
HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,F,01/02/2019,WBRI,,,\nA2,M,30/06/2015,,,,\n"
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            "A1,01/03/2024,S,C1,N1,U6,PR1,,,,,,\nA2,10/01/2023,S,V2,N4,U4,PR4,,,,,,\n")
REVIEWS = "CHILD,DOB,REVIEW,REVIEW_CODE\nA1,01/02/2019,20/03/2024,PN0\n"


def xlsx(rows, headings=HEADINGS) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(headings)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def council(app, tenant_a, make_user):
    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    return {"tenant": tenant_a, "admin": make_user(tenant_a, ["panel_administrator"], name="Pat Fictional-Admin"),
            "worker": make_user(tenant_a, ["social_worker"])}


def runs(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(ImportRun).order_by(ImportRun.id)).scalars().all()
        db.session.expunge_all()
        return rows


def children(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Child.case_number).order_by(Child.case_number)).scalars().all()


def upload_tracker(client, data, name="tracker.xlsx", mode="all_or_nothing"):
    return client.post("/council-a/imports/tracker", data={"spreadsheet": (io.BytesIO(data), name),
                                                           "tracker_mode": mode},
                       content_type="multipart/form-data")


def test_a_tracker_spreadsheet_is_mapped_imported_and_reported(app, client, login, council, work_jobs):
    login(council["admin"])
    page = client.get("/council-a/imports/")
    assert page.status_code == 200 and "(sheet “Permanence tracker”)" in page.text
    response = upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order",
                                             date(2024, 3, 1), "a note"],
                                            ["FWI-2", "Ben Fictional", date(2016, 1, 2), "Section 20",
                                             date(2023, 8, 12), None]]))
    assert response.status_code == 302
    run = runs(app, council["tenant"])[0]
    assert (run.kind, run.status, run.file_names) == (ImportKind.TRACKER, ImportStatus.MAPPING,
                                                      [["spreadsheet", "tracker.xlsx"]])
    assert response.headers["Location"].endswith(f"/council-a/imports/{run.id}/mapping")
    mapping = client.get(f"/council-a/imports/{run.id}/mapping")
    assert "Column A: FWi number" in mapping.text and "Column F: Notes" in mapping.text
    assert '<option selected value="legal_status">Legal status</option>' in mapping.text  # from the layout
    chosen = {"column_0": "case_number", "column_1": "name", "column_2": "date_of_birth",
              "column_3": "legal_status", "column_4": "legal_status_start", "column_5": ""}
    response = client.post(f"/council-a/imports/{run.id}/mapping", data=chosen)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/council-a/imports/{run.id}")
    if app.config.get("REDIS_URL"):  # a real worker has not picked it up yet: the page waits and refreshes
        waiting = client.get(f"/council-a/imports/{run.id}")
        assert "Queued" in waiting.text and '<meta http-equiv="refresh" content="2">' in waiting.text
    work_jobs()
    done = client.get(f"/council-a/imports/{run.id}")
    assert "Finished" in done.text and "2 children created, 0 updated" in done.text
    assert "http-equiv=\"refresh\"" not in done.text and "Columns not read: Notes." in done.text
    run = runs(app, council["tenant"])[0]
    assert (run.status, run.rows_done, run.rows_total, run.errors) == (ImportStatus.DONE, 2, 2, [])
    assert run.mapping == {"FWi number": "case_number", "Child's name": "name", "Date of birth": "date_of_birth",
                           "Legal status": "legal_status", "Legal status date": "legal_status_start", "Notes": ""}
    assert children(app, council["tenant"]) == ["FWI-1", "FWI-2"]
    # The same file again: nothing is duplicated.
    response = upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order",
                                             date(2024, 3, 1), None]]))
    second = runs(app, council["tenant"])[1]
    client.post(f"/council-a/imports/{second.id}/mapping", data=chosen)
    work_jobs()
    assert "0 children created, 0 updated, 1 unchanged" in client.get(f"/council-a/imports/{second.id}").text
    with app.app_context(), tenant_context(council["tenant"].id):
        assert db.session.execute(select(func.count()).select_from(LegalStatus)).scalar_one() == 2


def test_bad_rows_are_listed_on_the_run_page_and_nothing_is_written(app, client, login, council, work_jobs):
    login(council["admin"])
    upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order", date(2024, 3, 1), ""],
                                 ["FWI-2", "Ben Fictional", "31/02/2016", "Care Ordr", None, ""]]))
    run = runs(app, council["tenant"])[0]
    response = client.post(f"/council-a/imports/{run.id}/mapping", data={
        "column_0": "case_number", "column_1": "name", "column_2": "date_of_birth", "column_3": "legal_status",
        "column_4": "legal_status_start", "column_5": ""})
    assert response.status_code == 302
    work_jobs()
    page = client.get(f"/council-a/imports/{run.id}").text
    assert "Nothing was imported" in page and "2 problems found." in page
    assert ("<td class=\"govuk-table__cell\">tracker.xlsx</td><td class=\"govuk-table__cell "
            "govuk-table__cell--numeric\">3</td><td class=\"govuk-table__cell\">C (Date of birth)</td>"
            "<td class=\"govuk-table__cell\">&#39;31/02/2016&#39; is not a date (expected dd/mm/yyyy or dd/mm/yy or "
            "yyyy-mm-dd)</td>") in page
    assert "D (Legal status)" in page
    assert children(app, council["tenant"]) == []
    report = client.get(f"/council-a/imports/{run.id}/errors.csv")
    assert report.text.splitlines()[:2] == [
        "File,Row,Column,Reason",
        "tracker.xlsx,3,C (Date of birth),'31/02/2016' is not a date (expected dd/mm/yyyy or dd/mm/yy or yyyy-mm-dd)"]
    # The same file, partial: the good child is imported, the bad one listed.
    upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order", date(2024, 3, 1), ""],
                                 ["FWI-2", "Ben Fictional", "31/02/2016", "Care Ordr", None, ""]]), mode="partial")
    partial = runs(app, council["tenant"])[1]
    client.post(f"/council-a/imports/{partial.id}/mapping", data={
        "column_0": "case_number", "column_1": "name", "column_2": "date_of_birth", "column_3": "legal_status",
        "column_4": "legal_status_start", "column_5": ""})
    work_jobs()
    page = client.get(f"/council-a/imports/{partial.id}").text
    assert "1 children created, 0 updated" in page and "1 left out because of wrong rows: FWI-2" in page
    assert children(app, council["tenant"]) == ["FWI-1"]


def test_the_mapping_must_name_the_case_number_once(app, client, login, council):
    login(council["admin"])
    upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order", None, ""]]))
    run = runs(app, council["tenant"])[0]
    response = client.post(f"/council-a/imports/{run.id}/mapping", data={
        "column_0": "", "column_1": "name", "column_2": "name", "column_3": "legal_status",
        "column_4": "", "column_5": ""})
    assert response.status_code == 400
    assert "Choose which column holds the case number: the import matches children on it" in response.text
    assert "“Date of birth” and “Child&#39;s name” both fill full name; choose one" in response.text
    assert runs(app, council["tenant"])[0].status == ImportStatus.MAPPING


def test_an_ssda903_extract_is_imported_as_a_job(app, client, login, council, work_jobs):
    login(council["admin"])
    response = client.post("/council-a/imports/ssda903", data={
        "header": (io.BytesIO(HEADER.encode()), "header.csv"),
        "episodes": (io.BytesIO(EPISODES.encode()), "episodes.csv"),
        "reviews": (io.BytesIO(REVIEWS.encode()), "reviews.csv"),
        "ssda903_mode": "all_or_nothing"}, content_type="multipart/form-data")
    assert response.status_code == 302
    work_jobs()
    run = runs(app, council["tenant"])[0]
    assert (run.kind, run.status, run.rows_done, run.rows_total) == (ImportKind.SSDA903, ImportStatus.DONE, 2, 2)
    page = client.get(f"/council-a/imports/{run.id}").text
    assert "2 children created, 0 updated" in page and "header.csv<br>episodes.csv<br>reviews.csv" in page
    assert children(app, council["tenant"]) == ["A1", "A2"]
    listing = client.get("/council-a/imports/").text
    assert "SSDA903 extract" in listing and "Pat Fictional-Admin" in listing


@pytest.mark.parametrize("files, message", [
    ({"spreadsheet": (b"hello", "tracker.txt")},
     "The file must be an Excel workbook (.xlsx) or a CSV file (.csv)"),
    ({}, "Choose the tracker spreadsheet (an .xlsx or .csv file)"),
    ({"spreadsheet": (b"", "tracker.csv")}, "The file is empty"),
    ({"spreadsheet": (b"just some text", "tracker.xlsx")},
     "The file is not an Excel workbook; open it in Excel and save it as .xlsx"),
    ({"spreadsheet": (b"x" * (services.MAX_UPLOAD_BYTES + 1), "tracker.csv")},
     "The file must be smaller than 10 MB"),
    ({"spreadsheet": (b"\n\n", "tracker.csv")},
     "The file has no headings on row 1, where the council&#39;s tracker layout expects them"),
])
def test_tracker_uploads_are_size_capped_and_type_checked(app, client, login, council, files, message):
    login(council["admin"])
    data = {name: (io.BytesIO(body), filename) for name, (body, filename) in files.items()}
    response = client.post("/council-a/imports/tracker", data={**data, "tracker_mode": "partial"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert message in response.text
    assert runs(app, council["tenant"]) == []


def test_a_903_table_with_the_wrong_columns_is_refused_on_upload(app, client, login, council):
    login(council["admin"])
    response = client.post("/council-a/imports/ssda903", data={
        "header": (io.BytesIO(EPISODES.encode()), "header.csv"),
        "episodes": (io.BytesIO(EPISODES.encode()), "episodes.csv"),
        "reviews": (io.BytesIO(REVIEWS.encode()), "reviews.csv"),
        "ssda903_mode": "partial"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This is not the 903 Header table: its first line has no SEX, DOB columns" in response.text
    assert runs(app, council["tenant"]) == []


def test_the_run_page_shows_progress_while_the_job_works(app, client, login, council):
    login(council["admin"])
    blob, names = pack({"spreadsheet": ("tracker.csv", b"FWi number\nX\n")})
    with app.app_context(), tenant_context(council["tenant"].id):
        run = ImportRun(kind=ImportKind.TRACKER, status=ImportStatus.RUNNING, uploads=blob, file_names=names,
                        errors=[], step="Writing children", rows_done=1200, rows_total=2000)
        db.session.add(run)
        commit()
        run_id = run.id
    page = client.get(f"/council-a/imports/{run_id}").text
    assert "Writing children: 1,200 of 2,000" in page
    assert '<progress max="100" value="60"' in page and '<meta http-equiv="refresh" content="2">' in page


def test_progress_is_visible_to_other_sessions_while_the_import_runs(app, council):
    """On PostgreSQL the run page reads progress from another transaction while the import's is open."""
    from sqlalchemy.orm import Session

    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has one writer at a time; progress lands with the result there")
    seen = []
    original = jobs.ProgressReport.__call__

    def spy(self, step, done, total):
        original(self, step, done, total)
        with Session(db.engine) as other:
            row = other.execute(select(ImportRun.step, ImportRun.rows_done, ImportRun.rows_total)
                                .where(ImportRun.id == self.run_id)).one()
            seen.append(tuple(row))

    rows = [[f"FWI-{n}", f"Child{n} Fictional", date(2019, 1, 1), "Care Order", date(2024, 3, 1), ""]
            for n in range(450)]
    with app.app_context(), tenant_context(council["tenant"].id):
        run = services.start_tracker_upload("tracker.xlsx", xlsx(rows), all_or_nothing=True,
                                            created_by_id=council["admin"].id,
                                            layout=tracker_layout(council["tenant"].id))
        run.status = ImportStatus.QUEUED
        commit()
        run_id = run.id
    with app.app_context(), tenant_context(council["tenant"].id):
        jobs.ProgressReport.__call__ = spy
        try:
            jobs.execute_run(run_id)
        finally:
            jobs.ProgressReport.__call__ = original
        assert ("Checking rows", 200, 450) in seen or ("Checking rows", 450, 450) in seen
        assert seen[-1] == ("Writing children", 450, 450)
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 450  # not yet committed
        commit()


@pytest.mark.parametrize("url", ["/council-a/imports/", "/council-a/imports/1", "/council-a/imports/1/mapping",
                                 "/council-a/imports/1/errors.csv"])
def test_a_member_without_the_import_permission_gets_403(app, client, login, council, url):
    login(council["worker"])
    assert client.get(url).status_code == 403
    assert client.post("/council-a/imports/tracker", data={}).status_code == 403


def test_a_run_that_breaks_is_marked_failed_and_writes_nothing(app, client, login, council, work_jobs, monkeypatch):
    def broken(*args, **kwargs):
        db.session.add(Child(case_number="HALF", first_name="Half", last_name="Written"))
        db.session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "import_tracker", broken)
    login(council["admin"])
    upload_tracker(client, xlsx([["FWI-1", "Amira Fictional", date(2019, 6, 5), "Care Order", None, ""]]))
    run = runs(app, council["tenant"])[0]
    client.post(f"/council-a/imports/{run.id}/mapping", data={
        "column_0": "case_number", "column_1": "name", "column_2": "", "column_3": "", "column_4": "",
        "column_5": ""})
    work_jobs()
    run = runs(app, council["tenant"])[0]
    assert run.status == ImportStatus.FAILED and run.finished_at is not None
    page = client.get(f"/council-a/imports/{run.id}").text
    assert "The import stopped because of a fault in the platform, so nothing was imported." in page
    assert children(app, council["tenant"]) == []


def test_a_zip_bomb_or_runaway_table_is_a_form_error_and_no_run_is_stored(app, client, login, council):
    from bombs_support import workbook, zip_bomb

    login(council["admin"])
    bomb = upload_tracker(client, zip_bomb(workbook()))
    assert bomb.status_code == 400
    assert ("The file expands to more than 200 MB when opened; a workbook may have at most 1,000 parts and "
            "expand to at most 200 MB") in bomb.text
    wide = upload_tracker(client, ("FWi number\nFWI-1" + "," * 300 + "x\n").encode(), name="tracker.csv")
    assert wide.status_code == 400
    assert "The file has a value in column KO on row 2; a table may have at most 256 columns (A to IV)" in wide.text
    long_line = HEADER.replace("A2,M,30/06/2015,,,,", "A2,M,30/06/2015," + "x" * 100_001)
    response = client.post("/council-a/imports/ssda903", data={
        "header": (io.BytesIO(long_line.encode()), "header.csv"),
        "episodes": (io.BytesIO(EPISODES.encode()), "episodes.csv"),
        "reviews": (io.BytesIO(REVIEWS.encode()), "reviews.csv"),
        "ssda903_mode": "partial"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert ("The file has a line longer than 100,000 characters (line 3); a line of a table may be at most "
            "100,000") in response.text
    assert runs(app, council["tenant"]) == []
