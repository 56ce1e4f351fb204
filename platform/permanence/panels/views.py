"""The panels' schedule: upcoming meetings with their deadlines; move, cancel and add a meeting.

Views only translate between HTTP and ``services``.
"""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from ..accounts.permissions import has_permission, permits, require, visible
from ..accounts.roles import ADD_SITTINGS
from ..core.clock import london_today
from ..core.db import get_or_404
from ..core.jobs import commit
from ..extensions import db
from ..tor.services import current_tor
from . import services
from .forms import AddMeetingForm, CancelMeetingForm, MoveMeetingForm, OnlineLinkForm, today_hint
from .models import AgendaItem, Meeting, MeetingStatus
from .policies import NEW_SITTING
from .tracking import TRACKING, tracking_bodies

bp = Blueprint("panels", __name__, template_folder="templates")


@bp.context_processor
def _helpers():
    return {"LONDON": services.LONDON, "MeetingStatus": MeetingStatus}


def _apply(form, change):
    """Run a service change; a ScheduleError becomes an error on its field. Returns success."""
    try:
        change()
    except services.ScheduleError as exc:
        field = form[exc.field] if exc.field in form else form["reason"]
        field.errors = [*field.errors, exc.message]
        return False
    return True


@bp.get("/<tenant_slug>/meetings/")
@require("panels.view")
def meetings(tenant_slug):
    today = london_today()
    tor = current_tor(g.tenant.id)
    if request.args.get("show") == "past":
        return render_template("panels/past_meetings.html", bodies=services.past(g.tenant.id, today), today=today)
    return render_template("panels/meetings.html", schedules=services.upcoming(g.tenant.id, today), today=today,
                           can_manage=has_permission("panels.manage"),
                           tracking_bodies=tracking_bodies(tor) if tor else [])


def _sees_its_child(meeting) -> bool:
    """Whether the member may see the child of a per-child tracking meeting (its own page is theirs then)."""
    return db.session.execute(visible(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id),
                                      AgendaItem).limit(1)).first() is not None


def _render_meeting(meeting, move_form=None, cancel_form=None, status=200, link_form=None):
    body = services.body_of(meeting)
    link_form = link_form or OnlineLinkForm(formdata=None, online_link=meeting.online_link or "")
    return render_template(
        "panels/meeting.html", meeting=meeting, body=body,
        tracking_page=body.kind == TRACKING and _sees_its_child(meeting),
        deadlines=services.meeting_deadlines(meeting), can_manage=has_permission("panels.manage"),
        move_form=move_form or MoveMeetingForm(formdata=None), cancel_form=cancel_form or CancelMeetingForm(formdata=None),
        hint=today_hint(london_today()), link_form=link_form, online_link=services.online_link(meeting),
    ), status


@bp.get("/<tenant_slug>/meetings/<int:meeting_id>")
@require("panels.view")
def meeting(tenant_slug, meeting_id):
    return _render_meeting(get_or_404(Meeting, meeting_id))


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/move")
@require("panels.manage")
def move(tenant_slug, meeting_id):
    row = get_or_404(Meeting, meeting_id)
    if services.body_of(row).kind == TRACKING:  # moved on its own page, so the child's invitees are told
        return redirect(url_for("tracking_meetings.move", meeting_id=row.id))
    form = MoveMeetingForm()
    if form.validate_on_submit() and _apply(form, lambda: services.move_meeting(row, form.date.data, form.reason.data)):
        commit()
        flash(f"The meeting is moved to {row.date:%A %-d %B %Y} and the panel has been told by e-mail.", "success")
        return redirect(url_for("panels.meeting", meeting_id=row.id))
    return _render_meeting(row, move_form=form, status=400)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/online-link")
@require("panels.manage")
def online_link(tenant_slug, meeting_id):
    row = get_or_404(Meeting, meeting_id)
    form = OnlineLinkForm()
    if form.validate_on_submit() and _apply(form, lambda: services.set_online_link(row, form.online_link.data)):
        commit()
        flash("The online meeting link is saved." if row.online_link else "The online meeting link is removed.",
              "success")
        return redirect(url_for("panels.meeting", meeting_id=row.id))
    return _render_meeting(row, link_form=form, status=400)


@bp.post("/<tenant_slug>/meetings/<int:meeting_id>/cancel")
@require("panels.manage")
def cancel(tenant_slug, meeting_id):
    row = get_or_404(Meeting, meeting_id)
    form = CancelMeetingForm()
    if form.validate_on_submit() and _apply(form, lambda: services.cancel_meeting(row, form.reason.data)):
        commit()
        flash("The meeting is cancelled and the panel has been told by e-mail.", "success")
        return redirect(url_for("panels.meeting", meeting_id=row.id))
    return _render_meeting(row, cancel_form=form, status=400)


@bp.route("/<tenant_slug>/meetings/new", methods=["GET", "POST"])
@require(ADD_SITTINGS)
def add(tenant_slug):
    """An extra sitting, of the panels the member may add one to (the ToR's ``extra_sittings_by``)."""
    form = AddMeetingForm()
    form.body_id.choices = [("", "Select a panel"), *((body_id, name) for body_id, name in
                                                      services.panel_choices(g.tenant.id)
                                                      if permits(ADD_SITTINGS, NEW_SITTING, body_id))]
    status = 200
    if form.is_submitted():
        holder = {}
        if form.validate() and _apply(form, lambda: holder.setdefault(
                "meeting", services.add_meeting(form.body_id.data, form.date.data, form.reason.data))):
            row = holder["meeting"]
            commit()
            flash(f"The extra meeting on {row.date:%A %-d %B %Y} is added and the panel has been told by e-mail.",
                  "success")
            return redirect(url_for("panels.meeting", meeting_id=row.id))
        status = 400
    return render_template("panels/add.html", form=form, hint=today_hint(london_today())), status
