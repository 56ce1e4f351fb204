"""Meetings convened for one child when needed (the ToR's ``convened_by`` on a tracking body: "a
disruption meeting convened by the team manager"). The convener chooses the day and time and gives
the reason; the meeting is booked as a cadence booking is (one BOOKED item for the child in the
body's first agenda part, the child's social worker, team manager and IRO and the body's seated
members invited). Who convened it is kept on the item (``proposal_source``, "Convened by ..."), why
as its reason, and both in the audit log.

Which children a member may convene for is the object rule ``tracking.convene`` (``policies``);
which bodies, the roles the ToR names. Nothing here commits: the caller commits through
``core.jobs.commit`` so the invitations go after the commit.
"""

from __future__ import annotations

from datetime import date, time, timedelta

from ..accounts.models import User
from ..audit import services as audit
from ..cases.models import Child
from ..core.clock import LONDON, utcnow
from ..core.context import current_tenant_id
from ..core.workdays import is_working_day
from ..extensions import db
from ..tor.model import role_label
from ..tor.services import active_version
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus
from .services import MAX_REASON, ScheduleError, venue_text
from .tracking import TRACKING, booked_item
from .tracking_days import _closed, _overlaps, _taken, _utc
from .tracking_invites import send_invitations, when_text

CONVENED = "convene_tracking_meeting"  # the audit action
ENTRY_ROUTE = "convened"


def convening_access_roles(tor, body) -> frozenset[str]:
    """The platform access roles of the roles the ToR names in the body's ``convened_by``."""
    return frozenset(tor.roles[r].access_role for r in body.convened_by if r in tor.roles)


def convened_bodies(tor, roles) -> list:
    """The tracking bodies a member holding access ``roles`` may convene (for the children the
    object rule lets them)."""
    if tor is None:
        return []
    return [b for b in tor.bodies if b.kind == TRACKING and set(roles) & convening_access_roles(tor, b)]


def convener_title(tor, body, roles) -> str:
    """The ToR's name for the role the member convenes as ("Team manager")."""
    return next((role_label(tor, r) for r in body.convened_by if r in tor.roles
                 and tor.roles[r].access_role in set(roles)), "")


def convene_tracking_meeting(child: Child, body, *, day: date | None, at: time | None, reason: str | None,
                             by: User, as_role: str, today: date) -> AgendaItem:
    """Book a meeting of ``body`` for ``child`` on ``day`` at ``at``, convened by ``by`` (in the
    role ``as_role``) for ``reason``, and invite everyone as a booked tracking meeting is.
    Raises ScheduleError naming the field when the date, time or reason cannot be taken."""
    reason = (reason or "").strip()
    if not reason:
        raise ScheduleError("reason", "Enter why the meeting is needed")
    if len(reason) > MAX_REASON:
        raise ScheduleError("reason", f"The reason must be {MAX_REASON} characters or fewer")
    if day is None:
        raise ScheduleError("date", "Enter the date of the meeting")
    if day < today:
        raise ScheduleError("date", f"The date must be today ({today:%-d %B %Y}) or later")
    if not is_working_day(day):
        raise ScheduleError("date", f"{day:%A %-d %B %Y} is {_closed(day)}; choose a working day")
    if at is None:
        raise ScheduleError("time", "Enter the time the meeting starts, for example 10:00")
    starts_at = _utc(day, at)
    if starts_at <= utcnow():
        raise ScheduleError("time", f"{at:%H:%M} today has passed; choose a later time or another day")
    existing = booked_item(child.id, body.id)
    if existing is not None:
        raise ScheduleError("date", f"A {body.short_name or body.name} is already booked for the child on "
                                    f"{when_text(existing.meeting)}; move that meeting instead")
    part = body.agenda_parts[0]
    ends_at = starts_at + timedelta(minutes=part.minutes_per_item)
    if child.team_id is not None:
        taken = [(s, e or s) for _, _, s, e in _taken(body.id, day, child.team_id, day)]
        clash = _overlaps(starts_at, ends_at, taken)
        if clash is not None:
            raise ScheduleError("time", f"Another {body.short_name or body.name} of the team is booked from "
                                        f"{clash[0].astimezone(LONDON):%H:%M} to {clash[1].astimezone(LONDON):%H:%M} "
                                        f"that day; choose another time")
    version = active_version(current_tenant_id())
    if version is None:
        raise ScheduleError("date", "The council has no terms of reference in force to book the meeting under")
    who = f"{by.name} ({as_role})" if as_role else by.name
    meeting = Meeting(body_id=body.id, tor_version_id=version.id, sitting_date=None, date=day, starts_at=starts_at,
                      ends_at=ends_at, venue=venue_text(body.venue), status=MeetingStatus.SCHEDULED,
                      added_by_hand=True, note=f"Convened by {who}: {reason}"[:1000])
    db.session.add(meeting)
    item = AgendaItem(meeting=meeting, part_id=part.id, child_id=child.id, entry_route=ENTRY_ROUTE,
                      status=ItemStatus.BOOKED, reason=reason, answers={}, minutes_allowed=part.minutes_per_item,
                      proposal_source=f"Convened by {who} on {today:%-d %B %Y}")
    db.session.add(item)
    db.session.flush()
    audit.record(CONVENED, entity=meeting,
                 summary=f"{body.short_name or body.name} convened by {who} for {when_text(meeting)}",
                 changes={"child_id": child.id, "convened_by": by.id, "as_role": as_role, "reason": reason})
    send_invitations(item, body, None)
    return item
