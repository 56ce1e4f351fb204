"""Invitations to a child's tracking meeting: an e-mail with an iCalendar invitation to the
child's social worker, team manager and IRO and the body's seated members.

The terms of reference say the day is agreed by the team manager and give no time, so the
invitation is for the whole day; the team manager moves it (and the meeting) if needed.
"""

from __future__ import annotations

from datetime import timedelta

from urllib.parse import urlparse

from flask import current_app
from icalendar import Calendar, Event, vCalAddress, vText
from sqlalchemy import select

from ..accounts.models import User
from ..core.db import utcnow
from ..extensions import db
from ..notifications.services import queue_email
from .models import AgendaItem, PanelMember


def invitees(item: AgendaItem, body) -> list[User]:
    """The child's social worker, team manager and IRO, then the body's active seated members."""
    people: list[User] = []
    for child in item.children:
        people += [u for u in (child.social_worker, child.team_manager, child.iro) if u is not None]
    people += db.session.execute(
        select(User).join(PanelMember, PanelMember.user_id == User.id)
        .where(PanelMember.body_id == body.id, PanelMember.active.is_(True)).order_by(User.email)
    ).scalars().all()
    seen, result = set(), []
    for user in people:
        if user.active and user.email and user.email.lower() not in seen:
            seen.add(user.email.lower())
            result.append(user)
    return result


def invitation_calendar(item: AgendaItem, body, people: list[User], child: str, description: str) -> str:
    """An all-day VEVENT (METHOD:REQUEST) whose UID stays the same for the meeting; ``child`` is the
    child's reference (initials and case number), never the full name."""
    meeting = item.meeting
    cal = Calendar()
    cal.add("prodid", "-//Permanence//Tracking meetings//EN")
    cal.add("version", "2.0")
    cal.add("method", "REQUEST")
    event = Event()
    domain = urlparse(current_app.config["BASE_URL"]).hostname or "permanence.invalid"
    event.add("uid", f"tracking-meeting-{meeting.tenant_id}-{meeting.id}@{domain}")
    event.add("dtstamp", utcnow())
    event.add("dtstart", meeting.date)
    event.add("dtend", meeting.date + timedelta(days=1))
    event.add("summary", f"{body.short_name or body.name}: {child}")
    event.add("description", description)
    if meeting.venue:
        event.add("location", meeting.venue)
    for user in people:
        attendee = vCalAddress(f"mailto:{user.email}")
        attendee.params["cn"] = vText(user.name)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        event.add("attendee", attendee, encode=0)
    cal.add_component(event)
    return cal.to_ical().decode()


def send_invitations(item: AgendaItem, body, milestone) -> list[str]:
    """Queue one invitation per person (sent after the commit); returns the addresses."""
    from ..reminders.wording import child_reference, render_for

    part = body.agenda_parts[0]
    headings = "\n".join(f"- {h}" for h in part.headings) if part.headings else ""
    people = invitees(item, body)
    values = {"child": child_reference(item.children), "meeting_date": f"{item.meeting.date:%A %-d %B %Y}",
              "panel": body.name, "reason": item.reason, "headings": headings,
              "link": _link(item)}
    sent = []
    for user in people:
        subject, text = render_for(item.meeting.tenant_id, "tracking_meeting_booked", {**values, "name": user.name})
        calendar = invitation_calendar(item, body, people, values["child"], text)
        if queue_email(user.email, subject, text, calendar=calendar,
                       reminder_key=f"tracking_meeting_booked:meeting-{item.meeting_id}") is not None:
            sent.append(user.email)
    return sent


def _link(item: AgendaItem) -> str:
    from ..notifications.services import link_to

    return link_to("tracking_meetings.meeting", item.meeting.tenant_id, meeting_id=item.meeting_id)
