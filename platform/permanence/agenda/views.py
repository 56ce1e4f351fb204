"""The agenda on the web: panel seats, the agenda of a sitting (order, slots, presenters, paperwork
at a glance), moving an item, publishing, the papers pack. Views only translate HTTP to services."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for

from ..accounts.permissions import has_permission, require
from ..core.db import get_or_404
from ..core.jobs import commit
from ..panels.models import PanelMember
from ..panels.services import LONDON
from . import seats as seat_services
from .forms import RemoveSeatForm, SeatForm

bp = Blueprint("agenda", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"LONDON": LONDON}


def apply(form, change, fallback: str):
    """Run a service change; an AgendaError becomes an error on its field. Returns the result or None."""
    try:
        return change() or True
    except seat_services.AgendaError as exc:
        field = form[exc.field] if exc.field in form else form[fallback]
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


@bp.get("/<tenant_slug>/panels/<body_id>/members")
@require("panels.view")
def seats(tenant_slug, body_id):
    return _render_seats(_body_or_404(body_id))


@bp.post("/<tenant_slug>/panels/<body_id>/members")
@require("panels.manage")
def add_seat(tenant_slug, body_id):
    body = _body_or_404(body_id)
    form = SeatForm()
    form.user_id.choices = [(str(u.id), u.name) for u in seat_services.council_members()]
    form.seat.choices = seat_services.seat_choices(body)
    if form.validate_on_submit():
        member = apply(form, lambda: seat_services.add_seat(body, int(form.user_id.data), int(form.seat.data),
                                                            active=form.active.data), "user_id")
        if member:
            commit()
            flash(f"{member.user.name} now sits on {body.name} as {member.title or member.role}.", "success")
            return redirect(url_for("agenda.seats", body_id=body.id))
    return _render_seats(body, form, 400)


@bp.post("/<tenant_slug>/panels/<body_id>/members/<int:seat_id>/remove")
@require("panels.manage")
def remove_seat(tenant_slug, body_id, seat_id):
    body = _body_or_404(body_id)
    member = get_or_404(PanelMember, seat_id)
    if member.body_id != body.id:
        abort(404)
    if not RemoveSeatForm().validate_on_submit():
        abort(400)
    name = member.user.name
    seat_services.remove_seat(member)
    commit()
    flash(f"{name} no longer sits on {body.name}.", "success")
    return redirect(url_for("agenda.seats", body_id=body.id))
