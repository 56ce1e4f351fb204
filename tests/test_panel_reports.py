"""Panel reports: one panel's figures for a financial quarter, worked out by hand from crafted data,
on the page, in the CSV and in the PDF (its text, and its charts drawn); no child named anywhere;
the query string checked; the permission; another council's rows never counted; and a report of
every demo council's panels that adds up.

The council is seed 001's (tenants/permanence-panel-pptm), its Permanence Panel ("permanence-panel"):
papers 3 days before a sitting, minutes within 5 working days. The period is Quarter 3 2026-27
(October to December 2026); today is Friday 15 January 2027. Everything is fictional.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from html import unescape

import pypdfium2 as pdfium
import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.core.clock import london_today
from permanence.core.context import tenant_context
from permanence.extensions import db
from permanence.reports import panel
from permanence.reports.panel import Period
from permanence.reports.pdf import report_pdf
from reports_support import BODY, Q3, SAVE_PAGES, SECRET_NAMES, TODAY, URL, build


@pytest.fixture
def quarter(app, make_user, travel):
    travel(TODAY)
    return build(app, make_user)


# What the crafted quarter adds up to, worked out by hand in tests/reports_support.py: (section title, row, column) -> value.
EXPECTED = {
    ("Sittings held and children considered", "Sittings held", "Number"): 3,
    ("Sittings held and children considered", "Items heard", "Number"): 4,
    ("Sittings held and children considered", "Children considered", "Number"): 5,
    ("Sittings held and children considered", "Children new to care", "Children considered"): 1,
    ("Sittings held and children considered", "Children on full care orders", "Items heard"): 1,
    ("Sittings held and children considered", "Children on full care orders", "Children considered"): 2,
    ("Sittings held and children considered", "Children accommodated under section 20", "Children considered"): 1,
    ("Sittings held and children considered", "Permanence plans needing ratification or change",
     "Children considered"): 1,
    ("Sittings held and children considered", "Total", "Children considered"): 5,
    ("Children considered by legal status", "C2: Care order", "Children"): 3,
    ("Children considered by legal status", "C1: Interim care order", "Children"): 1,
    ("Children considered by legal status", "V2: Section 20 accommodation", "Children"): 1,
    ("Children considered by permanence plan route", "Adoption", "Children"): 2,
    ("Children considered by permanence plan route", "Special guardianship", "Children"): 1,
    ("Children considered by permanence plan route", "No primary plan recorded", "Children"): 2,
    ("Decisions by outcome", "Permanence plan ratified", "At a sitting"): 1,
    ("Decisions by outcome", "Permanence plan ratified", "Between sittings"): 0,
    ("Decisions by outcome", "Permanence plan changed", "At a sitting"): 1,
    ("Decisions by outcome", "Permanence plan changed", "Between sittings"): 1,
    ("Decisions by outcome", "Timescales agreed for matching reports and continued monitoring", "At a sitting"): 1,
    ("Decisions by outcome", "Permanence agreed; monitoring ends", "At a sitting"): 1,
    ("Decisions by outcome", "Total", "At a sitting"): 4,
    ("Decisions by outcome", "Total", "Between sittings"): 1,
    ("Actions agreed at the sittings", "Completed by the date due", "Number"): 1,
    ("Actions agreed at the sittings", "Completed after the date due", "Number"): 1,
    ("Actions agreed at the sittings", "Open, not yet due", "Number"): 1,
    ("Actions agreed at the sittings", "Open and overdue today", "Number"): 1,
    ("Actions agreed at the sittings", "Total agreed", "Number"): 4,
    ("Timeliness against the terms of reference's deadlines",
     "Referrals submitted by the referral deadline (items)", "Met"): 2,
    ("Timeliness against the terms of reference's deadlines",
     "Referrals submitted by the referral deadline (items)", "Missed"): 1,
    ("Timeliness against the terms of reference's deadlines", "Papers in by the papers deadline (items)", "Met"): 2,
    ("Timeliness against the terms of reference's deadlines", "Papers in by the papers deadline (items)", "Missed"): 3,
    ("Timeliness against the terms of reference's deadlines",
     "Minutes circulated within the minutes deadline (sittings)", "Met"): 1,
    ("Timeliness against the terms of reference's deadlines",
     "Minutes circulated within the minutes deadline (sittings)", "Missed"): 2,
    ("Timeliness against the terms of reference's deadlines",
     "Minutes circulated within the minutes deadline (sittings)", "Not yet due"): 0,
    ("Drift", "Drift raised in the period", "Number"): 2,
    ("Drift", "Drift resolved in the period", "Number"): 2,
    ("Drift", "Drift open at the end of the period", "Number"): 1,
    ("Escalations of drift", "Level 1: Team manager", "Escalations"): 2,
    ("Escalations of drift", "Level 2: Service manager", "Escalations"): 1,
    ("Escalations of drift", "Total", "Escalations"): 3,
    ("Quorum", "Quorate", "Number"): 2,
    ("Quorum", "Not quorate", "Number"): 1,
}
ATTENDANCE = {  # seat -> present, represented, apologies, absent
    "service-manager": (2, 0, 1, 0),
    "independent-reviewing-officer": (1, 1, 0, 1),
    "panel-administrator": (2, 0, 1, 0),
}


def _csv(text: str) -> dict:
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text[1:])))
    assert {r["Council"] for r in rows} == {"Permanence Panel and PPTM council (not named in the terms of reference)"}
    assert {r["Period"] for r in rows} == {"Quarter 3 2026-27 (October to December 2026)"}
    return {(r["Section"], r["Row"], r["Column"]): int(r["Value"]) for r in rows}


def _pdf_text(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def _seat_label(app, tenant, role):
    from permanence.tor import role_label
    from permanence.tor.services import current_tor

    with app.app_context():
        return role_label(current_tor(tenant.id), role)


def test_the_period_names_financial_quarters_and_years():
    q = Period.quarter_containing(date(2026, 8, 14))
    assert (q.start, q.end, q.label, q.key) == (date(2026, 7, 1), date(2026, 9, 30),
                                               "Quarter 2 2026-27 (July to September 2026)", "2026-Q2")
    q4 = Period.quarter_containing(date(2027, 2, 1))
    assert (q4.start, q4.end, q4.label) == (date(2027, 1, 1), date(2027, 3, 31),
                                            "Quarter 4 2026-27 (January to March 2027)")
    assert Period.previous_quarter(date(2026, 4, 10)).label == "Quarter 4 2025-26 (January to March 2026)"
    fy = Period.financial_year_containing(date(2027, 3, 31))
    assert (fy.start, fy.end, fy.label) == (date(2026, 4, 1), date(2027, 3, 31),
                                            "Financial year 2026-27 (1 April 2026 to 31 March 2027)")
    assert Period.previous_financial_year(date(2026, 4, 1)).start == date(2025, 4, 1)
    assert Period.from_key("2026-Q3") == Period.quarter_containing(date(2026, 11, 1))
    assert Period.from_key("2026-27") == fy
    assert Period.custom(date(2026, 5, 1), date(2026, 6, 15)).label == "1 May 2026 to 15 June 2026"
    for bad in ("2026-Q5", "2026-28", "Q3", "", "9999-Q4", "9999-00", "1899-Q1", "2026-Q3x"):
        with pytest.raises(ValueError):
            Period.from_key(bad)
    with pytest.raises(ValueError):
        Period.custom(date(2026, 6, 1), date(2026, 5, 1))


def test_the_quarters_figures_on_the_page_in_the_csv_and_in_the_pdf(app, client, login, quarter):
    login(quarter.reader)
    with app.app_context():
        report = panel.build_report(quarter.tenant.id, BODY, Period.from_key(Q3))
    got = {(s.title, row[0], heading): value for s in report.sections for row in s.rows
           for heading, value in zip(s.headings[1:], row[1:])}
    got.update({(s.title, label, "Number"): value for s in report.sections for label, value in s.facts})
    for key, value in EXPECTED.items():
        assert got.get(key) == value, key
    seats = {_seat_label(app, quarter.tenant, role): figures for role, figures in ATTENDANCE.items()}
    attendance = report.section("attendance")
    assert {row[0]: tuple(row[1:]) for row in attendance.rows} == seats
    assert report.sittings == [date(2026, 10, 13), date(2026, 11, 10), date(2026, 12, 8)]

    page = client.get(f"{URL}?period={Q3}")
    assert page.status_code == 200
    html = unescape(page.text)
    assert "Quarter 3 2026-27 (October to December 2026)" in html
    assert "13 October 2026, 10 November 2026, 8 December 2026." in html
    assert html.count('role="img"') == len(report.sections)
    assert html.count("Show the figures as a table") == len(report.sections)
    for section in report.sections:
        assert section.title in html
        for row in section.rows:
            cells = "".join(f'<td class="govuk-table__cell govuk-table__cell--numeric">{v}</td>' for v in row[1:])
            assert cells in html.replace("\n        ", ""), (section.title, row)
    assert '<dd class="govuk-summary-list__value" data-fact="Sittings held">3</dd>' in html
    # Every chart says its figures in words beside the bars: "1 met, 2 missed".
    assert "1 met, 2 missed" in html and "2 present, 1 apologies" in html

    download = client.get(f"{URL}.csv?period={Q3}")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    figures = _csv(download.data.decode("utf-8"))
    for key, value in EXPECTED.items():
        assert figures[key] == value, key
    for seat, (present, represented, apologies, absent) in seats.items():
        assert figures[("Attendance by seat", seat, "Present")] == present
        assert figures[("Attendance by seat", seat, "Absent")] == absent

    pdf = client.get(f"{URL}.pdf?period={Q3}")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(_pdf_text(pdf.data).split())
    assert "Permanence Panel report: Quarter 3 2026-27 (October to December 2026)" in text
    for section in report.sections:
        assert section.title in text
    assert "Minutes circulated within the minutes deadline (sittings) 1 2 0" in text
    assert "Papers in by the papers deadline (items) 2 3 0" in text
    assert "Level 2: Service manager 1" in text
    assert "Open and overdue today 1" in text


def test_the_pdfs_charts_are_drawn(app, client, login, quarter):
    """Each page is drawn to an image: the charts' bars (the one dark blue ink) cover a real share of
    every page that has a chart; the text layer has each section's title."""
    login(quarter.reader)
    pdf = pdfium.PdfDocument(client.get(f"{URL}.pdf?period={Q3}").data)
    titles_seen, chart_pages = set(), 0
    with app.app_context():
        titles = [s.title for s in panel.build_report(quarter.tenant.id, BODY, Period.from_key(Q3)).sections]
    for index in range(len(pdf)):
        page = pdf[index]
        text = page.get_textpage().get_text_range()
        titles_seen |= {t for t in titles if t in " ".join(text.split())}
        image = page.render(scale=1).to_pil().convert("RGB")
        raw = image.tobytes()
        pixels = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 3)]
        ink = sum(1 for r, g, b in pixels if r < 245 or g < 245 or b < 245) / len(pixels)
        bars = sum(1 for r, g, b in pixels if b > 100 and b - r > 50) / len(pixels)
        if SAVE_PAGES:
            image.save(f"{SAVE_PAGES}/page-{index + 1}.png")
        assert ink > 0.01, f"page {index + 1} is blank"
        if "Show the figures" not in text and bars > 0.002:
            chart_pages += 1
    assert titles_seen == set(titles)
    assert chart_pages >= 2


