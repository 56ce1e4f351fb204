"""The decision register's page and downloads: ``/<council>/decisions/`` (filtered by the query
string, 50 a page) and ``export.csv`` / ``export.xlsx`` with the same filters, every download recorded
in the audit log. Views only translate between HTTP and ``register``."""

from __future__ import annotations

from flask import Blueprint, Response, g, render_template, request, url_for

from ..accounts.permissions import require
from ..audit import services as audit
from ..core.clock import london_today
from ..notifications.services import link_to
from . import register
from .register import FilterErrors

bp = Blueprint("register", __name__, template_folder="templates")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FILTERS = ("body", "outcome", "team", "legal_status", "plan_route", "period", "from", "to")


def _filters():
    """(choices, the filter or None, errors by field) of the query string."""
    choices = register.choices_for(g.tenant.id)
    try:
        return choices, register.read_filter(request.args, choices, london_today()), {}
    except FilterErrors as exc:
        return choices, None, exc.errors


def _args() -> dict[str, str]:
    """The filters the person chose, to carry into the page links and the downloads."""
    return {k: request.args[k] for k in FILTERS if request.args.get(k)}


def _url(endpoint_and_values) -> str:
    endpoint, values = endpoint_and_values
    return url_for(endpoint, **values)


def _render(choices, result, errors, status=200):
    values = {k: (request.args.get(k) or "").strip() for k in FILTERS}
    chosen_body = values["body"] if values["body"] in dict(choices.bodies) else None
    return render_template(
        "reports/register.html", choices=choices, outcomes=choices.outcomes_for(chosen_body), values=values,
        periods=register.PERIODS, result=result, errors=errors, fields=register.FIELDS, args=_args(), url=_url,
    ), status


@bp.get("/<tenant_slug>/decisions/")
@require("panels.view")
def decisions(tenant_slug):
    choices, flt, errors = _filters()
    try:
        page = register.read_page(request.args)
    except FilterErrors as exc:
        errors = {**errors, **exc.errors}
    if errors:
        return _render(choices, None, errors, 400)
    return _render(choices, register.register_page(flt, page), {})


def _download(kind: str, make, mimetype: str):
    choices, flt, errors = _filters()
    if errors:
        return _render(choices, None, errors, 400)
    rows = register.all_rows(flt)
    audit.record("export", entity_type="Child", summary=(
        f"Decision register exported as {kind.upper()} ({len(rows)} decisions; {flt.describe(choices)})"))
    body = make(rows, lambda row: link_to(row.record_endpoint[0], **row.record_endpoint[1]))
    filename = f"decisions-{g.tenant.slug}-{london_today().isoformat()}.{kind}"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.get("/<tenant_slug>/decisions/export.csv")
@require("panels.view")
def export_csv(tenant_slug):
    # A byte-order mark, so Excel reads the accents and pound signs of the CSV as UTF-8.
    return _download("csv", lambda rows, link: "\ufeff" + register.as_csv(rows, link), "text/csv; charset=utf-8")


@bp.get("/<tenant_slug>/decisions/export.xlsx")
@require("panels.view")
def export_xlsx(tenant_slug):
    return _download("xlsx", register.as_xlsx, XLSX)
