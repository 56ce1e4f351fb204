"""The DfE's own SSDA903 rules run before a 903 import, through the real pinned validator in its
own virtualenv (``make install`` builds ``.venv-903``): their findings are reported per file,
row (as the platform counts rows: header = 1) and rule beside the platform's; the council's
import policy makes chosen rules keep a child out; and a validator that crashes, hangs, is
killed or is missing is reported while the import still completes."""

from __future__ import annotations

import csv
import io
import stat
from datetime import date
from pathlib import Path

from text_support import plain
import pytest
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.imports import read_903
from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.imports.dfe_rules import check_with_dfe_rules, derive_collection_year, year_of
from permanence.imports.models import ImportRun, ImportStatus
from permanence.tor import TorConfigError, load_tor_from_text
from permanence.tor.services import load_folder

REPO = Path(__file__).resolve().parents[1]
PPTM = REPO / "tenants" / "permanence-panel-pptm" / "tor.yaml"

# Fictional children. DFE-1's care starts with a temporary placement (T0: the DfE's rule 380);
# DFE-2's review has no participation code (rule 167); DFE-3's sex is the old code 1 (rule 101
# from 2024-25). The platform loads all three without comment. Blank lines shift the row numbers.
HEADER = ("CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
          "DFE-1,F,01/05/2015,WBRI,A123456789012,,\n"
          "DFE-2,M,03/03/2012,WBRI,A123456789013,,\n"
          "\n"
          "DFE-3,1,04/04/2016,WBRI,A123456789014,,\n")
EPISODES = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
            "DFE-1,01/06/2025,S,C2,N1,T0,PR1,,,,,,\n"
            "DFE-2,01/04/2024,S,C2,N1,U1,PR1,,,,,,\n"
            "DFE-3,01/05/2024,S,C2,N1,U1,PR1,,,,,,\n")
REVIEWS = ("CHILD,DOB,REVIEW,REVIEW_CODE\n"
           "DFE-3,04/04/2016,01/09/2025,PN1\n"
           "\n"
           "DFE-2,03/03/2012,01/10/2025,\n")
TABLES = {"header": ("header.csv", HEADER), "episodes": ("episodes.csv", EPISODES),
          "reviews": ("reviews.csv", REVIEWS)}


def where(report, rule):
    return [(f.file, f.row, f.child) for f in report.findings if f.rule == rule]


@pytest.fixture(scope="module")
def report(app):
    with app.app_context():
        return check_with_dfe_rules(TABLES)


def test_the_dfe_rules_flag_rows_the_platform_loads_without_comment(report):
    extract = read_903(*(io.StringIO(text) for _, text in TABLES.values()),
                       names=tuple(name for name, _ in TABLES.values()))
    assert extract.errors == [] and sorted(extract.children) == ["DFE-1", "DFE-2", "DFE-3"]
    assert report.ran, report.message
    assert (report.year, report.year_label, report.rule_pack) == ("2026", "2025-26", "lac2025_26")
    assert where(report, "380") == [("episodes.csv", 2, "DFE-1")]  # a period of care starts with a temporary placement
    assert where(report, "167") == [("reviews.csv", 4, "DFE-2")]   # blank participation, after a blank line
    assert where(report, "101") == [("header.csv", 5, "DFE-3")]
    temporary = next(f for f in report.findings if f.rule == "380")
    assert temporary.description == "A period of care cannot start with a temporary placement."
    assert set(temporary.columns) == {"PLACE", "RNE"}
    assert "The DfE's 2025-26 rules" in report.message and "csc-validator-be-903==0.1.17" in report.message


def test_the_collection_year_is_the_one_holding_the_latest_date_within_the_packs(app):
    assert (year_of(date(2025, 3, 31)), year_of(date(2025, 4, 1))) == ("2025", "2026")
    episodes = "CHILD,DECOM,DEC\nX,01/06/2022,31/01/2023\nY,,\nZ,not a date,\n"
    reviews = "CHILD,REVIEW\nX,2023-03-31\n"
    assert derive_collection_year({"episodes": ("e.csv", episodes), "reviews": ("r.csv", reviews)}) == "2023"
    later = "CHILD,REVIEW\nX,2023-04-01\n"
    assert derive_collection_year({"episodes": ("e.csv", episodes), "reviews": ("r.csv", later)}) == "2024"
    assert derive_collection_year(TABLES) == "2026"
    assert derive_collection_year({"episodes": ("e.csv", EPISODES.replace("01/06/2025", "01/06/2039"))}) == "2027"
    assert derive_collection_year({"episodes": ("e.csv", EPISODES.replace("2024", "2011").replace("2025", "2011"))}) == "2023"