def test_no_child_is_named_on_the_page_in_the_pdf_or_in_the_csv(app, client, login, quarter):
    login(quarter.reader)
    page = client.get(f"{URL}?period={Q3}").text
    csv_text = client.get(f"{URL}.csv?period={Q3}").data.decode("utf-8")
    pdf_text = _pdf_text(client.get(f"{URL}.pdf?period={Q3}").data)
    for where in (page, csv_text, pdf_text):
        assert "PPR-SECRET" not in where and "RB-OTHER" not in where
        for name in SECRET_NAMES:
            assert name not in where


def test_a_report_reads_no_child_for_the_audit_log_and_its_downloads_are_recorded(app, client, login, quarter):
    """Counts show no child: the page records no "read" of one; a download is recorded as an export."""
    login(quarter.reader)
    with app.app_context(), tenant_context(quarter.tenant.id):
        last = db.session.execute(select(func.max(AuditEvent.id))).scalar() or 0
    assert client.get(f"{URL}?period={Q3}").status_code == 200
    assert client.get(f"{URL}.csv?period={Q3}").status_code == 200
    with app.app_context(), tenant_context(quarter.tenant.id):
        events = db.session.execute(select(AuditEvent).where(AuditEvent.id > last)).scalars().all()
        assert [e.action for e in events] == ["export"]
        assert events[0].summary == ("Report of Permanence Panel for Quarter 3 2026-27 (October to December 2026) "
                                     "downloaded as CSV")


