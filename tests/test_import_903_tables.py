"""The SSDA903 import with every table of the return (tests/data/ssda903, fictional FICT children):
what lands on the child's record, the rows of each file accounted for, warnings apart from errors,
faults reported once on the row at fault, encodings, an identical re-run that writes nothing, and
the same through the web job and the command line."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.cases.facts import child_events, child_facts
from permanence.cases.imports import OPTIONAL, import_903, read_903
from permanence.cases.models import Child, KeyDate, LegalStatus
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.imports import jobs
from permanence.imports.models import ImportRun, ImportStatus
from permanence.tor.services import load_folder

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "ssda903"
GOOD, FAULTS = DATA / "good", DATA / "faults"
NEEDED = ("header", "episodes", "reviews")
GOOD_ACCOUNTS = [  # file, table, rows, loaded, reported, left out, not used
    ("header.csv", "Header", 4, 3, 0, 0, 1),  # one blank line
    ("episodes.csv", "Episodes", 4, 4, 0, 0, 0),
    ("reviews.csv", "Reviews", 3, 3, 0, 0, 0),
    ("uasc.csv", "UASC", 1, 1, 0, 0, 0),
    ("placed_adoption.csv", "PlacedAdoption", 2, 2, 0, 0, 0),
    ("ad1.csv", "AD1", 1, 1, 0, 0, 0),
    ("prev_perm.csv", "PrevPerm", 1, 1, 0, 0, 0),
    ("missing.csv", "Missing", 2, 2, 0, 0, 0),
    ("oc2.csv", "OC2", 1, 1, 0, 0, 0),
    ("oc3.csv", "OC3", 1, 1, 0, 0, 0),
    ("sw_episodes.csv", "SWEpisodes", 1, 0, 0, 0, 1),
    ("dolo.csv", "DoLo", 1, 0, 0, 0, 1),
]
FAULT_ERRORS = [
    "episodes.csv, row 4: child FICT102: LS 'ZZ' is not a known code",
    "reviews.csv, row 4: child FICT103: also on row 3: a second review on 20/05/2025",
    "reviews.csv, row 5: child FICT103: REVIEW 20/05/2099 is in the future",
    "reviews.csv, row 6, column REVIEW_CODE: child FICT104: a byte that is not text in UTF-8 or Windows-1252 "
    "(save the file as CSV UTF-8)",
]


def accounts(result):
    return [(f.file, f.table, f.rows, f.loaded, f.reported, f.left_out, f.not_used) for f in result.files]


def good_import(**kwargs):
    return import_903(*(GOOD / f"{role}.csv" for role in NEEDED),
                      others={role: GOOD / f"{role}.csv" for role in OPTIONAL}, **kwargs)


def child(case):
    return db.session.execute(select(Child).filter_by(case_number=case)).scalar_one()


def audit_events():
    return db.session.execute(select(func.count()).select_from(AuditEvent)).scalar_one()


def test_every_table_lands_on_the_record_and_every_row_is_accounted_for(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        result = good_import()
        assert (result.created, result.errors, result.written, result.collection_year) == (3, [], True, "2025-26")
        assert accounts(result) == GOOD_ACCOUNTS
        assert [str(w) for w in result.warnings] == [
            "header.csv: columns UPN, MOTHER, MC_DOB not used: the pupil number and the child's own motherhood "
            "do not bear on permanence decisions",
            "episodes.csv: columns HOME_POST, PL_POST not used: postcodes are not kept on the child's record",
            "uasc.csv: column SEX not used: the Header table gives it",
            "sw_episodes.csv: the SWEpisodes table is not used: social worker changes are not permanence "
            "decisions; the child's page keeps its own allocated worker",
            "dolo.csv: the DoLo table is not used: deprivation of liberty orders do not bear on permanence decisions",
        ]
    with in_tenant(tenant_a):
        adopted, uasc, leaver = child("FICT001"), child("FICT002"), child("FICT003")
        assert [(d.start, d.end, d.reason_ceased) for d in adopted.adoption_decisions] == [
            (date(2024, 8, 1), date(2024, 10, 15), "RD2"), (date(2025, 3, 12), None, None)]
        assert [(a.decided_on, a.matched_on, a.by_foster_carer, a.number_of_adopters, a.adopter_sex,
                 a.adopter_status) for a in adopted.adoptions] == [
            (date(2025, 3, 12), date(2025, 6, 5), False, 2, "MF", "L11")]
        assert [(p.arrangement, p.local_authority, p.when) for p in leaver.previous_permanence] == [
            ("P2", None, "zz/07/2015")]
        assert [(m.kind, m.start, m.end) for m in uasc.missing_episodes] == [
            ("M", date(2024, 5, 4), date(2024, 5, 6)), ("A", date(2024, 10, 10), None)]
        assert [u.ceased_on for u in uasc.unaccompanied] == [date(2025, 9, 2)]
        # An unaccompanied child for cohort rules until the UASC table's DUC.
        assert "unaccompanied" in child_facts(uasc, date(2025, 9, 1))["flags"]
        assert "unaccompanied" not in child_facts(uasc, date(2025, 9, 2))["flags"]
        assert [(o.year, o.sdq_score, o.convicted, o.health_check, o.substance_misuse, o.intervention_received)
                for o in uasc.outcomes] == [("2025-26", 14, False, True, False, None)]
        assert [(o.in_touch, o.activity, o.accommodation) for o in leaver.outcomes] == [("YES", "F2", "S")]
        assert {(r.origin, r.origin_detail) for r in [*adopted.legal_statuses, *adopted.adoption_decisions,
                                                       *adopted.adoptions, *uasc.missing_episodes]} == {
            ("ssda903", "2025-26")}
        # The decisions feed the vocabulary's events: a reversed one only until it was reversed.
        events = child_events(adopted, date(2026, 3, 1))
        assert (events["adm_decision"], events["match"]) == (date(2025, 3, 12), date(2025, 6, 5))
        assert child_events(adopted, date(2024, 9, 1))["adm_decision"] == date(2024, 8, 1)
        assert "adm_decision" not in child_events(adopted, date(2024, 11, 1))


def test_an_identical_rerun_changes_nothing_and_writes_no_audit_events(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        good_import()
    with in_tenant(tenant_a):
        db.session.add(KeyDate(child_id=child("FICT001").id, event="match", happened_on=date(2025, 6, 1)))
    with in_tenant(tenant_a):
        before = audit_events()
        result = good_import()
        assert (result.created, result.updated, result.unchanged) == (0, 0, 3)
        assert accounts(result) == GOOD_ACCOUNTS
    with in_tenant(tenant_a):
        assert audit_events() == before
        assert [k.event for k in child("FICT001").key_dates] == ["match"]  # what a person recorded stays
    # One changed row: one update, the rest untouched.
    episodes = (GOOD / "episodes.csv").read_text().replace("FICT002,03/03/2023,S,V2", "FICT002,03/03/2023,S,C2")
    with in_tenant(tenant_a):
        result = import_903(GOOD / "header.csv", io.StringIO(episodes), GOOD / "reviews.csv",
                            others={role: GOOD / f"{role}.csv" for role in OPTIONAL})
        assert (result.updated, result.unchanged) == (1, 2)
    with in_tenant(tenant_a):
        assert [s.code for s in child("FICT002").legal_statuses] == ["C2"]
        changed = db.session.execute(select(AuditEvent.entity_type).order_by(AuditEvent.id).offset(before)
                                     ).scalars().all()
        assert changed.count("LegalStatus") == 1 and "Review" not in changed  # the one status, updated


def test_faults_are_reported_once_on_the_row_at_fault(app, tenant_a, in_tenant):
    extract = read_903(*(FAULTS / f"{role}.csv" for role in NEEDED))
    assert [str(e) for e in extract.errors] == FAULT_ERRORS  # FICT102's X1 episode (row 3) is not blamed
    with in_tenant(tenant_a):
        result = import_903(*(FAULTS / f"{role}.csv" for role in NEEDED), all_or_nothing=True)
        assert not result.written and result.refusal == "4 problems; nothing will be imported"
        assert accounts(result) == [("header.csv", "Header", 4, 0, 0, 4, 0),
                                    ("episodes.csv", "Episodes", 5, 0, 1, 4, 0),
                                    ("reviews.csv", "Reviews", 5, 0, 3, 2, 0)]
    with in_tenant(tenant_a):
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 0
        result = import_903(*(FAULTS / f"{role}.csv" for role in NEEDED), all_or_nothing=False)
        assert result.written and result.skipped == ["FICT102", "FICT103", "FICT104"]
        assert accounts(result) == [("header.csv", "Header", 4, 1, 0, 3, 0),
                                    ("episodes.csv", "Episodes", 5, 1, 1, 3, 0),
                                    ("reviews.csv", "Reviews", 5, 1, 3, 1, 0)]
    with in_tenant(tenant_a):
        assert [p.urn for p in child("FICT101").placements] == ["URNé01"]  # Windows-1252 read right


def test_an_episodes_file_without_dec_and_rec_is_refused(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        result = import_903(FAULTS / "header.csv", FAULTS / "episodes_no_dec_rec.csv", FAULTS / "reviews.csv")
        assert [str(e) for e in result.errors] == [
            "episodes_no_dec_rec.csv: is not the 903 Episodes table as the DfE specifies it: missing columns DEC, REC"]
        assert not result.written


def test_an_optional_column_missing_is_a_warning_and_a_table_with_wrong_columns_an_error(tmp_path):
    episodes = tmp_path / "episodes.csv"
    episodes.write_text("\n".join(",".join(cell for i, cell in enumerate(line.split(",")) if i != 6)
                                  for line in (GOOD / "episodes.csv").read_text().splitlines()) + "\n")
    extract = read_903(GOOD / "header.csv", episodes, GOOD / "reviews.csv")
    assert extract.errors == []
    assert "episodes.csv: no PLACE_PROVIDER column: read as blank for every row" in [str(w) for w in extract.warnings]
    with pytest.raises(Exception) as caught:
        read_903(GOOD / "header.csv", GOOD / "episodes.csv", GOOD / "reviews.csv",
                 others={"ad1": GOOD / "missing.csv"})
    assert str(caught.value) == ("missing.csv: is not the 903 AD1 table as the DfE specifies it: missing columns "
                                 "DATE_INT, DATE_MATCH")


def test_a_declared_encoding_is_used(tmp_path):
    header = tmp_path / "header.csv"
    header.write_bytes("CHILD,SEX,DOB,ETHNIC\nFICT201,F,01/01/2015,WBRI\n".encode("utf-8-sig"))
    episodes = tmp_path / "episodes.csv"
    episodes.write_bytes((FAULTS / "episodes.csv").read_bytes().replace(b"FICT101", b"FICT201"))
    extract = read_903(header, episodes, GOOD / "reviews.csv", encoding="utf-8")
    # Declared UTF-8, the Windows-1252 é is a bad byte, named with its row and column.
    assert "episodes.csv, row 2, column URN: child FICT201: a byte that is not text" in str(extract.errors[0])


def test_the_cli_reports_a_bad_byte_and_the_accounting_and_never_tracebacks(app, tenant_a, in_tenant, tmp_path):
    runner = app.test_cli_runner()
    findings = str(tmp_path / "dfe-findings.csv")  # never beside the Header table: that is the repository
    args = ["children", "import-903", "--tenant", tenant_a.slug, "--dfe-findings", findings,
            *(x for role in NEEDED for x in (f"--{role}", str(FAULTS / f"{role}.csv")))]
    out = runner.invoke(args=args)
    assert out.exit_code == 1 and isinstance(out.exception, SystemExit), out.output  # an error, not a traceback
    assert FAULT_ERRORS[3] in out.output
    assert out.output.index("4 problems; nothing will be imported") < out.output.index("reviews.csv (Reviews)")
    assert "reviews.csv (Reviews): 5 rows = 0 loaded + 3 reported + 2 left out + 0 not used" in out.output
    good = ["children", "import-903", "--tenant", tenant_a.slug, "--dfe-findings", findings,
            *(x for role in (*NEEDED, *OPTIONAL) for x in (f"--{role.replace('_', '-')}", str(GOOD / f"{role}.csv")))]
    out = runner.invoke(args=good)
    assert out.exit_code == 0, out.output
    assert "3 children created, 0 updated, 0 unchanged (collection year 2025-26)." in out.output
    assert "placed_adoption.csv (PlacedAdoption): 2 rows = 2 loaded + 0 reported + 0 left out + 0 not used" in out.output
    assert "Warning: dolo.csv: the DoLo table is not used" in out.output
    out = runner.invoke(args=good)
    assert "0 children created, 0 updated, 3 unchanged" in out.output


@pytest.fixture
def council(app, tenant_a, make_user):
    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    return {"tenant": tenant_a, "admin": make_user(tenant_a, ["panel_administrator"], name="Pat Fictional-Admin")}


def test_the_web_job_imports_every_table_and_shows_the_rows_of_each_file(app, client, login, council, work_jobs):
    login(council["admin"])
    data = {role: (io.BytesIO((GOOD / f"{role}.csv").read_bytes()), f"{role}.csv") for role in (*NEEDED, *OPTIONAL)}
    response = client.post("/council-a/imports/ssda903", data={**data, "ssda903_mode": "all_or_nothing"},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    work_jobs()
    with app.app_context(), tenant_context(council["tenant"].id):
        run = db.session.execute(select(ImportRun)).scalar_one()
        assert run.status == ImportStatus.DONE and run.result["collection_year"] == "2025-26"
        run_id = run.id
        fict001, fict002, fict003 = (child(case).id for case in ("FICT001", "FICT002", "FICT003"))
    page = client.get(f"/council-a/imports/{run_id}").text
    assert "3 children created, 0 updated" in page
    assert ('<td class="govuk-table__cell">placed_adoption.csv (PlacedAdoption)</td>' in page)
    assert "dolo.csv: the DoLo table is not used" in page
    record = client.get(f"/council-a/children/{fict001}").text
    assert "Should be placed for adoption" in record and "12 Mar 2025" in record
    assert "RD2: The court did not make a placement order" in record
    assert "MF: Male and female couple; L11: Different-gender married couple" in record
    record = client.get(f"/council-a/children/{fict002}").text
    assert "A: Away from placement without authorisation" in record and "02 Sep 2025" in record  # missing, UASC
    assert "Outcomes (903 OC2 and OC3)" in record
    record = client.get(f"/council-a/children/{fict003}").text
    assert "P2: Special guardianship order" in record and "zz/07/2015" in record


def test_the_web_job_reads_windows_1252_and_reports_a_bad_byte(app, client, login, council, work_jobs):
    login(council["admin"])
    data = {role: (io.BytesIO((FAULTS / f"{role}.csv").read_bytes()), f"{role}.csv") for role in NEEDED}
    client.post("/council-a/imports/ssda903", data={**data, "ssda903_mode": "partial"},
                content_type="multipart/form-data")
    work_jobs()
    with app.app_context(), tenant_context(council["tenant"].id):
        run = db.session.execute(select(ImportRun)).scalar_one()
        assert [(e["file"], e["row"], e["column"]) for e in run.errors] == [
            ("episodes.csv", 4, None), ("reviews.csv", 4, None), ("reviews.csv", 5, None),
            ("reviews.csv", 6, "REVIEW_CODE")]
        assert [p.urn for p in child("FICT101").placements] == ["URNé01"]
        run_id = run.id
    page = client.get(f"/council-a/imports/{run_id}").text
    assert "<td class=\"govuk-table__cell\">REVIEW_CODE</td>" in page


def test_an_encoding_declared_on_the_web_form_is_the_one_read(app, client, login, council, work_jobs):
    """The same Windows-1252 files declared as UTF-8: the é of FICT101's URN is not UTF-8, so that cell is
    reported (file, row, column) and FICT101 left out, where working it out read it right (above)."""
    login(council["admin"])
    data = {role: (io.BytesIO((FAULTS / f"{role}.csv").read_bytes()), f"{role}.csv") for role in NEEDED}
    bad = client.post("/council-a/imports/ssda903", data={**data, "encoding": "latin-9", "ssda903_mode": "partial"},
                      content_type="multipart/form-data")
    assert bad.status_code == 400 and "Not a valid choice" in bad.text
    data = {role: (io.BytesIO((FAULTS / f"{role}.csv").read_bytes()), f"{role}.csv") for role in NEEDED}
    client.post("/council-a/imports/ssda903", data={**data, "encoding": "utf-8", "ssda903_mode": "partial"},
                content_type="multipart/form-data")
    work_jobs()
    with app.app_context(), tenant_context(council["tenant"].id):
        run = db.session.execute(select(ImportRun)).scalar_one()
        assert run.encoding == "utf-8"
        assert [(e["file"], e["row"], e["column"]) for e in run.errors][:1] == [("episodes.csv", 2, "URN")]
        assert "FICT101" in run.result["skipped"]
        run_id = run.id
    page = client.get(f"/council-a/imports/{run_id}").text
    assert '<dd class="govuk-summary-list__value" id="import-encoding">UTF-8, as declared</dd>' in page


def test_the_web_job_says_it_refuses_before_writing(app, client, login, council, work_jobs, monkeypatch):
    steps = []
    real = jobs.ProgressReport.__call__
    monkeypatch.setattr(jobs.ProgressReport, "__call__", lambda self, step, done, total: (
        steps.append((step, done, total)), real(self, step, done, total)))
    login(council["admin"])
    data = {role: (io.BytesIO((FAULTS / f"{role}.csv").read_bytes()), f"{role}.csv") for role in NEEDED}
    client.post("/council-a/imports/ssda903", data={**data, "ssda903_mode": "all_or_nothing"},
                content_type="multipart/form-data")
    work_jobs()
    assert steps == [("Checking against the DfE's rules", 0, 1), ("Checking against the DfE's rules", 1, 1),
                     ("4 problems; nothing will be imported", 0, 0)]  # no child written, none begun
    with app.app_context(), tenant_context(council["tenant"].id):
        run = db.session.execute(select(ImportRun)).scalar_one()
        assert run.result["refusal"] == "4 problems; nothing will be imported" and not run.result["written"]
        assert db.session.execute(select(func.count()).select_from(Child)).scalar_one() == 0
        run_id = run.id
    page = client.get(f"/council-a/imports/{run_id}").text
    assert "Nothing was imported" in page and "4 problems found." in page


def test_a_file_with_the_wrong_columns_is_refused_on_upload(app, client, login, council):
    login(council["admin"])
    data = {role: (io.BytesIO((GOOD / f"{role}.csv").read_bytes()), f"{role}.csv") for role in NEEDED}
    data["ad1"] = (io.BytesIO((GOOD / "missing.csv").read_bytes()), "missing.csv")
    response = client.post("/council-a/imports/ssda903", data={**data, "ssda903_mode": "partial"},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert "This is not the 903 AD1 table: its first line has no DATE_INT, DATE_MATCH columns" in response.text


def test_legal_statuses_written_by_hand_survive(app, tenant_a, in_tenant):
    with in_tenant(tenant_a):
        good_import()
    with in_tenant(tenant_a):
        db.session.add(LegalStatus(child_id=child("FICT002").id, code="C1", start=date(2022, 1, 1),
                                   end=date(2022, 2, 1)))
    with in_tenant(tenant_a):
        assert good_import().unchanged == 3
    with in_tenant(tenant_a):
        assert [s.code for s in child("FICT002").legal_statuses] == ["C1", "V2"]