def test_a_year_given_chooses_its_rule_pack(app):
    with app.app_context():
        earlier = check_with_dfe_rules(TABLES, "2024")
    assert (earlier.ran, earlier.year_label, earlier.rule_pack) == (True, "2023-24", "lac2023_24")
    assert "The DfE's 2023-24 rules" in earlier.message
    assert where(earlier, "380") == [("episodes.csv", 2, "DFE-1")]


def test_an_import_policy_names_known_rules_only():
    text = PPTM.read_text()
    tor = load_tor_from_text(text + "\nimports:\n  dfe_rules_that_block: [380, 392b]\n", "tor.yaml")
    assert tor.imports.dfe_rules_that_block == ("380", "392b")
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text + "\nimports:\n  dfe_rules_that_block: [380, 9999]\n", "tor.yaml")
    assert "imports.dfe_rules_that_block: unknown DfE rule code '9999'" in str(caught.value)


# --- Through the import job and the run page --------------------------------------------------------

@pytest.fixture
def council(app, tenant_a, make_user, tmp_path):
    """The PPTM council, its import policy blocking rule 380 (a temporary placement first)."""
    (tmp_path / "tor.yaml").write_text(PPTM.read_text() + "\nimports:\n  dfe_rules_that_block: [380]\n"
                                       "  local_authority_code: E09000026\n")
    with app.app_context():
        load_folder(tmp_path, slug=tenant_a.slug)
        commit()
    return {"tenant": tenant_a, "admin": make_user(tenant_a, ["panel_administrator"])}


def upload(client, mode):
    return client.post("/council-a/imports/ssda903", data={
        **{role: (io.BytesIO(text.encode()), name) for role, (name, text) in TABLES.items()},
        "ssda903_mode": mode}, content_type="multipart/form-data")


def last_run(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        run = db.session.execute(select(ImportRun).order_by(ImportRun.id.desc())).scalars().first()
        db.session.expunge_all()
        return run


def case_numbers(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Child.case_number).order_by(Child.case_number)).scalars().all()


def test_a_blocking_rule_leaves_its_child_out_and_the_run_page_shows_the_findings(app, client, login, council,
                                                                                  work_jobs):
    login(council["admin"])
    assert upload(client, "partial").status_code == 302
    work_jobs()
    run = last_run(app, council["tenant"])
    assert run.status == ImportStatus.DONE
    assert case_numbers(app, council["tenant"]) == ["DFE-2", "DFE-3"]  # DFE-1 left out by rule 380
    assert run.result["skipped"] == ["DFE-1"] and run.result["dfe"]["year"] == "2026"

    page = plain(client.get(f"/council-a/imports/{run.id}").text)
    assert "1 left out because of wrong rows: DFE-1" in page
    assert ("DfE rule 380: A period of care cannot start with a temporary placement. "
            "(blocks this child under the council&#39;s import policy)") in page
    assert "The DfE's validation rules (2025-26 rule set)" in page
    section = page[page.index('id="dfe-findings"'):]
    rows = [r for r in section.split("<tr")[2:]]
    blocked = next(r for r in rows if ">380<" in r)
    participation = next(r for r in rows if ">167<" in r)
    assert "episodes.csv" in blocked and ">2<" in blocked and "DFE-1" in blocked and ">Yes<" in blocked
    assert "reviews.csv" in participation and ">4<" in participation and "DFE-2" in participation \
        and ">No<" in participation and "Data entry for participation is invalid or blank." in participation
    with app.app_context(), tenant_context(council["tenant"].id):  # the children it names were noted as read
        read = db.session.execute(select(AuditEvent).where(AuditEvent.action == "read")
                                  .order_by(AuditEvent.id.desc())).scalars().first()
        ids = sorted(db.session.execute(select(Child.id)).scalars())
        assert read.changes["ids"]["Child"] == ids

    download = client.get(f"/council-a/imports/{run.id}/dfe-findings.csv")
    table = list(csv.reader(io.StringIO(download.text)))
    assert table[0] == ["File", "Row", "Child", "Rule", "What the rule says", "Columns", "Blocks import?"]
    assert ["episodes.csv", "2", "DFE-1", "380", "A period of care cannot start with a temporary placement.",
            "PLACE, RNE", "Yes"] in table
    assert ["reviews.csv", "4", "DFE-2", "167"] in [r[:4] for r in table]

    terms = client.get("/council-a/terms-of-reference").text
    assert "Rule 380: A period of care cannot start with a temporary placement." in terms
    assert "E09000026" in terms