def test_a_scheduled_job_builds_the_pdf_without_a_request(app, quarter):
    """The lead's job calls ``build_report`` and ``report_pdf`` in an app context, with no request."""
    with app.app_context():
        report = panel.build_report(quarter.tenant.id, BODY, Period.previous_quarter(TODAY))
        text = " ".join(_pdf_text(report_pdf(report)).split())
    assert "Permanence Panel report: Quarter 3 2026-27 (October to December 2026)" in text
    assert "Sittings held: 3" in text


def test_the_query_string_is_checked(client, login, quarter):
    login(quarter.reader)
    assert client.get("/permanence-panel-pptm/reports/no-such-panel?period=2026-Q3").status_code == 404
    assert client.get("/permanence-panel-pptm/reports/no-such-panel.csv").status_code == 404
    pptm = client.get("/permanence-panel-pptm/reports/pptm?period=2026-Q3")  # held per child: a report too
    assert pptm.status_code == 200 and "Permanence Planning Tracking Meeting report" in pptm.text
    for query, field, words in (
            ("period=2026-Q9", "period", "financial quarter, like 2026-Q2"),
            ("period=next-year", "period", "financial year, like 2026-27"),
            ("period=9999-Q4", "period", "financial quarter, like 2026-Q2"),
            ("from=2026-13-01&to=2026-12-31", "from", "Enter the start date as a date"),
            ("from=2026-10-01", "to", "Enter the date the period ends"),
            ("from=2026-12-01&to=2026-10-01", "to", "The end date (to) must be on or after the start date"),
            ("from=2010-01-01&to=2026-01-01", "from", "at most five years long"),
            ("period=2026-Q3&from=2026-10-01&to=2026-12-31", "period", "not both")):
        for tail in ("", ".csv", ".pdf"):
            response = client.get(f"{URL}{tail}?{query}")
            assert response.status_code == 400, (query, tail)
            assert f'data-field="{field}"' in response.text and words in response.text, (query, tail)
    chosen = client.get(f"/permanence-panel-pptm/reports/?body={BODY}&period=&from=2026-10-01&to=2026-12-31")
    assert chosen.status_code == 302
    assert chosen.headers["Location"].endswith(f"{URL}?from=2026-10-01&to=2026-12-31")
    assert client.get("/permanence-panel-pptm/reports/?body=nonsense").status_code == 400
    custom = client.get(f"{URL}?from=2026-10-01&to=2026-12-31")
    assert custom.status_code == 200 and "1 October 2026 to 31 December 2026" in custom.text


