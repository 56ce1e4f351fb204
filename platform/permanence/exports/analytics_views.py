"""Data for analysts: the page listing the flat tables with their row counts and the data dictionary,
each table as CSV and all of them as one ZIP. Every download of children's data is in the audit log."""

from __future__ import annotations

import io

from flask import Blueprint, Response, abort, current_app, g, render_template
from sqlalchemy import select

from ..accounts.permissions import require, visible
from ..audit import services as audit
from ..cases.models import Child
from ..core.clock import LONDON, london_today
from ..tor.services import export_policy
from . import analytics, jobs

bp = Blueprint("analytics", __name__, template_folder="templates")
CSV = "text/csv; charset=utf-8"


def _scope() -> analytics.Scope:
    """The children this member may see (for the roles holding ``reports.export``, every child of the
    council), through the one need-to-know mechanism."""
    return analytics.Scope(visible(select(Child), Child), london_today())


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.get("/<tenant_slug>/exports/analytics")
@require("reports.export")
def page(tenant_slug):
    scope = _scope()
    counts = analytics.row_counts(scope)  # counted by the database: no child's row is loaded or shown
    every = export_policy(g.tenant.id).analytics_every
    folder = current_app.config.get("ANALYTICS_EXPORT_DIR")
    today = london_today()
    return render_template(
        "exports/analytics.html", tables=analytics.TABLES, counts=counts, types=analytics.TYPE_MEANINGS,
        zip_name=analytics.zip_name(g.tenant.slug, today), every=every,
        folder_problem=jobs.folder_problem(folder, g.tenant.slug) if every else None,
        last_written=jobs.last_written() if every else None,
        next_due=jobs.next_due(every, today) if every else None,
        due_now=jobs.is_due(every, today) if every else False, london=LONDON)


@bp.get("/<tenant_slug>/exports/analytics/<table>.csv")
@require("reports.export")
def table_csv(tenant_slug, table):
    if table == "data_dictionary":
        return _download(analytics.BOM + "".join(analytics.dictionary_lines()), CSV, analytics.DICTIONARY_FILENAME)
    try:
        found = analytics.table(table)
    except KeyError:
        abort(404)
    lines = list(analytics.table_lines(found, _scope()))
    audit.record("export", entity_type="Child",
                 summary=f"Data for analysts: {found.filename} downloaded ({len(lines) - 1} rows)")
    return _download(analytics.BOM + "".join(lines), CSV, found.filename)


@bp.get("/<tenant_slug>/exports/analytics.zip")
@require("reports.export")
def zip_file(tenant_slug):
    buffer = io.BytesIO()
    counts = analytics.write_zip(buffer, _scope())
    filename = analytics.zip_name(g.tenant.slug, london_today())
    audit.record("export", entity_type="Child",
                 summary=f"Data for analysts: {filename} downloaded ({counts['children']} children, "
                         f"{sum(counts.values())} rows in {len(counts)} tables)")
    return _download(buffer.getvalue(), "application/zip", filename)