def test_all_or_nothing_refuses_the_extract_for_a_blocking_finding(app, client, login, council, work_jobs):
    login(council["admin"])
    upload(client, "all_or_nothing")
    work_jobs()
    run = last_run(app, council["tenant"])
    assert run.status == ImportStatus.DONE and not run.result["written"]
    assert case_numbers(app, council["tenant"]) == []
    assert [e["row"] for e in run.errors if e["reason"].startswith("DfE rule 380")] == [2]


def script(tmp_path, body):
    path = tmp_path / "fake-python"
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


@pytest.mark.parametrize("body, config, message", [
    ("echo 'Traceback: the rules fell over' >&2; exit 1", {},
     "The DfE's rules could not be run: the validator ended with exit code 1 (Traceback: the rules fell over)"),
    ("sleep 30", {"DFE_903_TIMEOUT": 1},
     "The DfE's rules could not be run: the validator did not finish within 1 seconds, so it was stopped"),
    ("kill -9 $$", {},
     "The DfE's rules could not be run: the validator was stopped by SIGKILL (it may have run out of memory)"),
    ("echo 'not json'", {}, "The DfE's rules could not be run: the validator's answer could not be read"),
    (None, {"DFE_903_PYTHON": "/nowhere/.venv-903/bin/python"},
     "The DfE's rules were not run: the validator is not installed on this server (no /nowhere/.venv-903/bin/python"),
])
def test_a_validator_that_breaks_is_reported_and_the_import_completes(app, client, login, council, work_jobs,
                                                                       tmp_path, monkeypatch, body, config, message):
    if body is not None:
        monkeypatch.setitem(app.config, "DFE_903_PYTHON", script(tmp_path, body))
    for key, value in config.items():
        monkeypatch.setitem(app.config, key, value)
    login(council["admin"])
    upload(client, "all_or_nothing")
    work_jobs()
    run = last_run(app, council["tenant"])
    assert run.status == ImportStatus.DONE and run.result["written"]
    assert case_numbers(app, council["tenant"]) == ["DFE-1", "DFE-2", "DFE-3"]  # nothing blocks without the rules
    assert run.result["dfe"]["ran"] is False and run.result["dfe"]["message"].startswith(message)
    page = client.get(f"/council-a/imports/{run.id}").text
    assert "3 children created" in page and 'id="dfe-findings"' not in page
    assert message.replace("'", "&#39;") in page


def test_the_memory_limit_stops_a_validator_that_needs_more(app, monkeypatch):
    monkeypatch.setitem(app.config, "DFE_903_MEMORY_MB", 40)  # too little to import pandas
    with app.app_context():
        report = check_with_dfe_rules(TABLES)
    assert not report.ran and report.findings == []
    assert report.message.startswith("The DfE's rules could not be run: the validator ")  # with 2 GB it runs: above


def test_the_command_line_import_says_what_the_dfe_rules_found(app, council, tmp_path):
    paths = {}
    for role, (name, text) in TABLES.items():
        paths[role] = tmp_path / name
        paths[role].write_text(text)
    findings = tmp_path / "dfe-findings.csv"  # beside the Header table unless --dfe-findings says where
    out = app.test_cli_runner().invoke(args=[
        "children", "import-903", "--tenant", council["tenant"].slug, "--header", str(paths["header"]),
        "--episodes", str(paths["episodes"]), "--reviews", str(paths["reviews"]), "--partial"])
    assert out.exit_code == 0, out.output
    assert "The DfE's 2025-26 rules" in out.output
    assert f"The DfE's 2025-26 findings (" in out.output and f"1 blocking their child under the council's import policy) are in {findings}" in out.output
    assert "2 children created, 0 updated, 0 unchanged, 1 skipped because of bad rows (collection year 2025-26)." \
        in out.output
    rows = list(csv.reader(findings.open()))
    assert ["episodes.csv", "2", "DFE-1", "380"] in [r[:4] for r in rows]
