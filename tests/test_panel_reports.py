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
import os
from html import unescape
from datetime import date, datetime, timezone
from types import SimpleNamespace

import pypdfium2 as pdfium
import pytest
from sqlalchemy import func, select

from permanence.audit.models import AuditEvent
from permanence.cases.models import Child, LegalStatus, PermanencePlan, SiblingGroup
from permanence.core.clock import london_today
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.documents.models import Document, DocumentVersion
from permanence.extensions import db
from permanence.panels.models import (Action, ActionStatus, AgendaItem, Attendance, AttendanceStatus, ItemStatus,
                                      Meeting, MeetingStatus, Minutes, MinutesStatus, UrgentDecision)
from permanence.reports import panel
from permanence.reports.panel import Period
from permanence.reports.pdf import report_pdf
from permanence.tor.services import active_version
from permanence.tracker.models import CohortMember, Drift, Escalation
from tracker_support import load_seed

TODAY = date(2027, 1, 15)
BODY = "permanence-panel"
URL = f"/permanence-panel-pptm/reports/{BODY}"
Q3 = "2026-Q3"
SAVE_PAGES = os.environ.get("REPORT_PAGES_TO")  # a folder to keep the drawn pages in, to look at
SECRET_NAMES = ("Zebedee", "Quillon", "Marigold", "Thistlewood", "Pennyroyal", "Ottoline", "Farthingale")


def _utc(y, m, d, h=12):
    return datetime(y, m, d, h, tzinfo=timezone.utc)


def _child(first, last, case):
    return Child(case_number=case, first_name=first, last_name=last, date_of_birth=date(2020, 3, 1))


def _paper(item, uploaded):
    doc = Document(subject_type="agenda_item", subject_id=item.id, paperwork_id="permanence-paperwork",
                   slot="permanence-paperwork", title="Permanence paperwork", current_version=1)
    return [doc, DocumentVersion(document=doc, number=1, filename="paperwork.txt", media_type="text/plain", size=9,
                                 sha256="0" * 64, content=b"paperwork", uploaded_at=uploaded)]


def _drift(child, opened, closed=None):
    return Drift(child_id=child.id, rule_id=f"rule-{child.case_number}", label="Fictional milestone",
                 due=opened, opened_on=opened, closed_on=closed, ladder_id="ladder")


def _escalation(drift, level, role, label, on):
    return Escalation(drift=drift, level=level, role=role, role_label=label, escalated_on=on, by_label="system",
                      reason="Overdue")


