"""Downloads of the tracker in the council's own layout: ``export.xlsx`` and ``export.csv``."""

from __future__ import annotations


from flask import Blueprint, Response, g
from sqlalchemy import select

from ..accounts.permissions import require, visible
from ..audit import services as audit
from ..cases.models import Child
from ..core.clock import london_today
from ..tor.services import tracker_layout
from . import services

bp = Blueprint("exports", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export(kind: str):
    """The rows of the children this member may see; every export is recorded in the audit log."""
    today = london_today()
    layout = tracker_layout(g.tenant.id)
    children = services.children_for_export(visible(select(Child), Child))
    rows = services.tracker_rows(children, layout, today)
    audit.record("export", entity_type="Child",
                 summary=f"Tracker exported as {kind.upper()} ({len(rows)} children)")
    return layout, rows, f"tracker-{g.tenant.slug}-{today.isoformat()}.{kind}"


def _download(body, mimetype: str, filename: str) -> Response:
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"})


@bp.get("/<tenant_slug>/tracker/export.xlsx")
@require("tracker.export")
def tracker_xlsx(tenant_slug):
    layout, rows, filename = _export("xlsx")
    return _download(services.as_xlsx(layout, rows), XLSX, filename)


@bp.get("/<tenant_slug>/tracker/export.csv")
@require("tracker.export")
def tracker_csv(tenant_slug):
    layout, rows, filename = _export("csv")
    # A byte-order mark, so Excel reads the accents and pound signs of the CSV as UTF-8.
    return _download("\ufeff" + services.as_csv(layout, rows), "text/csv; charset=utf-8", filename)