def test_the_reports_page_lists_the_tors_reporting_duties(client, login, quarter):
    login(quarter.reader)
    page = client.get("/permanence-panel-pptm/reports/").text
    assert "Permanence Panel quarterly highlight report" in page and "Permanence Panel annual report" in page
    assert "Senior leadership team in Children&#39;s Services" in page
    assert '<option value="permanence-panel"' in page and '<option value="pptm"' in page
    assert 'href="/permanence-panel-pptm/reports/"' in page  # the navigation entry "Reports"


def test_a_social_worker_may_not_see_reports(client, login, quarter):
    login(quarter.worker)
    for url in ("/permanence-panel-pptm/reports/", f"{URL}?period={Q3}", f"{URL}.csv?period={Q3}",
                f"{URL}.pdf?period={Q3}"):
        assert client.get(url).status_code == 403, url


def test_another_councils_rows_never_count(app, quarter):
    """The other council's sitting, items, decision between sittings, drift and escalation in the same
    quarter, under the same body id, change none of the figures; its own report counts only its own."""
    with app.app_context():
        report = panel.build_report(quarter.tenant.id, BODY, Period.from_key(Q3))
        assert report.section("sittings").facts[0] == ("Sittings held", 3)
        assert report.section("outcomes").column("Between sittings")["Total"] == 1
        assert report.section("escalations").column("Escalations")["Total"] == 3
        with pytest.raises(panel.UnknownBody):  # Redbridge's terms of reference have no such body
            panel.build_report(quarter.other.id, BODY, Period.from_key(Q3))


def test_a_report_for_each_demo_councils_panels_adds_up(app):
    from permanence.demo.services import DEMO_TENANTS, load_demo
    from permanence.tenancy.services import get_tenant
    from permanence.tor.services import current_tor

    with app.app_context():
        load_demo(children_per_tenant=12)
        built, heard_in_all = 0, 0
        today = london_today()
        for slug in DEMO_TENANTS:
            tenant = get_tenant(slug)
            tor = current_tor(tenant.id)
            for body in tor.bodies:
                for period in (Period.financial_year_containing(today), Period.quarter_containing(today)):
                    report = panel.build_report(tenant.id, body.id, period)
                    facts = dict(report.section("sittings").facts)
                    heard, children = facts["Items heard"], facts["Children considered"]
                    assert facts["Sittings held"] == len(report.sittings)
                    assert report.section("sittings").column("Items heard")["Total"] == heard
                    outcomes = report.section("outcomes")
                    assert outcomes.column("At a sitting")["Total"] == heard
                    assert sum(v for k, v in outcomes.column("At a sitting").items() if k != "Total") == heard
                    assert sum(report.section("legal-status").column("Children").values()) == children
                    assert sum(report.section("plan-route").column("Children").values()) == children
                    actions = report.section("actions").column("Number")
                    assert sum(v for k, v in actions.items() if k != "Total agreed") == actions["Total agreed"]
                    assert sum(report.section("quorum").column("Number").values()) == len(report.sittings)
                    assert panel.as_csv(report).startswith("\ufeff")
                    built += 1
                    heard_in_all += heard
        assert built >= 10 and heard_in_all > 0  # five councils, a body or two each, two periods