def build(app, make_user):
    """The crafted quarter (see each comment for what it adds up to)."""
    tenant = load_seed(app, "permanence-panel-pptm")
    chair = make_user(tenant, ["chair"], name="Fictional Chair")
    iro = make_user(tenant, ["iro"], name="Fictional Reviewing Officer")
    admin = make_user(tenant, ["panel_administrator"], name="Fictional Administrator")
    with app.app_context(), tenant_context(tenant.id):
        version = active_version(tenant.id)
        group = SiblingGroup(name="Fictional Pennyroyal siblings")
        db.session.add(group)
        db.session.flush()
        a = _child("Zebedee", "Quillon", "PPR-SECRET-0001")
        b = _child("Marigold", "Thistlewood", "PPR-SECRET-0002")
        c = _child("Ottoline", "Farthingale", "PPR-SECRET-0003")
        e = _child("Fictional", "Cohort", "PPR-SECRET-0004")
        f = _child("Fictional", "Elsewhere", "PPR-SECRET-0005")
        s1 = _child("Fictional", "Pennyroyal-One", "PPR-SECRET-0006")
        s2 = _child("Fictional", "Pennyroyal-Two", "PPR-SECRET-0007")
        s1.sibling_group_id = s2.sibling_group_id = group.id
        db.session.add_all([a, b, c, e, f, s1, s2])
        db.session.flush()
        db.session.add_all([
            # A: interim care order until 1 November, then a care order; adoption the primary plan throughout.
            LegalStatus(child_id=a.id, code="C1", start=date(2026, 1, 1), end=date(2026, 11, 1)),
            LegalStatus(child_id=a.id, code="C2", start=date(2026, 11, 1)),
            PermanencePlan(child_id=a.id, route="adoption", kind="primary", agreed_on=date(2026, 6, 1),
                           agreed_at="review"),
            # The siblings: care orders; only the elder has a primary plan (special guardianship).
            LegalStatus(child_id=s1.id, code="C2", start=date(2025, 5, 1)),
            LegalStatus(child_id=s2.id, code="C2", start=date(2025, 5, 1)),
            PermanencePlan(child_id=s1.id, route="special_guardianship", kind="primary", agreed_on=date(2026, 2, 1),
                           agreed_at="review"),
            # B: section 20; the primary plan ended before the sitting; a contingency plan does not count.
            LegalStatus(child_id=b.id, code="V2", start=date(2026, 3, 1)),
            PermanencePlan(child_id=b.id, route="return_to_family", kind="primary", agreed_on=date(2026, 4, 1),
                           ended_on=date(2026, 10, 1), agreed_at="review"),
            PermanencePlan(child_id=b.id, route="adoption", kind="contingency", agreed_on=date(2026, 4, 1),
                           agreed_at="review"),
        ])
        meetings = {}
        for key, day, status, quorate in (("m0", date(2026, 9, 29), MeetingStatus.SCHEDULED, True),
                                          ("m1", date(2026, 10, 13), MeetingStatus.SCHEDULED, True),
                                          ("m2", date(2026, 11, 10), MeetingStatus.SCHEDULED, True),
                                          ("m3", date(2026, 11, 24), MeetingStatus.CANCELLED, None),
                                          ("m4", date(2026, 12, 8), MeetingStatus.SCHEDULED, False),
                                          ("m5", date(2027, 1, 12), MeetingStatus.SCHEDULED, True)):
            meetings[key] = Meeting(body_id=BODY, tor_version_id=version.id, date=day, added_by_hand=True,
                                    status=status, quorate=quorate)
        db.session.add_all(meetings.values())
        db.session.flush()
        m0, m1, m2, m3, m4, m5 = (meetings[k] for k in ("m0", "m1", "m2", "m3", "m4", "m5"))

        def item(meeting, part, status, *, child=None, group_id=None, outcome=None, submitted=None, late=False):
            row = AgendaItem(meeting_id=meeting.id, part_id=part, child_id=child.id if child else None,
                             sibling_group_id=group_id, status=status, outcome_id=outcome, submitted_at=submitted,
                             late=late, entry_route="referral")
            db.session.add(row)
            return row

        # Heard: A and the siblings at M1, B at M2, A again at M4. 4 items, 5 children.
        a1 = item(m1, "new-to-care", ItemStatus.HEARD, child=a, outcome="plan-ratified", submitted=_utc(2026, 10, 1))
        sib = item(m1, "full-care-orders", ItemStatus.HEARD, group_id=group.id, outcome="timescales-agreed")
        b2 = item(m2, "section-20", ItemStatus.HEARD, child=b, outcome="plan-changed", submitted=_utc(2026, 11, 2))
        c2 = item(m2, "plan-ratification", ItemStatus.DEFERRED, child=c, submitted=_utc(2026, 11, 6), late=True)
        a4 = item(m4, "plan-ratification", ItemStatus.HEARD, child=a, outcome="permanence-agreed")
        # Outside the quarter (M0, M5) or at the cancelled sitting (M3): not counted.
        out0 = item(m0, "new-to-care", ItemStatus.HEARD, child=c, outcome="plan-ratified", submitted=_utc(2026, 9, 1),
                    late=True)
        item(m3, "new-to-care", ItemStatus.BOOKED, child=b)
        item(m5, "new-to-care", ItemStatus.HEARD, child=b, outcome="plan-changed")
        db.session.flush()
        # Papers (3 days before: Friday 9 October, Friday 6 November, Friday 4 December): in on time for A at M1
        # and B at M2; late for the siblings and for A at M4; none for C.  Met 2, missed 3.
        db.session.add_all([*_paper(a1, _utc(2026, 10, 5)), *_paper(sib, _utc(2026, 10, 12)),
                            *_paper(b2, _utc(2026, 11, 1)), *_paper(a4, _utc(2026, 12, 7))])
        # Minutes (5 working days: 20 October, 17 November, 15 December): M1 on time, M2 late, M4 never.
        db.session.add_all([
            Minutes(meeting_id=m1.id, status=MinutesStatus.CIRCULATED, circulated_at=_utc(2026, 10, 19)),
            Minutes(meeting_id=m2.id, status=MinutesStatus.CIRCULATED, circulated_at=_utc(2026, 11, 20)),
            Minutes(meeting_id=m4.id, status=MinutesStatus.DRAFT),
        ])
        # Actions: on time, late, overdue today, not yet due; one at M0 not counted.
        db.session.add_all([
            Action(agenda_item_id=a1.id, child_id=a.id, description="Fictional 1", due_on=date(2026, 11, 1),
                   status=ActionStatus.DONE, completed_on=date(2026, 10, 30)),
            Action(agenda_item_id=sib.id, child_id=s1.id, description="Fictional 2", due_on=date(2026, 11, 1),
                   status=ActionStatus.DONE, completed_on=date(2026, 11, 5)),
            Action(agenda_item_id=b2.id, child_id=b.id, description="Fictional 3", due_on=date(2026, 12, 1)),
            Action(agenda_item_id=a4.id, child_id=a.id, description="Fictional 4", due_on=date(2027, 2, 1)),
            Action(agenda_item_id=out0.id, child_id=c.id, description="Fictional 5", due_on=date(2026, 10, 1)),
        ])
        # Between sittings: one in the quarter (plan changed), one before it.
        db.session.add_all([
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=b.id, role_id="service-manager",
                           outcome_id="plan-changed", decided_on=date(2026, 11, 20)),
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=b.id, role_id="service-manager",
                           outcome_id="plan-ratified", decided_on=date(2026, 9, 1)),
        ])
        # Attendance. Service manager (chair): present, present, apologies. IRO: present, represented, absent.
        # Panel administrator: apologies, present, present.
        for meeting, statuses in ((m1, ("present", "present", "apologies")), (m2, ("present", "represented", "present")),
                                  (m4, ("apologies", "absent", "present"))):
            for user, role, status in zip((chair, iro, admin),
                                          ("service-manager", "independent-reviewing-officer", "panel-administrator"),
                                          statuses):
                db.session.add(Attendance(meeting_id=meeting.id, user_id=user.id, role=role,
                                          status=AttendanceStatus(status),
                                          represented_by="Fictional Deputy" if status == "represented" else ""))
        db.session.add(Attendance(meeting_id=m0.id, user_id=chair.id, role="service-manager",
                                  status=AttendanceStatus.ABSENT))
        commit()
        ids = (a.id, b.id, e.id, f.id)
    # The tracker rows last, in a transaction of their own: the commits above have the tracker work out
    # each child's milestones and cohorts; the crafted drift stands for what it would have opened.
    with app.app_context(), tenant_context(tenant.id):
        db.session.execute(CohortMember.__table__.delete().where(CohortMember.tenant_id == tenant.id))
        db.session.execute(Drift.__table__.delete().where(Drift.tenant_id == tenant.id))
        a, b, e, f = (db.session.get(Child, i) for i in ids)
        # Drift: E is in the cohort; A and B were on the agenda; F is neither (not counted).
        db.session.add(CohortMember(child_id=e.id, body_id=BODY))
        drift_a = _drift(a, date(2026, 10, 20), date(2026, 12, 1))  # raised and resolved in the quarter
        drift_e = _drift(e, date(2026, 11, 15))  # raised, open at the end
        drift_b = _drift(b, date(2026, 8, 1), date(2026, 10, 10))  # resolved only
        drift_f = _drift(f, date(2026, 11, 1))
        db.session.add_all([drift_a, drift_e, drift_b, drift_f])
        db.session.add_all([
            _escalation(drift_a, 1, "team-manager", "Team manager", date(2026, 10, 27)),
            _escalation(drift_e, 1, "team-manager", "Team manager", date(2026, 11, 22)),
            _escalation(drift_e, 2, "service-manager", "Service manager", date(2026, 12, 6)),
            _escalation(drift_b, 1, "team-manager", "Team manager", date(2026, 8, 8)),
            _escalation(drift_f, 1, "team-manager", "Team manager", date(2026, 11, 8)),
        ])
        commit()
    # Another council: a held sitting of a body with the same id in the quarter, heard items, attendance.
    other = load_seed(app, "redbridge")
    with app.app_context(), tenant_context(other.id):
        version = active_version(other.id)
        x = _child("Fictional", "Other", "RB-OTHER-0001")
        db.session.add(x)
        db.session.flush()
        meeting = Meeting(body_id=BODY, tor_version_id=version.id, date=date(2026, 11, 3), added_by_hand=True,
                          quorate=False)
        db.session.add(meeting)
        db.session.flush()
        db.session.add_all([
            AgendaItem(meeting_id=meeting.id, part_id="new-to-care", child_id=x.id, status=ItemStatus.HEARD,
                       outcome_id="plan-ratified", late=True, submitted_at=_utc(2026, 11, 1)),
            Attendance(meeting_id=meeting.id, name="Fictional Guest", role="service-manager",
                       status=AttendanceStatus.ABSENT),
            UrgentDecision(body_id=BODY, tor_version_id=version.id, child_id=x.id, role_id="service-manager",
                           outcome_id="plan-changed", decided_on=date(2026, 11, 4)),
            CohortMember(child_id=x.id, body_id=BODY),
        ])
        drift_x = _drift(x, date(2026, 11, 2))
        db.session.add(drift_x)
        db.session.add(_escalation(drift_x, 1, "team-manager", "Team manager", date(2026, 11, 9)))
        commit()
    reader = make_user(tenant, ["senior_manager"], name="Fictional Senior Manager")
    worker = make_user(tenant, ["social_worker"], name="Fictional Social Worker")
    return SimpleNamespace(tenant=tenant, reader=reader, worker=worker, other=other)


@pytest.fixture
def quarter(app, make_user, travel):
    travel(TODAY)
    return build(app, make_user)


# What the crafted quarter adds up to, worked out by hand above: (section title, row, column) -> value.
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
    for bad in ("2026-Q5", "2026-28", "Q3", ""):
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
