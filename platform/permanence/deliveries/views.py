"""The delivery log: every decision record's delivery to the case record system, per council (or
one sitting), with "Send again"; and the log's part of each decision record's page. Thin: the
services decide."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..core.db import get_or_404
from ..core.jobs import commit
from ..extensions import db
from ..minutes.assembly import subject
from ..panels import services as panels
from ..panels.models import AgendaItem, Meeting
from ..tor import TorConfigError
from . import services
from .models import DecisionDelivery, DeliveryStatus

bp = Blueprint("deliveries", __name__, template_folder="templates")

PAGE = 200


@bp.get("/<tenant_slug>/deliveries/")
@require("deliveries.manage")
def log(tenant_slug):
    meeting_id = request.args.get("meeting", "")
    status = request.args.get("status", "")
    errors = {}
    joined = select(DecisionDelivery, AgendaItem).join(AgendaItem, DecisionDelivery.agenda_item_id == AgendaItem.id)
    stmt = (visible(joined, AgendaItem)
            .order_by(DecisionDelivery.updated_at.desc(), DecisionDelivery.id.desc()))
    meeting = None
    if meeting_id:
        if not meeting_id.isdigit() or len(meeting_id) > 9:
            errors["meeting"] = "Choose a sitting from the list"
        else:
            meeting = db.session.get(Meeting, int(meeting_id))
            if meeting is None:
                errors["meeting"] = "Choose a sitting from the list"
            else:
                stmt = stmt.where(AgendaItem.meeting_id == meeting.id)
    if status:
        if status not in {s.value for s in DeliveryStatus}:
            errors["status"] = "Choose a status from the list"
        else:
            stmt = stmt.where(DecisionDelivery.status == DeliveryStatus(status))
    rows = [] if errors else db.session.execute(stmt.limit(PAGE)).all()
    return render_template("deliveries/log.html", rows=rows, meeting=meeting, status=status, errors=errors,
                           statuses=list(DeliveryStatus), subject=subject, body_name=body_name,
                           page_size=PAGE), 400 if errors else 200


@bp.post("/<tenant_slug>/deliveries/<int:decision_delivery_id>/send-again")
@require("deliveries.manage")
def send_again(tenant_slug, decision_delivery_id):
    row = get_or_404(DecisionDelivery, decision_delivery_id)
    item = load_or_404(AgendaItem, row.agenda_item_id)
    try:
        services.send_again(row, current_user)
    except services.DeliveryStateError as exc:
        flash(exc.message, "error")
        return redirect(_back(item))
    commit()
    flash(f"The decision record is queued for {row.destination} again.", "success")
    return redirect(_back(item))


def _back(item):
    if request.form.get("back") == "record":
        return url_for("minutes.decision", agenda_item_id=item.id)
    return url_for("deliveries.log", meeting=item.meeting_id)


def body_name(meeting: Meeting) -> str:
    """The body's name, or its id for a sitting whose stored terms of reference no longer parse (one
    old version never takes the log down)."""
    try:
        return panels.body_of(meeting).name
    except TorConfigError:
        return meeting.body_id


def record_section(item: AgendaItem) -> dict | None:
    """The delivery log on the decision record's page, for whoever manages deliveries."""
    if not has_permission("deliveries.manage"):
        return None
    return {"template": "deliveries/_record_section.html", "deliveries": services.deliveries_of(item),
            "item_id": item.id}
