"""Children: the list a member may see and a child's record."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select

from ..accounts.models import User
from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..core.clock import london_today
from ..core.db import MAX_ID
from ..core.jobs import commit
from ..documents.views import papers_panel
from ..extensions import db
from . import codes, provenance
from .forms import CircumstanceForm, KeyDateForm, LegalStatusForm
from .models import Child
from .sections import child_sections
from .services import ChildError, children_for_listing, record_circumstance, record_key_date, record_legal_status

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
    return _render_child(load_or_404(Child, child_id))


def _render_child(record: Child, status: int = 200, **forms):
    papers = papers_panel("child", record) if has_permission("papers.view") else None
    editing = has_permission("children.edit")  # the forms are shown only to roles that may change the record
    for name, form in (("key_date_form", KeyDateForm), ("circumstance_form", CircumstanceForm),
                       ("legal_status_form", LegalStatusForm)):
        forms.setdefault(name, form(formdata=None) if editing else None)
    return render_template("cases/child.html", child=record, codes=codes, label=codes.label, papers=papers,
                           sections=child_sections(record), conflicts=provenance.conflicts_of(record),
                           conflict_says=provenance.describe, can_resolve=editing, **forms), status


def _record(form, change) -> bool:
    """Run ``change`` once the form is valid; a refusal of the service becomes the field's error."""
    if not form.validate_on_submit():
        return False
    try:
        change()
    except ChildError as exc:
        target = form[exc.field] if exc.field in form else form[next(iter(form._fields))]
        target.errors = [*target.errors, str(exc)]
        return False
    return True


@bp.post("/<tenant_slug>/children/<int:child_id>/key-dates")
@require("children.edit")
def record_key_date_view(tenant_slug, child_id):
    """Record a key date (the agency decision maker's decision, the match, ...) on the child's page."""
    record = load_or_404(Child, child_id)
    form = KeyDateForm()
    if _record(form, lambda: record_key_date(record, form.event.data, form.happened_on.data, form.note.data,
                                             today=london_today(), recorded_by=db.session.get(User, current_user.id))):
        commit()
        flash(f"{codes.RECORDABLE_EVENTS[form.event.data].capitalize()}: recorded on "
              f"{form.happened_on.data:%-d %B %Y}.", "success")
        return redirect(url_for("cases.child", child_id=record.id, _anchor="key-dates"))
    return _render_child(record, 400, key_date_form=form)


@bp.post("/<tenant_slug>/children/<int:child_id>/circumstances")
@require("children.edit")
def record_circumstance_view(tenant_slug, child_id):
    """Record a circumstance (a child protection plan, awaiting a permanent placement, ...)."""
    record = load_or_404(Child, child_id)
    form = CircumstanceForm()
    if _record(form, lambda: record_circumstance(record, form.flag.data, form.start.data, form.end.data,
                                                 form.note.data, today=london_today())):
        commit()
        flash(f"Circumstance recorded: {codes.FLAGS[form.flag.data]}.", "success")
        return redirect(url_for("cases.child", child_id=record.id, _anchor="circumstances"))
    return _render_child(record, 400, circumstance_form=form)


@bp.post("/<tenant_slug>/children/<int:child_id>/legal-statuses")
@require("children.edit")
def record_legal_status_view(tenant_slug, child_id):
    """Record a change of legal status, and for section 20 whether it began in an emergency or was planned."""
    record = load_or_404(Child, child_id)
    form = LegalStatusForm()
    if _record(form, lambda: record_legal_status(record, form.code.data, form.start.data, form.s20_entry.data)):
        commit()
        flash(f"Legal status recorded: {codes.label(codes.LEGAL_STATUSES, form.code.data.strip().upper())}.",
              "success")
        return redirect(url_for("cases.child", child_id=record.id, _anchor="legal-status"))
    return _render_child(record, 400, legal_status_form=form)


@bp.post("/<tenant_slug>/children/<int:child_id>/sources-disagree")
@require("children.edit")
def resolve_conflict(tenant_slug, child_id):
    """Keep the record a person judges right where the child's sources disagree (the rest are deleted), or
    both, one after the other, where they can follow one another."""
    record = load_or_404(Child, child_id)
    keep = (request.form.get("keep_id") or "").strip()
    history = request.form.get("history", "")
    try:
        if keep == "both":
            ids = {int(i) for i in request.form.getlist("row_ids") if i.isdigit()}
            conflict = provenance.resolve_in_sequence(record, history, ids)
            message = f"{conflict.history.label}: {conflict.describe_sequence()[0].lower()}" \
                      f"{conflict.describe_sequence()[1:]}."
        elif keep.isdigit():
            conflict, kept = provenance.resolve(record, history, int(keep))
            message = (f"{conflict.history.label}: kept “{conflict.history.describe(kept)}” ({kept.origin_label}); "
                       f"{len(conflict.rows) - 1} other record{'' if len(conflict.rows) == 2 else 's'} deleted.")
        else:
            raise provenance.ResolveError("Choose which record to keep")
    except provenance.ResolveError as exc:
        flash(str(exc), "error")
        return redirect(url_for("cases.child", child_id=record.id, _anchor="sources-disagree"))
    commit()
    flash(message, "success")
    return redirect(url_for("cases.child", child_id=record.id))
