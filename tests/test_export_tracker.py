"""The tracker export: the council's own headings and wording, real dates in the workbook, a
styled, frozen and filtered header, milestones as the tracker keeps them, only the children
the member may see, and every export in the audit log."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from permanence.audit.models import AuditEvent
from permanence.cases.models import (CarePeriod, CareProceedings, LegalStatus, PermanencePlan, Placement, Review)
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.tor.services import load_folder

REPO = Path(__file__).resolve().parents[1]
TODAY = date(2024, 9, 1)
PPTM_HEADINGS = [
    "FWi number", "Child's name", "Date of birth", "Team", "Social worker", "Team manager", "IRO",
    "Date became looked after", "Legal status", "Legal status date", "Proceedings issued", "Week 26",
    "First LAC review", "Panel due (6 weeks)", "Last Panel", "Permanence plan", "Parallel plan", "Plan agreed",
    "Placement type", "Last PPTM", "Next PPTM due"]


@pytest.fixture
def council(app, tenant_a, make_team, make_user, make_child, travel, work_jobs):
    """Seed 001's layout, and two crafted children allocated to different workers; the tracker
    keeps their milestones as of ``TODAY``."""
    travel(TODAY)
    with app.app_context():
        load_folder(REPO / "tenants" / "permanence-panel-pptm", slug=tenant_a.slug)
        commit()
    team = make_team(tenant_a, "Children in Care 1")
    worker = make_user(tenant_a, ["social_worker"], name="Jo Fictional-Worker")
    other = make_user(tenant_a, ["social_worker"], name="Sam Fictional-Worker")
    manager = make_user(tenant_a, ["team_manager"], name="Lee Fictional-Manager")
    amira = make_child(tenant_a, case_number="FWI-500", first_name="Amira", last_name="Fictional",
                       date_of_birth=date(2019, 6, 5), team=team, social_worker=worker, team_manager=manager)
    make_child(tenant_a, case_number="FWI-501", first_name="Ben", last_name="Fictional",
                date_of_birth=date(2016, 1, 2), social_worker=other)
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add_all([
            CarePeriod(child_id=amira.id, start=date(2024, 2, 1)),
            LegalStatus(child_id=amira.id, code="C1", start=date(2024, 2, 1), end=date(2024, 5, 1)),
            LegalStatus(child_id=amira.id, code="C2", start=date(2024, 5, 1)),
            Placement(child_id=amira.id, place="U6", start=date(2024, 2, 1)),
            Review(child_id=amira.id, held_on=date(2024, 2, 20)),
            CareProceedings(child_id=amira.id, issued_on=date(2024, 2, 5), concluded_on=date(2024, 5, 1)),
            PermanencePlan(child_id=amira.id, route="adoption", kind="primary", agreed_on=date(2024, 3, 1),
                           agreed_at="panel"),
            PermanencePlan(child_id=amira.id, route="special_guardianship", kind="contingency",
                           agreed_on=date(2024, 3, 1), agreed_at="panel"),
        ])
        commit()
    work_jobs()  # the tracker's recompute, queued by the commits above
    return {"tenant": tenant_a, "worker": worker, "other": other, "manager": manager,
            "admin": make_user(tenant_a, ["panel_administrator"]), "member": make_user(tenant_a, ["panel_member"])}


AMIRA = ["FWI-500", "Amira Fictional", date(2019, 6, 5), "Children in Care 1", "Jo Fictional-Worker",
         "Lee Fictional-Manager", None, date(2024, 2, 1), "Care Order", date(2024, 5, 1), date(2024, 2, 5),
         date(2024, 8, 5),  # week 26: issued 5 February + 26 weeks
         date(2024, 2, 20), "Overdue since 14/03/2024",  # panel within 6 weeks of 1 February, not held
         None, "Adoption", "SGO", date(2024, 3, 1), "U6: Fostering", None,
         "Overdue since 24/07/2024"]  # next PPTM: care order of 1 May + 12 weeks (placement under 12 months)
BEN = ["FWI-501", "Ben Fictional", date(2016, 1, 2), None, "Sam Fictional-Worker"] + [None] * 16


def _cells(value):
    return value.date() if isinstance(value, datetime) else value


def test_the_workbook_has_the_councils_layout_and_exact_values(app, client, login, council):
    login(council["admin"])
    response = client.get("/council-a/tracker/export.xlsx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="tracker-council-a-2024-09-01.xlsx"'
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["Permanence tracker"]
    rows = [[_cells(c) for c in row] for row in sheet.iter_rows(values_only=True)]
    assert rows == [PPTM_HEADINGS, AMIRA, BEN]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:U3"
    assert sheet["A1"].font.bold and sheet["A1"].fill.fgColor.rgb.endswith("0B0C0C")
    assert isinstance(sheet["C2"].value, datetime) and sheet["C2"].number_format == "dd/mm/yyyy"
    assert sheet["M2"].number_format == "dd/mm/yyyy"


def test_the_csv_has_the_councils_layout_and_dates_as_it_writes_them(app, client, login, council):
    login(council["admin"])
    response = client.get("/council-a/tracker/export.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    text = response.data.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == PPTM_HEADINGS
    assert rows[1] == ["FWI-500", "Amira Fictional", "05/06/2019", "Children in Care 1", "Jo Fictional-Worker",
                       "Lee Fictional-Manager", "", "01/02/2024", "Care Order", "01/05/2024", "05/02/2024",
                       "05/08/2024", "20/02/2024", "Overdue since 14/03/2024", "", "Adoption", "SGO",
                       "01/03/2024", "U6: Fostering", "", "Overdue since 24/07/2024"]
    assert rows[2][:5] == ["FWI-501", "Ben Fictional", "02/01/2016", "", "Sam Fictional-Worker"]


def test_every_export_is_audited(app, client, login, council):
    login(council["admin"])
    client.get("/council-a/tracker/export.xlsx")
    client.get("/council-a/tracker/export.csv")
    with app.app_context(), tenant_context(council["tenant"].id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")
                                    .order_by(AuditEvent.id)).scalars().all()
        assert [(e.entity_type, e.summary, e.actor_id) for e in events] == [
            ("Child", "Tracker exported as XLSX (2 children)", council["admin"].id),
            ("Child", "Tracker exported as CSV (2 children)", council["admin"].id)]


def test_a_social_worker_exports_only_their_own_children(app, client, login, council):
    login(council["worker"])
    workbook = load_workbook(io.BytesIO(client.get("/council-a/tracker/export.xlsx").data))
    assert [row[0] for row in workbook.active.iter_rows(values_only=True)] == ["FWi number", "FWI-500"]
    login(council["other"])
    rows = list(csv.reader(io.StringIO(client.get("/council-a/tracker/export.csv").data.decode("utf-8-sig"))))
    assert [row[0] for row in rows] == ["FWi number", "FWI-501"]


@pytest.mark.parametrize("url", ["/council-a/tracker/export.xlsx", "/council-a/tracker/export.csv"])
def test_a_member_without_the_export_permission_gets_403(app, client, login, council, url):
    login(council["member"])
    assert client.get(url).status_code == 403
    with app.app_context(), tenant_context(council["tenant"].id):
        assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "export")).first() is None


def test_a_council_without_a_tracker_section_gets_the_default_layout(app, client, login, tenant_b, make_user,
                                                                    make_child, travel):
    travel(TODAY)
    make_child(tenant_b, case_number="B-1", first_name="Cara", last_name="Fictional", date_of_birth=date(2020, 2, 1))
    login(make_user(tenant_b, ["chair"]))
    rows = list(csv.reader(io.StringIO(client.get("/council-b/tracker/export.csv").data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Case number", "Name", "Date of birth", "Team"]
    assert rows[0][-1] == "Care proceedings concluded (week 26): due"
    assert rows[1][:3] == ["B-1", "Cara Fictional", "01/02/2020"]


def test_text_a_spreadsheet_would_run_as_a_formula_is_written_as_text(app, client, login, council, make_child):
    make_child(council["tenant"], case_number="=HYPERLINK(1)", first_name="Dee", last_name="Fictional")
    login(council["admin"])
    workbook = load_workbook(io.BytesIO(client.get("/council-a/tracker/export.xlsx").data))
    assert workbook.active["A4"].value == "=HYPERLINK(1)" and workbook.active["A4"].data_type == "s"
    rows = list(csv.reader(io.StringIO(client.get("/council-a/tracker/export.csv").data.decode("utf-8-sig"))))
    assert rows[3][0] == "'=HYPERLINK(1)"


def test_the_terms_of_reference_page_shows_the_tracker_layout(app, client, login, council):
    login(council["admin"])
    page = client.get("/council-a/terms-of-reference").text
    assert "The tracker spreadsheet" in page and "sheet “Permanence tracker”, dates written dd/mm/yyyy" in page
    assert ('<th scope="row" class="govuk-table__header">Next PPTM due</th><td class="govuk-table__cell">Due date '
            "of the soonest of: PPTM while care proceedings are in place; PPTM under a placement order; PPTM under "
            "a care order, in placement under 12 months") in page
    assert "“Care Order” = C2" in page
    assert "Other headings read on import: “FWi ID” as case number." in page


def test_an_exported_tracker_imports_back_unchanged(app, client, login, council, in_tenant):
    from permanence.imports.tracker_sheet import import_tracker
    from permanence.tor.services import tracker_layout

    login(council["admin"])
    exported = client.get("/council-a/tracker/export.xlsx").data
    with in_tenant(council["tenant"]):
        result = import_tracker(exported, "tracker.xlsx", tracker_layout(council["tenant"].id),
                                today=TODAY)
        assert (result.errors, result.created, result.updated, result.unchanged) == ([], 0, 0, 2)
        assert result.ignored == ["Week 26", "First LAC review", "Panel due (6 weeks)", "Last Panel", "Last PPTM",
                                  "Next PPTM due"]


# --- Every column, for children in every situation (Knowsley's layout) -------------------------------

KNOWSLEY_HEADINGS = [
    "ICS ID", "Name", "DOB", "Age", "Social Worker", "Team Manager", "Date came into care", "Legal Status",
    "Legal status date", "Placement Order date", "Placement", "Placement start", "Approved as long term", "Plan",
    "Contingency plan", "Plan agreed", "Placed for adoption", "Next review due", "Last panel"]

# Worked out by hand for 1 September 2024 (a Sunday); the bank holiday of 26 August 2024 is no working day.
KNOWSLEY_ROWS = [
    # In care, three reviews: the next is six months after the last (15 March 2024). The superseded interim
    # order and the ended placement show nowhere.
    ["K-1", "Cara Fictional", date(2015, 4, 3), 9, None, None, date(2023, 6, 5), "Care Order", date(2023, 12, 1),
     None, "Foster care", date(2024, 1, 10), "No", "Long term fostering", None, date(2023, 9, 20), None,
     date(2024, 9, 15), None],
    # In care, one review (30 January 2024): the second was due three months later and has not been held.
    ["K-2", "Dev Fictional", date(2012, 11, 20), 11, None, None, date(2024, 1, 8), "S20", date(2024, 1, 8), None,
     "Foster care", date(2024, 1, 8), "No", None, None, None, None, "Overdue since 30/04/2024", None],
    # Left care on 1 May 2023 (the legal status left open by its source): no legal status, placement or
    # review is shown; the date the last period of care began stays.
    ["K-3", "Eve Fictional", date(2008, 7, 14), 16, None, None, date(2022, 3, 1), None, None, None, None, None,
     None, None, None, None, None, None, None],
    # Back in care on 5 August 2024 after a period in 2021: the review cycle restarts, first review 20
    # working days after 5 August (3 September, the bank holiday skipped); nothing of 2021 shows, not even
    # the placement order of that period.
    ["K-4", "Finn Fictional", date(2013, 2, 28), 11, None, None, date(2024, 8, 5), "ICO", date(2024, 8, 5), None,
     "Foster care", date(2024, 8, 5), "No", None, None, None, None, date(2024, 9, 3), None],
    # Adopted (left care 1 March 2023): the placement order and placement for adoption are history and
    # stay; the plan was never ended; nothing of the period of care is current.
    ["K-5", "Gia Fictional", date(2019, 9, 9), 4, None, None, date(2020, 1, 6), None, None, date(2022, 1, 10),
     None, None, None, "Adoption", None, date(2021, 6, 1), date(2022, 6, 1), None, None],
    # Placed for adoption and still looked after, four reviews: next six months after 1 May 2024.
    ["K-6", "Hana Fictional", date(2022, 12, 1), 1, None, None, date(2023, 1, 9), "Placement Order",
     date(2023, 9, 1), date(2023, 9, 1), "Placed for adoption", date(2024, 2, 1), "No", "Adoption", None,
     date(2023, 5, 2), date(2024, 2, 1), date(2024, 11, 1), None],
    # In care two weeks, no plan, no review yet: first due 20 working days after 19 August (17 September).
    ["K-7", "Ivo Fictional", date(2010, 1, 15), 14, None, None, date(2024, 8, 19), None, None, None, None, None,
     None, None, None, None, None, date(2024, 9, 17), None],
]


def _d(text):
    return date.fromisoformat(text)


@pytest.fixture
def knowsley(app, tenant_a, make_child, make_user, travel, work_jobs):
    travel(TODAY)
    with app.app_context():
        load_folder(REPO / "tenants" / "knowsley", slug=tenant_a.slug)
        commit()
    kids = {}
    for case, first, born in [("K-1", "Cara", "2015-04-03"), ("K-2", "Dev", "2012-11-20"),
                              ("K-3", "Eve", "2008-07-14"), ("K-4", "Finn", "2013-02-28"),
                              ("K-5", "Gia", "2019-09-09"), ("K-6", "Hana", "2022-12-01"),
                              ("K-7", "Ivo", "2010-01-15")]:
        kids[case] = make_child(tenant_a, case_number=case, first_name=first, last_name="Fictional",
                                date_of_birth=_d(born)).id
    c1, c2, c3, c4, c5, c6, c7 = kids.values()

    def plan(child, route, agreed):
        return PermanencePlan(child_id=child, route=route, kind="primary", agreed_on=_d(agreed), agreed_at="panel")

    rows = [
        CarePeriod(child_id=c1, start=_d("2023-06-05")),
        LegalStatus(child_id=c1, code="C1", start=_d("2023-06-05"), end=_d("2023-12-01")),
        LegalStatus(child_id=c1, code="C2", start=_d("2023-12-01")),
        Placement(child_id=c1, place="U4", start=_d("2023-06-05"), end=_d("2024-01-10")),
        Placement(child_id=c1, place="U6", start=_d("2024-01-10")),
        plan(c1, "long_term_fostering", "2023-09-20"),
        *(Review(child_id=c1, held_on=_d(d)) for d in ("2023-06-28", "2023-09-20", "2024-03-15")),

        CarePeriod(child_id=c2, start=_d("2024-01-08")),
        LegalStatus(child_id=c2, code="V2", start=_d("2024-01-08")),
        Placement(child_id=c2, place="U6", start=_d("2024-01-08")),
        Review(child_id=c2, held_on=_d("2024-01-30")),

        CarePeriod(child_id=c3, start=_d("2022-03-01"), end=_d("2023-05-01"), reason_ceased="E8"),
        LegalStatus(child_id=c3, code="C2", start=_d("2022-03-01")),
        Placement(child_id=c3, place="U6", start=_d("2022-03-01"), end=_d("2023-05-01")),
        *(Review(child_id=c3, held_on=_d(d)) for d in ("2022-03-20", "2022-06-15", "2022-12-01")),

        CarePeriod(child_id=c4, start=_d("2021-02-01"), end=_d("2022-02-01"), reason_ceased="E8"),
        LegalStatus(child_id=c4, code="E1", start=_d("2021-02-01"), end=_d("2022-02-01")),
        Placement(child_id=c4, place="U3", start=_d("2021-02-01"), end=_d("2022-02-01")),
        *(Review(child_id=c4, held_on=_d(d)) for d in ("2021-02-20", "2021-05-15")),
        CarePeriod(child_id=c4, start=_d("2024-08-05")),
        LegalStatus(child_id=c4, code="C1", start=_d("2024-08-05")),
        Placement(child_id=c4, place="U6", start=_d("2024-08-05")),

        CarePeriod(child_id=c5, start=_d("2020-01-06"), end=_d("2023-03-01"), reason_ceased="E11"),
        LegalStatus(child_id=c5, code="C2", start=_d("2020-01-06"), end=_d("2022-01-10")),
        LegalStatus(child_id=c5, code="E1", start=_d("2022-01-10"), end=_d("2023-03-01")),
        Placement(child_id=c5, place="U6", start=_d("2020-01-06"), end=_d("2022-06-01")),
        Placement(child_id=c5, place="A6", start=_d("2022-06-01"), end=_d("2023-03-01")),
        plan(c5, "adoption", "2021-06-01"),
        *(Review(child_id=c5, held_on=_d(d)) for d in ("2020-01-30", "2020-04-20", "2020-10-15", "2022-10-01")),

        CarePeriod(child_id=c6, start=_d("2023-01-09")),
        LegalStatus(child_id=c6, code="C1", start=_d("2023-01-09"), end=_d("2023-09-01")),
        LegalStatus(child_id=c6, code="E1", start=_d("2023-09-01")),
        Placement(child_id=c6, place="U6", start=_d("2023-01-09"), end=_d("2024-02-01")),
        Placement(child_id=c6, place="A6", start=_d("2024-02-01")),
        plan(c6, "adoption", "2023-05-02"),
        *(Review(child_id=c6, held_on=_d(d)) for d in ("2023-02-01", "2023-05-02", "2023-11-01", "2024-05-01")),

        CarePeriod(child_id=c7, start=_d("2024-08-19")),
    ]
    with app.app_context(), tenant_context(tenant_a.id):
        db.session.add_all(rows)
        commit()
    work_jobs()
    return make_user(tenant_a, ["panel_administrator"])


def test_every_column_is_right_for_children_in_every_situation(app, client, login, knowsley):
    login(knowsley)
    workbook = load_workbook(io.BytesIO(client.get("/council-a/tracker/export.xlsx").data))
    rows = [[_cells(c) for c in row] for row in workbook.active.iter_rows(values_only=True)]
    assert rows[0] == KNOWSLEY_HEADINGS
    for got, wanted in zip(rows[1:], KNOWSLEY_ROWS):
        assert got == wanted
    assert len(rows) == len(KNOWSLEY_ROWS) + 1


def test_the_csv_says_the_same_for_every_column(app, client, login, knowsley):
    login(knowsley)
    rows = list(csv.reader(io.StringIO(client.get("/council-a/tracker/export.csv").data.decode("utf-8-sig"))))
    assert rows[0] == KNOWSLEY_HEADINGS
    as_text = [["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, date) else str(v) for v in row]
               for row in KNOWSLEY_ROWS]
    assert rows[1:] == as_text
    assert rows[2][17] == "Overdue since 30/04/2024" and rows[3][10:12] == ["", ""]
