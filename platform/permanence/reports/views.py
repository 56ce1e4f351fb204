"""The panel report pages: choose a panel and a period; the report as a page, a PDF and a CSV file.
Figures only: ``reports.view``."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, g, redirect, render_template, request, url_for

from ..accounts.permissions import require
from ..audit import services as audit
from ..core.clock import london_today
from ..tor import role_label
from ..tor.services import current_tor
from ..core.db import get_or_404
from . import duties, panel
from .models import BuiltReport
from .pdf import report_html, report_pdf

bp = Blueprint("reports", __name__, template_folder="templates")


class PeriodError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _panels(tor) -> list:
    """The bodies a report can be about: every body of the terms of reference in force (a panel, or a
    tracking meeting held per child, whose meetings are its sittings)."""
    return list(tor.bodies) if tor is not None else []


def _date(field: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(field, f"Enter the {'start' if field == 'from' else 'end'} date as a date, like "
                                 "2026-04-01") from None


def period_from(args, today: date) -> panel.Period:
    """The period the query string asks for: ``period=2026-Q2`` (a financial quarter), ``period=2026-27``
    (a financial year), or ``from=`` and ``to=`` dates; none: the quarter containing today."""
    start, end, key = args.get("from", ""), args.get("to", ""), args.get("period", "")
    if start or end:
        if key:
            raise PeriodError("period", "Choose either a period or dates from and to, not both")
        if not start:
            raise PeriodError("from", "Enter the date the period starts (from)")
        if not end:
            raise PeriodError("to", "Enter the date the period ends (to)")
        first, last = _date("from", start), _date("to", end)
        try:
            return panel.Period.custom(first, last)
        except ValueError as error:
            raise PeriodError("to" if last < first else "from",
                              "The end date (to) must be on or after the start date (from)" if last < first else
                              "The period from and to is at most five years long") from error
    if key:
        try:
            return panel.Period.from_key(key)
        except ValueError as error:
            raise PeriodError("period", f"Enter the period as {str(error).removeprefix('write the period as ')}") \
                from error
    return panel.Period.quarter_containing(today)


def _choices(today: date) -> list[panel.Period]:
    """The periods offered: the last eight financial quarters and the last three financial years."""
    quarters, day = [], today
    for _ in range(8):
        quarter = panel.Period.quarter_containing(day)
        quarters.append(quarter)
        day = date.fromordinal(quarter.start.toordinal() - 1)
    years = [panel.Period.financial_year_containing(today)]
    for _ in range(2):
        years.append(panel.Period.previous_financial_year(years[-1].start))
    return quarters + years


def _index(error: PeriodError | None = None, body_id: str | None = None):
    today = london_today()
    tor = current_tor(g.tenant.id)
    duty_rows = [{"label": d.label, "frequency": d.frequency, "to": d.to,
                  "prepared_by": role_label(tor, d.prepared_by) if d.prepared_by else "",
                  "scheduled": d.scheduled}
              for d in (tor.reporting if tor is not None else ())]
    return render_template("reports/panel_report_index.html", bodies=_panels(tor), duties=duty_rows,
                           built=duties.built_reports(),
                           choices=_choices(today), error=error, args=request.args, chosen=body_id,
                           default=panel.Period.previous_quarter(today)), 400 if error else 200


@bp.get("/<tenant_slug>/reports/")
@require("reports.view")
def index(tenant_slug):
    body_id = request.args.get("body")
    if body_id:  # the form's choice: on to the report, with the period as chosen
        tor = current_tor(g.tenant.id)
        if body_id not in {b.id for b in _panels(tor)}:
            return _index(PeriodError("body", "Choose a panel from the list"))
        try:
            period_from(request.args, london_today())
        except PeriodError as error:
            return _index(error, body_id)
        wanted = {k: request.args[k] for k in ("period", "from", "to") if request.args.get(k)}
        return redirect(url_for("reports.report", body=body_id, **wanted))
    return _index(body_id=request.args.get("panel"))  # "Choose another panel or period" keeps the choice


def _report(body_id: str, kind: str):
    tor = current_tor(g.tenant.id)
    if body_id not in {b.id for b in _panels(tor)}:
        abort(404)
    try:
        period = period_from(request.args, london_today())
    except PeriodError as error:
        return _index(error, body_id)
    try:
        report = panel.build_report(g.tenant.id, body_id, period)
    except panel.UnknownBody:
        abort(404)
    if kind == "page":
        return report_html(report, pdf=False)
    name = f"{body_id}-report-{period.start.isoformat()}-to-{period.end.isoformat()}.{kind}"
    audit.record("export", entity_type="PanelReport",
                 summary=f"Report of {report.body_name} for {period.label} downloaded as {kind.upper()}")
    if kind == "pdf":
        body, mimetype = report_pdf(report), "application/pdf"
    else:
        body, mimetype = panel.as_csv(report), "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"})


@bp.get("/<tenant_slug>/reports/<body>")
@require("reports.view")
def report(tenant_slug, body):
    return _report(body, "page")


@bp.get("/<tenant_slug>/reports/<body>.pdf")
@require("reports.view")
def report_pdf_download(tenant_slug, body):
    return _report(body, "pdf")


@bp.get("/<tenant_slug>/reports/<body>.csv")
@require("reports.view")
def report_csv_download(tenant_slug, body):
    return _report(body, "csv")


# --- Reports built for the ToR's reporting duties -----------------------------------------------------

@bp.get("/<tenant_slug>/reports/built/<int:built_report_id>")
@require("reports.view")
def built_report(tenant_slug, built_report_id):
    report = get_or_404(BuiltReport, built_report_id)
    return render_template("reports/built_report.html", report=report,
                           told=[a for a in report.told.splitlines() if a])


def _built_download(built_report_id: int, kind: str) -> Response:
    report = get_or_404(BuiltReport, built_report_id)
    audit.record("export", entity_type="BuiltReport", entity_id=report.id,
                 summary=f"{report.label} on {report.body_name} for {report.period_label} downloaded as "
                         f"{kind.upper()}")
    if kind == "pdf":
        body, mimetype = report.pdf, "application/pdf"
    else:
        body, mimetype = report.csv, "text/csv; charset=utf-8"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{report.filename}.{kind}"',
        "Cache-Control": "private, no-store"})


@bp.get("/<tenant_slug>/reports/built/<int:built_report_id>.pdf")
@require("reports.view")
def built_report_pdf(tenant_slug, built_report_id):
    return _built_download(built_report_id, "pdf")


@bp.get("/<tenant_slug>/reports/built/<int:built_report_id>.csv")
@require("reports.view")
def built_report_csv(tenant_slug, built_report_id):
    return _built_download(built_report_id, "csv")
