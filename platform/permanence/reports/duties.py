"""The ToR's reporting duties as scheduled work: the day after a duty's period ends, its report on
each of its bodies is built, kept (``BuiltReport``) and its audience told, once.

"The Panel will produce quarterly highlight reports and an annual report for presentation to the
senior leadership team" (seed 001) becomes: on 1 July the report for April to June is built and the
senior managers and the service manager who presents it are e-mailed a link. A report already built
for that duty, body and period is never built or told again, however often the job runs; a period that
ended before the council's first terms of reference were in force is not reported at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from ..cases.people import role_holders
from ..core.clock import in_london
from ..core.context import current_tenant_id
from ..extensions import db
from ..notifications.kinds import REPORTS
from ..notifications.services import link_to, queue_email
from ..tor.services import current_tor
from ..tor.versions import TorVersion
from .models import BuiltReport
from .panel import Period, as_csv, build_report
from .pdf import report_pdf

DEFAULT_AUDIENCE = ("senior-manager",)  # the ToR role told when a duty names no audience


def _financial_year_start(day: date) -> date:
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def _month_start(day: date, months_back: int) -> date:
    index = day.year * 12 + day.month - 1 - months_back
    return date(index // 12, index % 12 + 1, 1)


def last_ended_period(frequency: str, today: date) -> Period | None:
    """The latest period of ``frequency`` that ended before ``today`` (financial quarters and years,
    half years April to September and October to March, calendar months); None for ``ad_hoc``."""
    if frequency == "quarterly":
        return Period.previous_quarter(today)
    if frequency == "annual":
        return Period.previous_financial_year(today)
    if frequency == "monthly":
        start = _month_start(today, 1)
        return Period.custom(start, _month_start(today, 0) - timedelta(days=1))
    if frequency == "six_monthly":
        year_start = _financial_year_start(today)
        half = date(year_start.year, 10, 1)
        if today >= half:  # in the second half: the first half ended
            return Period.custom(year_start, half - timedelta(days=1))
        previous = date(year_start.year - 1, 10, 1)
        return Period.custom(previous, year_start - timedelta(days=1))
    return None


@dataclass(frozen=True)
class DueReport:
    duty_id: str
    body_id: str
    period: Period


def due_reports(tor, today: date) -> list[DueReport]:
    """Each scheduled duty's report on each of its bodies for its last ended period."""
    out = []
    for duty in tor.reporting:
        period = last_ended_period(duty.frequency, today)
        if period is None:
            continue
        for body_id in duty.bodies or tuple(b.id for b in tor.bodies):
            out.append(DueReport(duty.id, body_id, period))
    return out


def audience(tor, duty) -> list:
    """The people told of a duty's report: the holders of its ``audience`` roles (else the senior
    managers) and of the role that prepares it, each once."""
    people = {}
    for role_id in (*(duty.audience or DEFAULT_AUDIENCE), *((duty.prepared_by,) if duty.prepared_by else ())):
        for user in role_holders(tor, role_id, None):
            people.setdefault(user.id, user)
    return sorted(people.values(), key=lambda u: (u.name, u.email))


def on_the_platform_since() -> date | None:
    """The day the council's first terms of reference were put in force: a period that ended before it
    was not the platform's to report on (a council going live in June is not sent last year's report)."""
    first = db.session.execute(select(func.min(TorVersion.activated_at))).scalar()
    return in_london(first).date() if first is not None else None


def build_due_reports(today: date) -> dict[str, int]:
    """Build and tell the current council's reports that are due and not yet built."""
    tenant_id = current_tenant_id()
    tor = current_tor(tenant_id)
    counts = {"built": 0, "told": 0}
    since = on_the_platform_since()
    if tor is None or since is None:
        return counts
    for due in due_reports(tor, today):
        if due.period.end < since:
            continue
        exists = db.session.execute(select(BuiltReport.id).where(
            BuiltReport.duty_id == due.duty_id, BuiltReport.body_id == due.body_id,
            BuiltReport.period_start == due.period.start)).first()
        if exists:
            continue
        duty = next(d for d in tor.reporting if d.id == due.duty_id)
        report = build_report(tenant_id, due.body_id, due.period)
        built = BuiltReport(duty_id=duty.id, label=duty.label, body_id=due.body_id,
                            body_name=tor.body(due.body_id).name, period_start=due.period.start,
                            period_end=due.period.end, period_label=due.period.label,
                            pdf=report_pdf(report), csv=as_csv(report))
        db.session.add(built)
        db.session.flush()
        counts["built"] += 1
        counts["told"] += tell(built, duty, audience(tor, duty))
    return counts


def tell(built: BuiltReport, duty, people) -> int:
    """E-mail each person a link to the built report, once (the report names no child)."""
    link = link_to("reports.built_report", built_report_id=built.id)
    told = []
    for user in people:
        body = "\n".join([
            f"Dear {user.name},", "",
            f"The {built.label} on the {built.body_name} for {built.period_label} is ready.",
            f"It is presented to: {duty.to}.", "",
            f"Read it, or download it as PDF or CSV: {link}", "",
            "It holds figures only; no child is named.", ""])
        if queue_email(user.email, f"{built.label}: {built.period_label}", body,
                       reminder_key=f"report:{built.id}", kind=REPORTS) is not None:
            told.append(user.email)
    built.told = "\n".join(told)
    return len(told)


def built_reports() -> list[BuiltReport]:
    """The council's built reports, newest period first."""
    return list(db.session.execute(select(BuiltReport).order_by(
        BuiltReport.period_start.desc(), BuiltReport.label, BuiltReport.body_name)).scalars())
