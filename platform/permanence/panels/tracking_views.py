"""The pages of children's tracking meetings: the booked meetings; one child's meeting (when, why
it was booked, the ToR's agenda headings, who is invited, the outcomes it can reach); the days and
times each team agreed for its meetings; moving one meeting; convening one for a child when needed
(and the child's page's offer to). Views only translate HTTP."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import Team
from ..accounts.permissions import can_see, current_roles, has_permission, load_or_404, require, visible
from ..accounts.roles import ARRANGE_TRACKING, CONVENE_TRACKING
from ..cases.models import Child
from ..core.clock import LONDON, london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..extensions import db
from ..tor.services import current_tor
from .convening import convene_tracking_meeting, convened_bodies, convener_title
from .forms import ConveneMeetingForm, MoveTrackingMeetingForm, TrackingSlotForm, today_hint
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus, TrackingSlot
from .services import ScheduleError, body_of, meeting_deadlines
from .tracking import TRACKING, tracking_bodies
from .tracking_days import agree_slot, earliest_day, move_tracking_meeting, remove_slot, team_days
from .tracking_invites import invitees, when_text

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
        .order_by(Meeting.date, Meeting.starts_at, AgendaItem.id)
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


def days_bodies(tor) -> list:
    """The tracking bodies whose meetings are held on days agreed per team (the ToR's meeting_days)."""
    return [b for b in tracking_bodies(tor) if b.meeting_days is not None] if tor else []


def _teams_arranged() -> list[Team]:
    """The teams whose days the member may agree (their own; every team for the administrator)."""
    return list(db.session.execute(visible(select(Team), Team, ARRANGE_TRACKING).order_by(Team.name)).scalars())


def _apply(form, change) -> bool:
    """Run a service change; a ScheduleError becomes an error on its field. Returns success."""
    try:
        change()
    except ScheduleError as exc:
        field = form[exc.field] if exc.field in form else form["reason"] if "reason" in form else None
        if field is None:
            raise
        field.errors = [*field.errors, exc.message]
        return False
    return True


@bp.get("/<tenant_slug>/tracking-meetings/")
@require("panels.view")
def upcoming(tenant_slug):
    tor = current_tor(g.tenant.id)
    bodies = {b.id: b for b in tracking_bodies(tor)} if tor else {}
    arranged = days_bodies(tor) if has_permission(ARRANGE_TRACKING) else []
    not_agreed = [row.team for row in team_days(_teams_arranged(), arranged) if not row.agreed] if arranged else []
    return render_template("panels/tracking_meetings.html", items=booked_tracking_items(london_today()),
                           bodies=bodies, can_arrange=bool(arranged), not_agreed=not_agreed, LONDON=LONDON)


@bp.get("/<tenant_slug>/tracking-meetings/<int:meeting_id>")
@require("panels.view")
def meeting(tenant_slug, meeting_id):
    row, body, item = load_tracking_meeting(meeting_id)
    can_move = (not row.cancelled and item.status == ItemStatus.BOOKED and has_permission(ARRANGE_TRACKING)
                and can_see(row, ARRANGE_TRACKING))
    return render_template("panels/tracking_meeting.html", meeting=row, body=body, item=item,
                           part=body.part(item.part_id), invited=invitees(item, body),
                           deadlines=meeting_deadlines(row), LONDON=LONDON, can_move=can_move,
                           can_read_papers=has_permission("papers.view"))


@bp.route("/<tenant_slug>/tracking-meetings/<int:meeting_id>/move", methods=["GET", "POST"])
@require(ARRANGE_TRACKING)
def move(tenant_slug, meeting_id):
    row, body, item = load_tracking_meeting(meeting_id)
    load_or_404(Meeting, meeting_id, ARRANGE_TRACKING)
    today = london_today()
    form = MoveTrackingMeetingForm()
    status = 200
    if form.is_submitted():
        if form.validate() and _apply(form, lambda: move_tracking_meeting(
                row, item, body, new_date=form.date.data, new_time=form.time.data, reason=form.reason.data,
                today=today)):
            commit()
            flash(f"The meeting is moved to {when_text(row)}; everyone invited has been sent the new invitation.",
                  "success")
            return redirect(url_for("tracking_meetings.meeting", meeting_id=row.id))
        status = 400
    return render_template("panels/tracking_move.html", meeting=row, body=body, item=item, form=form,
                           hint=today_hint(today), earliest=earliest_day(body, today), LONDON=LONDON), status


@bp.get("/<tenant_slug>/tracking-meetings/days")
@require(ARRANGE_TRACKING)
def days(tenant_slug):
    bodies = days_bodies(current_tor(g.tenant.id))
    rows = team_days(_teams_arranged(), bodies) if bodies else []
    return render_template("panels/tracking_days.html", bodies=bodies, rows=rows,
                           in_a_team=g.membership.team_id is not None)


@bp.route("/<tenant_slug>/tracking-meetings/days/<int:team_id>", methods=["GET", "POST"])
@require(ARRANGE_TRACKING)
def team(tenant_slug, team_id):
    team = load_or_404(Team, team_id, ARRANGE_TRACKING)
    bodies = days_bodies(current_tor(g.tenant.id))
    if not bodies:
        abort(404)
    form = TrackingSlotForm()
    form.body_id.choices = [(b.id, b.name) for b in bodies]
    status = 200
    if form.is_submitted():
        body = next((b for b in bodies if b.id == form.body_id.data), None)
        if form.validate() and _apply(form, lambda: agree_slot(
                team, body, weekday=form.weekday.data, starts=form.starts.data, ends=form.ends.data,
                minutes_each=form.minutes_each.data, by_id=g.membership.user_id)):
            commit()
            flash(f"Agreed for {team.name}. The next tracking meetings booked for the team's children go "
                  f"into these days and times.", "success")
            return redirect(url_for("tracking_meetings.team", team_id=team.id))
        status = 400
    else:
        form.body_id.data = bodies[0].id
        form.minutes_each.data = bodies[0].agenda_parts[0].minutes_per_item if bodies[0].agenda_parts else 60
    [row] = team_days([team], bodies)
    return render_template("panels/tracking_team_days.html", team=team, row=row, bodies=bodies, form=form), status


@bp.post("/<tenant_slug>/tracking-meetings/days/slots/<int:tracking_slot_id>/remove")
@require(ARRANGE_TRACKING)
def remove(tenant_slug, tracking_slot_id):
    slot = get_or_404(TrackingSlot, tracking_slot_id)
    team = load_or_404(Team, slot.team_id, ARRANGE_TRACKING)
    label = slot.label
    remove_slot(slot)
    commit()
    flash(f"{team.name} no longer holds tracking meetings on {label}. Meetings already booked keep their times.",
          "success")
    return redirect(url_for("tracking_meetings.team", team_id=team.id))


# --- convening a meeting for one child ---------------------------------------------------------

def convene_section(child: Child) -> dict:
    """The child's page's offer to convene: the bodies the member's roles convene, when the object
    rule lets them convene for this child (the cases view already loaded and audited the child)."""
    tor = current_tor(g.tenant.id)
    bodies = convened_bodies(tor, current_roles()) if can_see(child, CONVENE_TRACKING) else []
    return {"bodies": bodies, "child": child}


@bp.route("/<tenant_slug>/children/<int:child_id>/convene/<body>", methods=["GET", "POST"])
@require(CONVENE_TRACKING)
def convene(tenant_slug, child_id, body):
    """``body`` is the id of a tracking body with ``convened_by``."""
    child = load_or_404(Child, child_id, CONVENE_TRACKING)
    tor = current_tor(g.tenant.id)
    body = next((b for b in tracking_bodies(tor) if b.id == body and b.convened_by), None) if tor else None
    if body is None:
        abort(404)
    if body not in convened_bodies(tor, current_roles()):
        abort(403)
    today = london_today()
    form = ConveneMeetingForm()
    status = 200
    if form.is_submitted():
        booked = []
        if form.validate() and _apply(form, lambda: booked.append(convene_tracking_meeting(
                child, body, day=form.date.data, at=form.time.data, reason=form.reason.data, by=current_user,
                as_role=convener_title(tor, body, current_roles()), today=today))):
            meeting_id = booked[0].meeting_id
            commit()
            flash(f"The {body.short_name or body.name} is booked; everyone invited has been sent the invitation.",
                  "success")
            return redirect(url_for("tracking_meetings.meeting", meeting_id=meeting_id))
        status = 400
    return render_template("panels/tracking_convene.html", child=child, body=body, form=form,
                           hint=today_hint(today), part=body.agenda_parts[0] if body.agenda_parts else None), status
