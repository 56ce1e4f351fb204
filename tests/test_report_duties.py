"""The ToR's reporting duties take effect: the day after a duty's period ends its report is built
on each of its bodies, kept, and its audience e-mailed a link, once, however often the job runs."""

from __future__ import annotations

from datetime import date, datetime, timezone

from sqlalchemy import select

from permanence.core import schedule
from permanence.core.context import tenant_context
from permanence.core.jobs import commit
from permanence.extensions import db
from permanence.notifications.models import EmailMessage
from permanence.reports.duties import last_ended_period
from permanence.reports.models import BuiltReport
from tracker_support import load_seed

SLUG = "permanence-panel-pptm"


def _run(app, work_jobs):
    with app.app_context():
        schedule.run_now("build-due-reports")
        commit()
    work_jobs()


def _built(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        rows = db.session.execute(select(BuiltReport).order_by(BuiltReport.id)).scalars().all()
        return [(r.duty_id, r.body_id, r.period_start, r.period_end, r.period_label, r.pdf[:5], r.told)
                for r in rows]


def _mail(app, tenant):
    with app.app_context(), tenant_context(tenant.id):
        return [(m.to_address, m.subject, m.body) for m in db.session.execute(
            select(EmailMessage).order_by(EmailMessage.id)).scalars()]


def test_periods_end_where_the_council_counts_them():
    assert (last_ended_period("quarterly", date(2026, 7, 1)).start,
            last_ended_period("quarterly", date(2026, 7, 1)).end) == (date(2026, 4, 1), date(2026, 6, 30))
    assert last_ended_period("quarterly", date(2026, 6, 30)).start == date(2026, 1, 1)
    assert (last_ended_period("annual", date(2026, 4, 1)).start,
            last_ended_period("annual", date(2026, 4, 1)).end) == (date(2025, 4, 1), date(2026, 3, 31))
    assert (last_ended_period("monthly", date(2027, 1, 1)).start,
            last_ended_period("monthly", date(2027, 1, 1)).end) == (date(2026, 12, 1), date(2026, 12, 31))
    half = last_ended_period("six_monthly", date(2026, 10, 1))
    assert (half.start, half.end) == (date(2026, 4, 1), date(2026, 9, 30))
    half = last_ended_period("six_monthly", date(2026, 9, 30))
    assert (half.start, half.end) == (date(2025, 10, 1), date(2026, 3, 31))
    assert last_ended_period("ad_hoc", date(2026, 7, 1)) is None


def test_a_quarterly_report_is_built_and_its_audience_told_exactly_once(app, make_user, travel, work_jobs):
    travel(datetime(2026, 5, 20, 9, tzinfo=timezone.utc))  # the council goes live in May
    tenant = load_seed(app, SLUG)
    senior = make_user(tenant, ["senior_manager"], email="senior@pptm.example.org", name="Sam Senior")
    make_user(tenant, ["senior_manager"], email="head@pptm.example.org", name="Hana Head")
    make_user(tenant, ["social_worker"], email="worker@pptm.example.org", name="Wes Worker")
    make_user(tenant, ["team_manager"], email="tm@pptm.example.org", name="Tia Manager")

    _run(app, work_jobs)  # in May: the last quarter and year ended before the council was here
    assert _built(app, tenant) == [] and _mail(app, tenant) == []

    travel(datetime(2026, 7, 1, 7, tzinfo=timezone.utc))  # the day after quarter 1 ends
    _run(app, work_jobs)
    built = _built(app, tenant)
    assert sorted((b[0], b[1], b[2], b[3]) for b in built) == [
        ("panel-highlight-report", "permanence-panel", date(2026, 4, 1), date(2026, 6, 30)),
        ("pptm-highlight-report", "pptm", date(2026, 4, 1), date(2026, 6, 30))]
    assert all(b[5] == b"%PDF-" for b in built)

    mail = _mail(app, tenant)
    panel_q1 = [m for m in mail if m[1].startswith("Permanence Panel quarterly highlight report")]
    # Told: the senior managers (the default audience) and the service manager who prepares it (a senior
    # manager here): each person once; nobody else.
    assert sorted(m[0] for m in panel_q1) == ["head@pptm.example.org", "senior@pptm.example.org"]
    pptm_q1 = [m for m in mail if m[1].startswith("PPTM quarterly highlight report")]
    # The PPTM's report is prepared by the team managers: they are told as well as the senior managers.
    assert sorted(m[0] for m in pptm_q1) == ["head@pptm.example.org", "senior@pptm.example.org",
                                             "tm@pptm.example.org"]
    assert len(mail) == 5 and not any(m[0] == "worker@pptm.example.org" for m in mail)
    body = panel_q1[0][2]
    assert "Quarter 1 2026-27" in body and "/permanence-panel-pptm/reports/built/" in body
    assert "no child is named" in body

    # The job runs again that day and the next: nothing is built or sent again.
    _run(app, work_jobs)
    travel(datetime(2026, 7, 2, 7, tzinfo=timezone.utc))
    _run(app, work_jobs)
    assert len(_built(app, tenant)) == 2 and len(_mail(app, tenant)) == 5

    # The next quarter ends: its reports are built and told.
    travel(datetime(2026, 10, 1, 7, tzinfo=timezone.utc))
    _run(app, work_jobs)
    later = _built(app, tenant)
    assert sorted((b[0], b[2]) for b in later[2:]) == [
        ("panel-highlight-report", date(2026, 7, 1)), ("pptm-highlight-report", date(2026, 7, 1))]
    assert senior.email in later[-1][6] and len(_mail(app, tenant)) == 10

    # The financial year ends: the annual reports (the council's first year, from May) and quarter 4.
    travel(datetime(2027, 4, 1, 7, tzinfo=timezone.utc))
    _run(app, work_jobs)
    year_end = sorted((b[0], b[2], b[3]) for b in _built(app, tenant) if b[3] == date(2027, 3, 31))
    assert year_end == [("panel-annual-report", date(2026, 4, 1), date(2027, 3, 31)),
                        ("panel-highlight-report", date(2027, 1, 1), date(2027, 3, 31)),
                        ("pptm-annual-report", date(2026, 4, 1), date(2027, 3, 31)),
                        ("pptm-highlight-report", date(2027, 1, 1), date(2027, 3, 31))]


def test_the_built_report_is_read_by_its_audience_and_not_by_a_social_worker(
        app, client, make_user, login, travel, work_jobs):
    travel(datetime(2026, 9, 15, 9, tzinfo=timezone.utc))
    tenant = load_seed(app, "monthly-tracking-overview")
    smt = make_user(tenant, ["senior_manager"], email="smt@monthly.example.org", name="Sid Smt")
    worker = make_user(tenant, ["social_worker"], email="worker@monthly.example.org", name="Wes Worker")
    travel(datetime(2026, 10, 1, 7, tzinfo=timezone.utc))  # quarter 2 ended yesterday
    _run(app, work_jobs)
    with app.app_context(), tenant_context(tenant.id):
        report = db.session.execute(select(BuiltReport)).scalar_one()
        report_id, told = report.id, report.told
    assert told == "smt@monthly.example.org"  # the duty's audience: the ToR's SMT role
    login(smt)
    page = client.get(f"/monthly-tracking-overview/reports/built/{report_id}")
    assert page.status_code == 200
    assert "Themes and issues the department can learn from" in page.text and "Quarter 2 2026-27" in page.text
    pdf = client.get(f"/monthly-tracking-overview/reports/built/{report_id}.pdf")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-")
    csv = client.get(f"/monthly-tracking-overview/reports/built/{report_id}.csv")
    assert csv.status_code == 200 and "Decisions" in csv.get_data(as_text=True)
    index = client.get("/monthly-tracking-overview/reports/")
    assert "Themes and issues the department can learn from" in index.text and "Quarter 2 2026-27" in index.text
    login(worker)
    assert client.get(f"/monthly-tracking-overview/reports/built/{report_id}").status_code == 403
