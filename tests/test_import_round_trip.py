"""A council's return and its tracker sheet, as a panel administrator brings them in through the web:
the 903 files of every table (tests/data/ssda903/good) with each file's rows accounted for and the
DfE's own findings beside the platform's; the tracker sheet for the same children; the 903 again,
which changes nothing and keeps what the sheet wrote; the disagreement listed; and the tracker export's
values for those children, worked out by hand."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from text_support import plain
from permanence.audit.models import AuditEvent
from permanence.cases.imports import OPTIONAL
from permanence.cases.models import Child
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tor.services import load_folder

REPO = Path(__file__).resolve().parents[1]
GOOD = REPO / "tests" / "data" / "ssda903" / "good"
TABLES = ("header", "episodes", "reviews", *OPTIONAL)
NOW = datetime(2026, 3, 2, 10, 0)  # a Monday in the 2025-26 collection year


@pytest.fixture
def council(app, tenant_a, make_user, travel):
    travel(NOW)
    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    return {"tenant": tenant_a, "admin": make_user(tenant_a, ["panel_administrator"], name="Pat Fictional-Admin")}


def upload_903(client):
    files = {role: (io.BytesIO((GOOD / f"{role}.csv").read_bytes()), f"{role}.csv") for role in TABLES}
    response = client.post("/council-a/imports/ssda903", data={**files, "ssda903_mode": "partial"},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.text
    return response.location


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", plain(page)))


def audit_count() -> int:
    return len(db.session.execute(select(AuditEvent.id)).all())


def test_a_return_and_a_tracker_sheet_round_trip(app, client, login, council, work_jobs, make_token):
    login(council["admin"])
    run_page = upload_903(client)
    work_jobs()
    page = text(client.get(run_page).text)
    assert "3 children created, 0 updated" in page
    # Every file's rows: in = loaded + reported + left out + not used.
    for line in ("header.csv (Header) 4 3 0 0 1", "episodes.csv (Episodes) 4 4 0 0 0",
                 "reviews.csv (Reviews) 3 3 0 0 0", "uasc.csv (UASC) 1 1 0 0 0",
                 "placed_adoption.csv (PlacedAdoption) 2 2 0 0 0", "ad1.csv (AD1) 1 1 0 0 0",
                 "prev_perm.csv (PrevPerm) 1 1 0 0 0", "missing.csv (Missing) 2 2 0 0 0", "oc2.csv (OC2) 1 1 0 0 0",
                 "oc3.csv (OC3) 1 1 0 0 0", "sw_episodes.csv (SWEpisodes) 1 0 0 0 1", "dolo.csv (DoLo) 1 0 0 0 1"):
        assert line in page, line
    assert "dolo.csv: the DoLo table is not used" in page
    # The DfE's own rules, beside the platform's: the platform loads FICT001's AD1 row, the DfE's rule 523
    # says its DATE_INT should equal PlacedAdoption's DATE_PLACED.
    assert "The DfE's validation rules (2025-26 rule set)" in page
    assert re.search(r"ad1\.csv 2 FICT001 523 Date of decision that the child should be placed for adoption", page)

    # The tracker sheet (seed 001's layout) says FICT001 has been on a care order since 1 August 2025;
    # the return has a placement order from 20 June 2025.
    sheet = ("FWi number,Legal status,Legal status date,Notes\n"
             "FICT001,Care Order,01/08/2025,Fictional note kept\n").encode()
    response = client.post("/council-a/imports/tracker", data={"spreadsheet": (io.BytesIO(sheet), "tracker.csv"),
                                                               "tracker_mode": "all_or_nothing"},
                           content_type="multipart/form-data")
    mapping = response.location
    client.post(mapping, data={"column_0": "case_number", "column_1": "legal_status", "column_2": "legal_status_start",
                               "column_3": "note"})
    work_jobs()
    with app.app_context(), tenant_context(council["tenant"].id):
        fict001 = db.session.execute(select(Child).filter_by(case_number="FICT001")).scalar_one()
        assert [(s.code, s.start, s.end, s.origin, s.origin_detail) for s in fict001.legal_statuses] == [
            ("C2", date(2024, 1, 10), date(2025, 6, 20), "ssda903", "2025-26"),
            ("E1", date(2025, 6, 20), date(2025, 8, 1), "ssda903", "2025-26"),
            ("C2", date(2025, 8, 1), None, "tracker", "tracker.csv")]
        child_id = fict001.id

    # The same return again: the 903's own rows are put back as the return says (E1 still current), the
    # sheet's row stays, and the two now disagree.
    run_page = upload_903(client)
    work_jobs()
    page = text(client.get(run_page).text)
    assert "0 children created, 1 updated, 2 unchanged" in page
    with app.app_context(), tenant_context(council["tenant"].id):
        fict001 = db.session.get(Child, child_id)
        assert [(s.code, s.end, s.origin) for s in fict001.legal_statuses] == [
            ("C2", date(2025, 6, 20), "ssda903"), ("E1", None, "ssda903"), ("C2", None, "tracker")]
    listed = text(client.get("/council-a/imports/disagreements").text)
    assert ("Legal status: E1: Placement order, from 20 Jun 2025 and still current (SSDA903 return 2025-26); or "
            "C2: Care order, from 1 Aug 2025 and still current (Tracker spreadsheet tracker.csv)") in listed

    # The same return a third time changes nothing at all: no row, no audit event of a change.
    with app.app_context(), tenant_context(council["tenant"].id):
        before = audit_count()
    run_page = upload_903(client)
    work_jobs()
    assert "0 children created, 0 updated, 3 unchanged" in text(client.get(run_page).text)
    with app.app_context(), tenant_context(council["tenant"].id):
        changes = db.session.execute(select(AuditEvent.action, AuditEvent.entity_type)
                                     .order_by(AuditEvent.id)).all()[before:]
        assert [c for c in changes if c.action in ("create", "update", "delete") and c.entity_type != "ImportRun"] \
            == [], changes

    # The export, for the three children, as the tracker keeps them on 2 March 2026 (worked out by hand):
    # FICT001 came into care on 10 January 2024 on a care order: panel within 6 weeks, due 21 February
    # 2024, never held; next tracking meeting 12 weeks from the care order, 3 April 2024 (2024 is a leap
    # year); its latest legal status is the sheet's care order of 1 August 2025 (the disagreement above).
    # FICT002: section 20 from 3 March 2023, panel due 14 April 2023. FICT003 left care on 10 November
    # 2024: no legal status, placement or deadline.
    rows = list(csv.DictReader(io.StringIO(client.get("/council-a/tracker/export.csv").text.lstrip("\ufeff"))))
    blank = dict.fromkeys(["Team", "Social worker", "Team manager", "IRO", "Proceedings issued", "Week 26",
                           "Last Panel", "Permanence plan", "Parallel plan", "Plan agreed", "Last PPTM"], "")
    assert {r["FWi number"]: r for r in rows} == {
        "FICT001": {**blank, "FWi number": "FICT001", "Child's name": "Child FICT001", "Date of birth": "14/05/2021",
                    "Date became looked after": "10/01/2024", "Legal status": "Care Order",
                    "Legal status date": "01/08/2025", "First LAC review": "20/02/2024",
                    "Panel due (6 weeks)": "Overdue since 21/02/2024",
                    "Placement type": "A5: Placed for adoption under a placement order with current foster carers",
                    "Next PPTM due": "Overdue since 03/04/2024"},
        "FICT002": {**blank, "FWi number": "FICT002", "Child's name": "Child FICT002", "Date of birth": "02/09/2007",
                    "Date became looked after": "03/03/2023", "Legal status": "Section 20",
                    "Legal status date": "03/03/2023", "First LAC review": "01/04/2023",
                    "Panel due (6 weeks)": "Overdue since 14/04/2023", "Placement type": "U4: Long-term fostering",
                    "Next PPTM due": ""},
        "FICT003": {**blank, "FWi number": "FICT003", "Child's name": "Child FICT003", "Date of birth": "11/11/2006",
                    "Date became looked after": "01/05/2020", "Legal status": "", "Legal status date": "",
                    "First LAC review": "", "Panel due (6 weeks)": "", "Placement type": "", "Next PPTM due": ""},
    }

    # The API gives the return's other tables with where each row came from.
    _, secret = make_token(council["tenant"], council["admin"])
    history = client.get(f"/council-a/api/v1/children/{child_id}/history",
                         headers={"Authorization": f"Bearer {secret}"}).get_json()
    assert [(d["start"], d["end"], d["reason_ceased"], d["origin"], d["origin_detail"])
            for d in history["adoption_decisions"]] == [
        ("2024-08-01", "2024-10-15", "RD2", "ssda903", "2025-26"), ("2025-03-12", None, None, "ssda903", "2025-26")]
    assert [(a["decided_on"], a["matched_on"], a["number_of_adopters"], a["adopter_sex"]) for a in history["adoptions"]] \
        == [("2025-03-12", "2025-06-05", 2, "MF")]
    assert [(s["code"], s["origin"]) for s in history["legal_statuses"]] == [
        ("C2", "ssda903"), ("E1", "ssda903"), ("C2", "tracker")]
