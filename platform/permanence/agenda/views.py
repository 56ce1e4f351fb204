"""The agenda on the web: panel seats, the agenda of a sitting (order, slots, presenters, paperwork
at a glance), moving an item, publishing, the papers pack. Views only translate HTTP to services."""

from __future__ import annotations

from datetime import datetime
import io

from flask import Blueprint, abort, flash, g, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from ..accounts.permissions import has_permission, load_or_404, require
from ..audit import services as audit
from ..core.clock import LONDON
from ..core.db import get_or_404
from ..core.jobs import commit
from ..documents.views import papers_panel
from ..extensions import db
from ..panels.models import AgendaItem, ItemStatus, Meeting, PanelMember
from . import pack, publishing, seats as seat_services, services
from .forms import MoveItemForm, PublishForm, RemoveSeatForm, ReorderForm, SeatForm, SlotForm
from .papers import may_read_papers

bp = Blueprint("agenda", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"LONDON": LONDON}


def apply(form, change, fallback: str, fields=None):
    """Run a service change; an AgendaError becomes an error on its field (``fields`` maps a service
    field to the form's). Returns the result, or None after an error."""
    try:
        return change() or True
    except seat_services.AgendaError as exc:
        name = (fields or {}).get(exc.field, exc.field)
        field = form[name] if name in form else form[fallback]
        field.errors = [*field.errors, exc.message]
        return None


def _body_or_404(body_id):
    body = seat_services.panel_body(body_id)
    if body is None:
        abort(404)
    return body


def _render_seats(body, form=None, status=200):
    holders = seat_services.seats_of(body.id)
    if form is None:
        form = SeatForm(formdata=None)
    form.user_id.choices = [("", "Select a person"), *((str(u.id), f"{u.name} ({u.email})")
                                                       for u in seat_services.council_members())]
    form.seat.choices = [("", "Select a seat"), *seat_services.seat_choices(body)]
    return render_template("agenda/seats.html", body=body, holders=holders, form=form,
                           rows=seat_services.seat_rows(body, holders), remove_form=RemoveSeatForm(formdata=None),
                           can_manage=has_permission("panels.manage")), status


@bp.get("/<tenant_slug>/panels/<body>/members")
@require("panels.view")
def seats(tenant_slug, body):
    return _render_seats(_body_or_404(body))


@bp.post("/<tenant_slug>/panels/<body>/members")
@require("panels.manage")
def add_seat(tenant_slug, body):
    body = _body_or_404(body)
    form = SeatForm()
    form.user_id.choices = [(str(u.id), u.name) for u in seat_services.council_members()]
    form.seat.choices = seat_services.seat_choices(body)
    if form.validate_on_submit():
        member = apply(form, lambda: seat_services.add_seat(body, int(form.user_id.data), int(form.seat.data),
                                                            active=form.active.data), "user_id")
        if member:
            commit()
            flash(f"{member.user.name} now sits on {body.name} as {member.title or member.role}.", "success")
            return redirect(url_for("agenda.seats", body=body.id))
    return _render_seats(body, form, 400)


@bp.post("/<tenant_slug>/panels/<body>/members/<int:panel_member_id>/remove")
@require("panels.manage")
def remove_seat(tenant_slug, body, panel_member_id):
    body = _body_or_404(body)
    member = get_or_404(PanelMember, panel_member_id)
    if member.body_id != body.id:
        abort(404)
    if not RemoveSeatForm().validate_on_submit():
        abort(400)
    name = member.user.name
    seat_services.remove_seat(member)
    commit()
    flash(f"{name} no longer sits on {body.name}.", "success")
    return redirect(url_for("agenda.seats", body=body.id))


def _readable_item_or_403(item_id):
    """The item, if the member may read its papers: another council's is a 404; an item they may not
    see, or one they were ruled must leave, a 403."""
    item = load_or_404(AgendaItem, item_id)
    if not may_read_papers(item):
        abort(403)
    return item


