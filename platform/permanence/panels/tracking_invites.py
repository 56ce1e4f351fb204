"""Invitations to a child's tracking meeting: an e-mail with an iCalendar invitation to the
child's social worker, team manager and IRO and the body's seated members.

A meeting booked in one of the team's agreed slots is invited for its time; one booked on the
due date (the team agreed no days) for the whole day. A move sends everyone the same event again
(same UID) with the SEQUENCE one higher, so calendars replace it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..accounts.models import User
from ..cases.models import child_reference
from ..core.clock import LONDON
from ..extensions import db
from ..notifications import ical
from ..notifications.kinds import AGENDA
from ..notifications.services import link_to, queue_email
from ..tenancy.models import Tenant
from ..tor.services import render_reminder
from .models import AgendaItem, PanelMember
from .services import calendar_location, online_link


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


def when_text(meeting) -> str:
    """"Tuesday 9 March 2027 at 10:00", or the day alone for a meeting held at no agreed time."""
    text = f"{meeting.date:%A %-d %B %Y}"
    if meeting.starts_at is not None:
        text += f" at {meeting.starts_at.astimezone(LONDON):%H:%M}"
    return text


def invitation_calendar(item: AgendaItem, body, people: list[User], child: str, description: str, *,
                        sequence: int = 0) -> str:
    """An invitation whose UID is the meeting's, for its time (or the whole day when it has none);
    ``child`` is the child's reference (initials and case number), never the full name."""
    meeting = item.meeting
    slug = db.session.get(Tenant, meeting.tenant_id).slug
    start = meeting.starts_at if meeting.starts_at is not None else meeting.date
    event = ical.event(ical.meeting_uid(meeting, slug), start, meeting.ends_at, f"{body.short_name or body.name}: {child}",
                       description=description, location=calendar_location(meeting), sequence=sequence,
                       online_link=online_link(meeting),
                       attendees=[(user.email, user.name) for user in people], url=_link(item))
    return ical.invitation(event)


def send_invitations(item: AgendaItem, body, milestone) -> list[str]:
    """Queue one invitation per person (sent after the commit); returns the addresses."""
    part = body.agenda_parts[0]
    headings = "\n".join(f"- {h}" for h in part.headings) if part.headings else ""
    people = invitees(item, body)
    values = {"child": child_reference(item.children), "meeting_date": when_text(item.meeting),
              "panel": body.name, "reason": item.reason, "headings": headings,
              "link": _link(item)}
    sent = []
    for user in people:
        subject, text = render_reminder(item.meeting.tenant_id, "tracking_meeting_booked", {**values, "name": user.name})
        calendar = invitation_calendar(item, body, people, values["child"], text)
        if queue_email(user.email, subject, text, calendar=calendar,
                       reminder_key=f"tracking_meeting_booked:meeting-{item.meeting_id}", kind=AGENDA) is not None:
            sent.append(user.email)
    return sent


def send_move_notices(item: AgendaItem, body, *, old: str, reason: str, sequence: int,
                      papers: date | None) -> list[str]:
    """Tell each invitee the meeting moved, with the updated invitation (``sequence``)."""
    child = item.subject_reference
    name = body.short_name or body.name
    new = when_text(item.meeting)
    people = invitees(item, body)
    papers_line = f"The paperwork is due by {papers:%A %-d %B %Y}.\n\n" if papers is not None else ""
    for user in people:
        text = (f"Dear {user.name},\n\nThe {body.name} for {child} on {old} has moved to {new}.\n\n"
                f"Reason: {reason}\n\n{papers_line}{_link(item)}\n")
        queue_email(user.email, f"{name} for {child} moved to {new}", text,
                    calendar=invitation_calendar(item, body, people, child, text, sequence=sequence), kind=AGENDA)
    return [user.email for user in people]


def _link(item: AgendaItem) -> str:
    return link_to("tracking_meetings.meeting", item.meeting.tenant_id, meeting_id=item.meeting_id)
