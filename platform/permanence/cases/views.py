"""Children: the list a member may see and a child's record."""

from flask import Blueprint, render_template, request
from sqlalchemy import func, or_, select

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..core.db import MAX_ID
from ..documents.views import papers_panel
from ..extensions import db
from . import codes
from .models import Child
from .sections import child_sections
from .services import children_for_listing

bp = Blueprint("cases", __name__, template_folder="templates")
PAGE_SIZE = 50


@bp.get("/<tenant_slug>/children/")
@require("children.view")
def children(tenant_slug):
    q = (request.args.get("q") or "").strip()[:100]
    page = min(max(1, request.args.get("page", 1, type=int)), MAX_ID)
    stmt = visible(select(Child), Child)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(func.lower(Child.first_name + " " + Child.last_name).like(like),
                              func.lower(Child.case_number).like(like)))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()
    page_stmt = stmt.order_by(Child.last_name, Child.first_name).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    rows = db.session.execute(children_for_listing(page_stmt)).scalars().all()
    return render_template("cases/children.html", children=rows, total=total, q=q, page=page,
                           pages=max(1, -(-total // PAGE_SIZE)))


@bp.get("/<tenant_slug>/children/<int:child_id>")
@require("children.view")
def child(tenant_slug, child_id):
    record = load_or_404(Child, child_id)
    papers = papers_panel("child", record) if has_permission("papers.view") else None
    return render_template("cases/child.html", child=record, codes=codes, label=codes.label, papers=papers,
                           sections=child_sections(record))
