"""iCalendar, built one way for every invitation an e-mail carries (a published agenda, a
presenter's slot, a child's tracking meeting) and for each member's feed.

Anything here leaves the platform, so a child is named by initials and case number only.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from icalendar import Calendar, Event, vCalAddress, vText

from ..core.clock import utcnow

PRODID = "-//Permanence//Panels//EN"


def meeting_uid(meeting, tenant_slug: str) -> str:
    return f"meeting-{meeting.id}@{tenant_slug}.permanence"


def slot_uid(item, tenant_slug: str, meeting_id: int | None = None) -> str:
    """One presenter slot per item per sitting: a moved item's new slot is a new event."""
    return f"agenda-item-{item.id}-meeting-{meeting_id or item.meeting_id}@{tenant_slug}.permanence"


def _calendar(method: str | None = None, name: str | None = None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def event(uid: str, start: datetime | date, end: datetime | date | None, summary: str, *, sequence: int = 0,
          location: str = "", description: str = "", cancelled: bool = False, organizer: str | None = None,
          attendee: tuple[str, str] | None = None, attendees: list[tuple[str, str]] = (),
          url: str | None = None) -> Event:
    """One VEVENT; a ``date`` start (no time agreed) is an all-day event. ``url`` (the event's page,
    from ``services.link_to``) is its URL property, which calendars show as a link."""
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", utcnow())
    ev.add("dtstart", start)
    if not isinstance(start, datetime):
        ev.add("dtend", start + timedelta(days=1))
    else:
        ev.add("dtend", end if end is not None and end > start else start + timedelta(minutes=30))
    ev.add("summary", summary)
    ev.add("sequence", sequence)
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if location:
        ev.add("location", location)
    if description:
        ev.add("description", description)
    if url:
        ev.add("url", url)
    if organizer:
        ev.add("organizer", vCalAddress(f"mailto:{organizer}"))
    for email, name in ([attendee] if attendee else []) + list(attendees):
        address = vCalAddress(f"mailto:{email}")
        address.params["cn"] = vText(name)
        address.params["role"] = vText("REQ-PARTICIPANT")
        address.params["partstat"] = vText("NEEDS-ACTION")
        ev.add("attendee", address, encode=0)
    return ev


def invitation(ev: Event, method: str = "REQUEST") -> str:
    """One event as an invitation (REQUEST) or its withdrawal (CANCEL), the text an e-mail carries."""
    cal = _calendar(method)
    cal.add_component(ev)
    return cal.to_ical().decode()


def feed(name: str, events: list[Event]) -> bytes:
    cal = _calendar(name=name)
    for ev in events:
        cal.add_component(ev)
    return cal.to_ical()
