"""The measures pages: the council's figures (``reports.view``, no child named), the children behind a
figure (``children.view``, only those the viewer may see), the council's sharing switch (``users.manage``)
and the cross-council view (a sharing council's senior managers; the central administrator under /admin)."""

from __future__ import annotations

import re
from datetime import date

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ..accounts.permissions import platform_admin, require, visible
from ..accounts.roles import ADMINISTRATOR_ROLES
from ..accounts.services import holders
from ..cases.models import Child
from ..core.clock import london_today
from ..extensions import db
from . import across, services
from .formatting import show, show_fact

bp = Blueprint("measures", __name__, template_folder="templates")

EARLIEST = date(2000, 1, 1)
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _as_of() -> date:
    """The measure date from the query string (``date``, as 2025-03-31), today when absent; else a 400
    naming the field."""
    raw = request.args.get("date", "").strip()
    if not raw:
        return london_today()
    try:
        day = date.fromisoformat(raw) if ISO_DATE.fullmatch(raw) else None
    except ValueError:
        day = None
    if day is None:
        abort(400, description="Measure date: enter a real date, for example 2025-03-31.")
    if not EARLIEST <= day <= london_today():
        abort(400, description=f"Measure date: enter a date between {show_fact(EARLIEST)} and today.")
    return day


@bp.app_template_filter("measure_value")
def _measure_value(value, unit):
    return show(value, unit)


@bp.app_template_filter("measure_fact")
def _measure_fact(value):
    return show_fact(value)


@bp.get("/<tenant_slug>/measures/")
@require("reports.view")
def index(tenant_slug):
    as_of = _as_of()
    return render_template("measures/index.html", measures=services.council_measures(g.tenant.id, as_of),
                           as_of=as_of, today=london_today())


@bp.get("/<tenant_slug>/measures/<measure>/children")
@require("children.view")
def children(tenant_slug, measure):
    """The children behind a figure (``measure``: a measure's id, such as a10)."""
    if measure not in services.MEASURE_IDS:
        abort(404)
    as_of = _as_of()
    found = services.measure(g.tenant.id, measure, as_of)
    ids = found.children_ids()
    seen = {c.id: c for c in _visible_children(ids)}
    rows = [r for r in found.rows if r.child_id in seen]
    return render_template("measures/children.html", measure=found, rows=rows, children=seen, as_of=as_of,
                           counted=len(set(ids)), shown=len({r.child_id for r in rows}))


def _visible_children(ids: list[int]) -> list[Child]:
    """The counted children this viewer may see (need to know); loading them is the audited read."""
    if not ids:
        return []
    return list(db.session.execute(visible(select(Child).where(Child.id.in_(sorted(set(ids)))), Child)).scalars())


@bp.post("/<tenant_slug>/measures/sharing")
@require("users.manage")
def sharing(tenant_slug):
    """The council's switch: its measures appear (figures only) beside other sharing councils', or not."""
    if request.form.get("shares") not in ("yes", "no"):
        abort(400, description="Share these measures: the form sends yes or no; reload the page and try again.")
    shares = request.form.get("shares") == "yes"
    across.set_sharing(g.tenant, shares)
    if shares:
        flash(f"{g.tenant.name} now shares its measures with other councils that share theirs: figures only, "
              "with small numbers hidden.", "success")
    else:
        flash(f"{g.tenant.name} no longer shares its measures with other councils.", "success")
    return redirect(url_for("measures.index"))


def _table(as_of: date):
    return across.across_councils(as_of, current_app.config.get("CROSS_COUNCIL_MIN_COUNT", 5))


@bp.get("/<tenant_slug>/measures/across-councils")
@require("reports.across_councils")
def across_councils(tenant_slug):
    as_of = _as_of()
    if not g.tenant.shares_measures:
        return render_template("measures/not_sharing.html",
                               administrators=holders(sorted(ADMINISTRATOR_ROLES)))
    return render_template("measures/across.html", table=_table(as_of), as_of=as_of, today=london_today(),
                           page_url=url_for("measures.across_councils"))


@bp.get("/admin/measures/across-councils")
@platform_admin
def admin_across_councils():
    as_of = _as_of()
    return render_template("measures/across.html", table=_table(as_of), as_of=as_of, today=london_today(),
                           page_url=url_for("measures.admin_across_councils"))
