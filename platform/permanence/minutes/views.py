"""Minutes pages: the meeting's minutes (assemble, edit, approve, reopen, circulate), the conflict
page when two people edit at once, the list of meetings' minutes with the overdue ones flagged,
and the per-child decision record (HTML and PDF). Views only translate between HTTP and services."""

from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..core.clock import london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..core.pdf import render_pdf
from ..extensions import db
from ..meetings import between
from ..panels import services as panels
from ..panels.models import AgendaItem, ItemStatus, Meeting, Minutes, MinutesStatus
from . import services
from .assembly import agenda_order, subject
from .forms import ApproveForm, AssembleForm, CirculateForm, MinutesForm, ReopenForm
from .records import decision_record, record_sections

bp = Blueprint("minutes", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"MinutesStatus": MinutesStatus, "subject": subject}


def _meeting_and_minutes(meeting_id):
    """The meeting (any member with panels.view) and its minutes through the minutes' object rule."""
    meeting = get_or_404(Meeting, meeting_id)
    minutes = load_or_404(Minutes, meeting.minutes.id) if meeting.minutes is not None else None
    return meeting, minutes


def _existing(meeting_id):
    """The meeting and its minutes, which must exist (a change to minutes not yet written is a 404)."""
    meeting, minutes = _meeting_and_minutes(meeting_id)
    if minutes is None:
        abort(404)
    return meeting, minutes


def _done(meeting, message: str):
    """Commit (e-mails go after), say what happened, and show the minutes again."""
    commit()
    flash(message, "success")
    return redirect(url_for("minutes.show", meeting_id=meeting.id))


def _visible(items):
    """Only the items the member may see are named (their children's decision records)."""
    ids = {i.id for i in items}
    seen = set(db.session.execute(visible(select(AgendaItem.id).where(AgendaItem.id.in_(ids)), AgendaItem)).scalars())
    return [i for i in items if i.id in seen]


def _render(meeting, minutes, *, form=None, reopen_form=None, status=200, error=None):
    today = london_today()
    body = panels.body_of(meeting)
    if form is None and minutes is not None:
        form = MinutesForm(formdata=None, text=minutes.text, revision=minutes.revision)
    return render_template(
        "minutes/minutes.html", meeting=meeting, minutes=minutes, body=body, form=form,
        reopen_form=reopen_form or ReopenForm(formdata=None), due=services.minutes_due(meeting),
        overdue=services.minutes_overdue(meeting, today), items=_visible(agenda_order(meeting, body)), error=error,
        unfinished=_visible(services.unfinished_items(meeting)),
        can_edit=has_permission("minutes.edit"), can_approve=has_permission("minutes.approve"),
        can_circulate=has_permission("panels.manage")), status


def _conflict(meeting, conflict: services.MinutesConflict, mine: str):
    """409: both texts side by side, the person's own editable and based on the saved revision."""
    return render_template("minutes/conflict.html", meeting=meeting, body=panels.body_of(meeting),
                           theirs=conflict.text, by=conflict.edited_by, revision=conflict.revision,
                           form=MinutesForm(formdata=None, text=mine, revision=conflict.revision)), 409


def _state_error(meeting, minutes, exc):
    return _render(meeting, minutes, status=409, error=exc.message)


def _change(meeting, minutes, change, message):
    """Run a change of state; one the minutes' state refuses is shown on the page (409)."""
    try:
        result = change()
    except (services.MinutesStateError, services.MinutesConflict) as exc:
        return _state_error(meeting, minutes, exc)
    return _done(meeting, message(result))


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/minutes")
@require("panels.view")
def show(tenant_slug, meeting_id):
    meeting, minutes = _meeting_and_minutes(meeting_id)
    return _render(meeting, minutes)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/minutes")