@bp.get("/<tenant_slug>/agenda-items/<int:agenda_item_id>/papers")
@require("papers.view")
def item(tenant_slug, agenda_item_id):
    """The item's papers (the ToR's paperwork for its part), for those entitled to them."""
    row = _readable_item_or_403(agenda_item_id)
    agenda = services.build_agenda(row.meeting, shown={row.id})
    part = next((p.title for p in agenda.body.agenda_parts if p.id == row.part_id), row.part_id)
    return render_template("agenda/item.html", item=row, agenda_row=agenda.rows[0] if agenda.rows else None,
                           body=agenda.body, part=part, papers=papers_panel("agenda_item", row),
                           can_manage=has_permission("panels.manage"))


# --- the agenda of a sitting --------------------------------------------------------------------

def _meeting_or_404(meeting_id) -> Meeting:
    return get_or_404(Meeting, meeting_id)


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/agenda")
@require("panels.view")
def agenda(tenant_slug, meeting_id):
    """The agenda: the panel administrator orders and times it; members read the items they may see."""
    meeting = _meeting_or_404(meeting_id)
    page = services.agenda_page(meeting, g.membership, has_permission("panels.manage"))
    return render_template("agenda/agenda.html", **page, form=ReorderForm(formdata=None),
                           publish_form=PublishForm(formdata=None))


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/reorder")
@require("panels.manage")
def reorder(tenant_slug, agenda_item_id):
    """Move up or down (the button's ``direction``) within the item's part."""
    row = load_or_404(AgendaItem, agenda_item_id)
    direction = request.form.get("direction")
    if direction not in ("up", "down") or not ReorderForm().validate_on_submit():
        abort(400)
    try:
        services.move_item(row, direction)
    except seat_services.AgendaError as exc:
        flash(exc.message, "error")
        return redirect(url_for("agenda.agenda", meeting_id=row.meeting_id))
    commit()
    return redirect(url_for("agenda.agenda", meeting_id=row.meeting_id) + f"#item-{row.id}")


def _user_choices():
    return [("", "No presenter"), *((str(u.id), u.name) for u in services.presenter_choices())]


def _render_edit(row, slot_form=None, move_form=None, status=200):
    agenda_row = services.build_agenda(row.meeting, shown={row.id}).rows[0]
    if slot_form is None:
        slot_form = SlotForm(formdata=None, data={
            "position": agenda_row.number, "minutes": row.minutes_allowed,
            "start": row.starts_at.astimezone(LONDON).time() if row.starts_at else None,
            "presenter_id": str(agenda_row.presenter.id) if agenda_row.presenter else "",
            "second_presenter_id": str(agenda_row.second_presenter.id) if agenda_row.second_presenter else ""})
    slot_form.presenter_id.choices = slot_form.second_presenter_id.choices = _user_choices()
    move_form = move_form or MoveItemForm(formdata=None)
    move_form.meeting_id.choices = [("", "Select a sitting"), *((str(m.id), f"{m.date:%A %-d %B %Y}")
                                                                for m in services.other_sittings(row))]
    return render_template("agenda/edit_item.html", item=row, agenda_row=agenda_row, form=slot_form,
                           move_form=move_form, body=services.panel_services.body_of(row.meeting)), status


def _booked_or_404(item_id):
    row = load_or_404(AgendaItem, item_id)
    if row.status != ItemStatus.BOOKED:
        abort(404)
    return row


@bp.route("/<tenant_slug>/agenda-items/<int:agenda_item_id>/slot", methods=["GET", "POST"])
@require("panels.manage")
def edit_item(tenant_slug, agenda_item_id):
    """The item's place in its part, start time, minutes and presenters."""
    row = _booked_or_404(agenda_item_id)
    if request.method == "GET":
        return _render_edit(row)
    form = SlotForm()
    form.presenter_id.choices = form.second_presenter_id.choices = _user_choices()
    if form.validate_on_submit():
        start = (datetime.combine(row.meeting.date, form.start.data, LONDON) if form.start.data else None)
        change = lambda: services.update_slot(  # noqa: E731
            row, position=form.position.data, starts_at=start, minutes_allowed=form.minutes.data,
            presenter_id=int(form.presenter_id.data) if form.presenter_id.data else None,
            second_presenter_id=int(form.second_presenter_id.data) if form.second_presenter_id.data else None)
        if apply(form, change, "position", {"starts_at": "start", "minutes_allowed": "minutes", "item": "position"}):
            commit()
            flash(f"The slot of {row.subject_name} is saved.", "success")
            return redirect(url_for("agenda.agenda", meeting_id=row.meeting_id) + f"#item-{row.id}")
    db.session.rollback()
    return _render_edit(_booked_or_404(agenda_item_id), slot_form=form, status=400)


