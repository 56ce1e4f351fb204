"""iCalendar, built one way for every invitation an e-mail carries (a published agenda, a
presenter's slot, a child's tracking meeting) and for each member's feed.

Anything here leaves the platform, so a child is named by initials and case number only.

Times are written as London local times (TZID=Europe/London) with the zone's VTIMEZONE built by the
``icalendar`` library from the zoneinfo, so Outlook and Teams show the right hour either side of a
clock change; DTSTAMP stays UTC. A feed is METHOD:PUBLISH, an invitation REQUEST, a withdrawal CANCEL.
An online-meeting link goes in the description always, in LOCATION when there is no venue to go to,
and as X-MICROSOFT-SKYPETEAMSMEETINGURL when it is a Teams link.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from urllib.parse import urlsplit

from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from ..core.clock import LONDON, utcnow

PRODID = "-//Permanence//Panels//EN"
TZID = "Europe/London"
_VTIMEZONE = Timezone.from_tzinfo(LONDON, tzid=TZID, first_date=date(2000, 1, 1), last_date=date(2038, 1, 1))


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
    cal.add_component(_VTIMEZONE)
    return cal


def _local(at: datetime) -> datetime:
    """A stored UTC time (naive is UTC) as London local time, written with TZID=Europe/London."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=timezone.utc)
    return at.astimezone(LONDON)


def is_teams(link: str) -> bool:
    host = (urlsplit(link).hostname or "").lower()
    return host == "teams.microsoft.com" or host.endswith(".teams.microsoft.com") or host == "teams.live.com"


def event(uid: str, start: datetime | date, end: datetime | date | None, summary: str, *, sequence: int = 0,
          location: str = "", description: str = "", cancelled: bool = False, organizer: str | None = None,
          attendee: tuple[str, str] | None = None, attendees: list[tuple[str, str]] = (),
          url: str | None = None, online_link: str | None = None) -> Event:
    """One VEVENT; a ``date`` start (no time agreed) is an all-day event. ``url`` (the event's page,
    from ``services.link_to``) is its URL property, which calendars show as a link. ``online_link``
    (``panels.services.online_link``) is the link to join the sitting online."""
    ev = Event()
    ev.add("uid", uid)
    ev.add("dtstamp", utcnow())
    if not isinstance(start, datetime):
        ev.add("dtstart", start)
        ev.add("dtend", start + timedelta(days=1))
    else:
        ev.add("dtstart", _local(start))
        ev.add("dtend", _local(end if end is not None and _local(end) > _local(start)
                               else start + timedelta(minutes=30)))
    if online_link:
        location = location or online_link
        description = (description + "\n\n" if description else "") + f"Join online: {online_link}"
        if is_teams(online_link):
            ev.add("x-microsoft-skypeteamsmeetingurl", online_link)
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
    cal = _calendar("PUBLISH", name=name)
    for ev in events:
        cal.add_component(ev)
    return cal.to_ical()
