"""Invitations to a child's tracking meeting: an e-mail with an iCalendar invitation to the
child's social worker, team manager and IRO and the body's seated members.

The terms of reference say the day is agreed by the team manager and give no time, so the
invitation is for the whole day; the team manager moves it (and the meeting) if needed.
"""

from __future__ import annotations

from sqlalchemy import select

from ..accounts.models import User
from ..extensions import db
from ..notifications import ical
from ..notifications.services import queue_email
from ..tenancy.models import Tenant
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
    """An all-day invitation (the ToR agrees a day, not a time) whose UID is the meeting's; ``child``
    is the child's reference (initials and case number), never the full name."""
    meeting = item.meeting
    slug = db.session.get(Tenant, meeting.tenant_id).slug
    event = ical.event(ical.meeting_uid(meeting, slug), meeting.date, None, f"{body.short_name or body.name}: {child}",
                       description=description, location=meeting.venue or "",
                       attendees=[(user.email, user.name) for user in people])
    return ical.invitation(event)


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