@bp.post("/<tenant_slug>/agenda-items/<int:agenda_item_id>/move")
@require("panels.manage")
def move_to_sitting(tenant_slug, agenda_item_id):
    """Move a booked item to another sitting of the same panel."""
    row = _booked_or_404(agenda_item_id)
    old_meeting = row.meeting_id
    form = MoveItemForm()
    form.meeting_id.choices = [(str(m.id), str(m.id)) for m in services.other_sittings(row)]
    if form.validate_on_submit() and apply(form, lambda: publishing.move_to_meeting(
            row, int(form.meeting_id.data), form.reason.data), "meeting_id"):
        commit()
        flash(f"{row.subject_name} is moved to the meeting on {row.meeting.date:%A %-d %B %Y}.", "success")
        return redirect(url_for("agenda.agenda", meeting_id=old_meeting))
    db.session.rollback()
    return _render_edit(_booked_or_404(agenda_item_id), move_form=form, status=400)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/agenda/publish")
@require("panels.manage")
def publish(tenant_slug, meeting_id):
    meeting = _meeting_or_404(meeting_id)
    form = PublishForm()
    if not form.validate_on_submit():
        abort(400)
    again = meeting.agenda_published_at is not None
    try:
        publishing.publish(meeting, current_user)
    except seat_services.AgendaError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("agenda.agenda", meeting_id=meeting_id))
    commit()
    flash("The agenda is published again: members and presenters are sent the update." if again else
          "The agenda is published: members and presenters are told by e-mail with an invitation.", "success")
    return redirect(url_for("agenda.agenda", meeting_id=meeting_id))


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/papers")
@require("papers.view")
def papers_pack(tenant_slug, meeting_id):
    """Every item of the agenda the member may read the papers of, with its papers (audited downloads)."""
    meeting = _meeting_or_404(meeting_id)
    return render_template("agenda/papers_pack.html", **services.papers_pack(meeting, g.membership))


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>/papers.pdf")
@require("papers.view")
def papers_pack_pdf(tenant_slug, meeting_id):
    """The member's own papers pack as one PDF: the one kept when it is current (its inputs have not
    changed since it was built), else built now and not kept (a GET changes nothing; the jobs keep
    packs). No items whose papers they may read: a 403. The download is audited as a read of the
    children it names and as a download of the pack."""
    meeting = _meeting_or_404(meeting_id)
    inputs = pack.pack_inputs(meeting, g.membership)
    if not inputs.rows:
        abort(403)
    fingerprint = inputs.fingerprint()
    kept = pack.stored(meeting.id, current_user.id, with_pdf=True)
    if kept is not None and kept.fingerprint == fingerprint:
        pdf, built_at, sha256 = kept.pdf, kept.built_at, kept.sha256
    else:
        built = pack.build(inputs, keep=False)
        pdf, built_at, sha256 = built.pdf, built.built_at, built.sha256
    audit.record("download", entity=meeting,
                 summary=f"Downloaded the papers pack of {meeting.date:%-d %B %Y} as one PDF "
                         f"({len(inputs.rows)} items)",
                 changes={"subject_type": "papers_pack", "meeting_id": meeting.id, "sha256": sha256,
                          "built_at": built_at.isoformat(), "items": [r.item.id for r in inputs.rows],
                          "versions": {str(item_id): [[p.document.id, p.version_number] for p in papers]
                                       for item_id, papers in inputs.papers.items()}})
    response = send_file(io.BytesIO(pdf), mimetype="application/pdf", as_attachment=True,
                         download_name=pack.filename(meeting), conditional=False, etag=False, max_age=None)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
