"""The page of one child's tracking meeting: when, why it was booked, the ToR's agenda headings,
who is invited and the outcomes the meeting can reach. Views only translate HTTP."""

from __future__ import annotations

from flask import Blueprint, abort, g, render_template
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.permissions import has_permission, load_or_404, require, visible
from ..cases.models import Child
from ..core.db import get_or_404
from ..extensions import db
from ..tor.services import current_tor
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from .services import LONDON, body_of, london_today, meeting_deadlines
from .tracking import TRACKING, tracking_bodies
from .tracking_invites import invitees

bp = Blueprint("tracking_meetings", __name__, template_folder="templates")


def booked_tracking_items(today) -> list[AgendaItem]:
    """The booked tracking meetings from ``today`` of the children the member may see."""
    tor = current_tor(g.tenant.id)
    bodies = [b.id for b in tracking_bodies(tor)] if tor else []
    return db.session.execute(
        visible(select(AgendaItem), AgendaItem).join(Meeting, Meeting.id == AgendaItem.meeting_id)
        .where(Meeting.body_id.in_(bodies), Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= today,
               AgendaItem.status == ItemStatus.BOOKED)
        .options(selectinload(AgendaItem.meeting), selectinload(AgendaItem.child))
        .order_by(Meeting.date, AgendaItem.id)
    ).scalars().all()


def load_tracking_meeting(meeting_id: int):
    """(meeting, body, item) of a tracking meeting the member may see: another council's or a
    panel's sitting is a 404, a child the member may not see a 403; the read of the child is audited."""
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
        load_or_404(Child, item.child_id)
    return row, body, item


@bp.get("/<tenant_slug>/tracking-meetings/")
@require("panels.view")
def upcoming(tenant_slug):
    tor = current_tor(g.tenant.id)
    bodies = {b.id: b for b in tracking_bodies(tor)} if tor else {}
    return render_template("panels/tracking_meetings.html", items=booked_tracking_items(london_today()),
                           bodies=bodies)


@bp.get("/<tenant_slug>/tracking-meetings/<int:meeting_id>")
@require("panels.view")
def meeting(tenant_slug, meeting_id):
    row, body, item = load_tracking_meeting(meeting_id)
    return render_template("panels/tracking_meeting.html", meeting=row, body=body, item=item,
                           part=body.part(item.part_id), invited=invitees(item, body),
                           deadlines=meeting_deadlines(row), LONDON=LONDON,
                           can_read_papers=has_permission("papers.view"))