@require("minutes.edit")
def save(tenant_slug, meeting_id):
    meeting, minutes = _existing(meeting_id)
    form = MinutesForm()
    if not form.validate():
        return _render(meeting, minutes, form=form, status=400)
    try:
        services.save_minutes(minutes, form.text.data, form.revision.data, by=current_user)
    except services.MinutesConflict as exc:
        return _conflict(meeting, exc, form.text.data)
    except services.MinutesStateError as exc:
        return _state_error(meeting, minutes, exc)
    except services.MinutesError as exc:
        form.text.errors = [*form.text.errors, exc.message]
        return _render(meeting, minutes, form=form, status=400)
    return _done(meeting, "The minutes are saved.")


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/minutes/assemble")
@require("minutes.edit")
def assemble(tenant_slug, meeting_id):
    meeting, minutes = _meeting_and_minutes(meeting_id)
    form = AssembleForm()
    if not form.validate():
        abort(400)
    try:
        minutes = services.assemble(meeting, current_user, replace=form.replace.data == "yes",
                                    revision=form.revision.data)
    except services.ReplaceNeedsConfirmation as exc:
        return render_template("minutes/confirm_assemble.html", meeting=meeting, body=panels.body_of(meeting),
                               minutes=exc.minutes, form=AssembleForm(formdata=None, replace="yes",
                                                                        revision=exc.minutes.revision))
    except services.MinutesConflict as exc:
        return _conflict(meeting, exc, exc.text)
    except services.MinutesStateError as exc:
        return _state_error(meeting, minutes, exc)
    return _done(meeting, "The draft minutes are assembled from the record.")


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/minutes/approve")
@require("minutes.approve")
def approve(tenant_slug, meeting_id):
    meeting, minutes = _existing(meeting_id)
    form = ApproveForm()
    try:
        if not form.validate():
            return _render(meeting, minutes, status=400, error=services.REVISION_MISSING)
        services.approve_minutes(minutes, current_user, form.revision.data)
    except services.MinutesConflict as exc:
        return _render(meeting, exc.minutes, status=409, error=(
            "The minutes were changed after you opened them. Read the saved text, then approve again."))
    except (services.MinutesStateError, services.MinutesError) as exc:
        return _state_error(meeting, minutes, exc)
    return _done(meeting, "The minutes are approved.")


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/minutes/reopen")
@require("minutes.approve")
def reopen(tenant_slug, meeting_id):
    meeting, minutes = _existing(meeting_id)
    form = ReopenForm()
    if not form.validate():
        return _render(meeting, minutes, reopen_form=form, status=400)
    return _change(meeting, minutes, lambda: services.reopen_minutes(minutes, current_user, form.reason.data),
                   lambda _: "The minutes are reopened for editing; they need approving again.")


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/minutes/circulate")
@require("panels.manage")
def circulate(tenant_slug, meeting_id):
    meeting, minutes = _existing(meeting_id)
    if not CirculateForm().validate():
        abort(400)
    return _change(meeting, minutes, lambda: services.circulate_minutes(minutes, current_user),
                   lambda told: f"The minutes are circulated: {len(told)} people were sent a link by e-mail.")


@bp.get("/<tenant_slug>/minutes/")
@require("minutes.oversee")
def overview(tenant_slug):
    overdue_only = request.args.get("overdue") == "y"
    rows = services.minutes_overview(london_today(), overdue_only=overdue_only)
    return render_template("minutes/overview.html", rows=rows, overdue_only=overdue_only)


def load_heard_item(agenda_item_id):
    """A heard item through the object rules (404 if not heard); each child's read is audited."""
    item = load_or_404(AgendaItem, agenda_item_id)
    if item.status != ItemStatus.HEARD:
        abort(404)
    return item


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/decision-record")
@require("panels.view")
def decision(tenant_slug, agenda_item_id):
    item = load_heard_item(agenda_item_id)
    record = decision_record(item)
    reviewable = bool(item.children)
    return render_template(
        "minutes/decision_record.html", record=record, pdf=False,
        reviews=between.reviews_of(item) if reviewable else [],
        review_deadline=between.review_deadline(item) if reviewable else None,
        may_ask=reviewable and has_permission("decisions.ask_review") and between.may_ask_now(
            item, current_user, london_today()),
        ask_url=url_for("meetings.ask_review_of_item", agenda_item_id=item.id), sections=record_sections(item))


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/decision-record.pdf")
@require("panels.view")
def decision_pdf(tenant_slug, agenda_item_id):
    record = decision_record(load_heard_item(agenda_item_id))
    html = render_template("minutes/decision_record.html", record=record, pdf=True)
    response = make_response(render_pdf(html, base_url=request.url_root))
    response.headers["Content-Type"] = "application/pdf"
    filename = f"decision-record-{record.meeting_date.isoformat()}-{record.item_id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
