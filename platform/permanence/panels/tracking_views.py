"""The page of one child's tracking meeting: when, why it was booked, the ToR's agenda headings,
who is invited and the outcomes the meeting can reach. Views only translate HTTP."""

from __future__ import annotations

from flask import Blueprint, abort, render_template
from sqlalchemy import select

from ..accounts.permissions import require, visible
from ..cases.models import Child
from ..accounts.permissions import load_or_404
from ..core.db import get_or_404
from ..extensions import db
from .models import AgendaItem, Meeting
from .services import LONDON, body_of, meeting_deadlines
from .tracking import TRACKING
from .tracking_invites import invitees

bp = Blueprint("tracking_meetings", __name__, template_folder="templates")


@bp.get("/<tenant_slug>/tracking-meetings/<int:meeting_id>")
@require("panels.view")
def meeting(tenant_slug, meeting_id):
    row = get_or_404(Meeting, meeting_id)
    body = body_of(row)
    if body.kind != TRACKING:
        abort(404)
    item = db.session.execute(
        visible(select(AgendaItem).where(AgendaItem.meeting_id == row.id), AgendaItem).order_by(AgendaItem.id)
    ).scalars().first()
    if item is None:
        abort(403)
    if item.child_id is not None:
        load_or_404(Child, item.child_id)  # audits the read of the child's record
    part = body.part(item.part_id)
    return render_template("panels/tracking_meeting.html", meeting=row, body=body, item=item, part=part,
                           invited=invitees(item, body), deadlines=meeting_deadlines(row), LONDON=LONDON)
