"""The panels' schedule: generate sittings from the cadence, move, cancel and add them.

No Flask request objects here, and nothing commits: the caller (a view, a job, the
demo loader) commits through ``core.jobs.commit`` so the e-mails go after the commit.
Every change to a ``Meeting`` is audited by the ORM hook; every date comes from
``permanence.tor`` (one working-day calendar).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..accounts.models import Membership, User
from ..accounts.services import holders
from ..audit.models import AuditEvent
from ..core.clock import LONDON, london_today
from ..core.context import current_tenant_id, tenant_context
from ..core.links import link_problem
from ..extensions import db
from ..notifications import ical
from ..notifications.kinds import AGENDA
from ..notifications.services import queue_email
from ..tenancy.models import Tenant
from ..tor import Deadline, Sitting, deadlines, sitting_on, sittings
from ..tor.schedule import following_sitting
from ..tor.services import active_version, tor_of, tor_of_id
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus, PanelMember, UrgentDecision

ATTENDEE_ROLES = ("chair", "vice_chair", "panel_member", "panel_administrator")
MAX_REASON = 1000
PUBLISH = "publish_agenda"  # the audit action of publishing a sitting's agenda (agenda.publishing)


class ScheduleError(ValueError):
    """A change to the schedule that cannot be made; ``field`` says which input is wrong."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _utc(value: datetime | None) -> datetime | None:
    return value.astimezone(timezone.utc) if value is not None else None


def venue_text(venue) -> str:
    parts = [venue.platform or "", venue.address or ""]
    text = ", ".join(p for p in parts if p) or (venue.kind or "").replace("_", " ").capitalize()
    return text[:500]


def panel_bodies(tor):
    """The panels with sittings, each after the panel it follows (``cadence.follows``), so a
    following panel's sittings are made from the other's meetings as they stand."""
    panels = [b for b in tor.bodies if b.kind == "panel" and b.cadence is not None]

    def depth(body) -> int:
        n, follows = 0, body.cadence.follows
        while follows is not None and follows.leader is not None and n < len(panels):
            n, follows = n + 1, follows.leader.cadence.follows
        return n

    return sorted(panels, key=depth)


def _as_held(meeting: Meeting, body) -> Sitting:
    """A meeting as it now stands (moved, with its own times), as a sitting of ``body``."""
    return Sitting(meeting.body_id, meeting.date, meeting.starts_at.astimezone(LONDON) if meeting.starts_at else None,
                   meeting.ends_at.astimezone(LONDON) if meeting.ends_at else None, body.venue)


def _from_sitting(sitting: Sitting, version_id: int, *, by_hand: bool, note: str = "") -> Meeting:
    return Meeting(
        body_id=sitting.body_id, tor_version_id=version_id, sitting_date=None if by_hand else sitting.date,
        date=sitting.date, starts_at=_utc(sitting.start), ends_at=_utc(sitting.end), venue=venue_text(sitting.venue),
        status=MeetingStatus.SCHEDULED, added_by_hand=by_hand,
        moved_from=sitting.moved_from, note=note or (f"Moved from {sitting.moved_from:%-d %B %Y} ({sitting.moved_because})"
                                                     if sitting.moved_from else ""),
    )


def generate_meetings(tenant_id: int, today: date, horizon_weeks: int = 26) -> list[Meeting]:
    """Create the missing sittings of every panel of the active terms of reference, from ``today``
    to ``horizon_weeks`` ahead. Idempotent: a sitting already generated (even if since moved or
    cancelled) is never created again. Returns the new meetings."""
    with tenant_context(tenant_id):
        version = active_version(tenant_id)
        if version is None:
            return []
        tor = tor_of(version)
        until = today + timedelta(weeks=horizon_weeks)
        created = []
        for body in panel_bodies(tor):
            known = set(db.session.execute(
                select(Meeting.sitting_date).where(Meeting.body_id == body.id, Meeting.sitting_date.is_not(None))
            ).scalars())
            if body.cadence.follows is not None:
                created += _generate_following(body, version.id, today, until, known)
                continue
            for sitting in sittings(body, today, until=until):
                if sitting.date < today or sitting.date in known:
                    continue
                meeting = _from_sitting(sitting, version.id, by_hand=False)
                db.session.add(meeting)
                created.append(meeting)
                known.add(sitting.date)
        db.session.flush()
        return created


def _generate_following(body, version_id: int, today: date, until: date, known: set) -> list[Meeting]:
    """The sittings of a panel that follows another, one for each of the other's generated meetings
    as it stands: moved with it, none for a cancelled one. Each is known by the date the other's
    sitting as scheduled gives it, so a later run never makes it again."""
    leader = body.cadence.follows.leader
    rows = db.session.execute(
        select(Meeting).where(Meeting.body_id == leader.id, Meeting.sitting_date.is_not(None),
                              Meeting.sitting_date >= today - timedelta(weeks=8), Meeting.date <= until)
        .order_by(Meeting.sitting_date)
    ).scalars().all()
    created = []
    for row in rows:
        planned = following_sitting(body, Sitting(leader.id, row.sitting_date, None, None, leader.venue))
        if planned is None or planned.date in known or row.cancelled:
            continue
        held = following_sitting(body, _as_held(row, leader))
        if held is None or not today <= held.date <= until:
            continue
        meeting = _from_sitting(held, version_id, by_hand=False)
        meeting.sitting_date = planned.date
        db.session.add(meeting)
        created.append(meeting)
        known.add(planned.date)
    return created


def _in_step(meeting: Meeting, leader_day: date) -> list[tuple[object, Meeting]]:
    """The meetings of the panels following ``meeting``'s panel that are in step with its sitting on
    ``leader_day`` (not cancelled), each with its panel."""
    tor = tor_of_id(meeting.tor_version_id)
    found = []
    for follower in tor.followers(meeting.body_id):
        leader = Sitting(meeting.body_id, leader_day, None, None, follower.cadence.follows.leader.venue)
        planned = following_sitting(follower, leader)
        if planned is None:
            continue
        found += [(follower, row) for row in db.session.execute(
            select(Meeting).where(Meeting.body_id == follower.id, Meeting.date == planned.date,
                                  Meeting.status != MeetingStatus.CANCELLED)).scalars()]
    return found


def body_of(meeting: Meeting):
    return tor_of_id(meeting.tor_version_id).body(meeting.body_id)


def meeting_deadlines(meeting: Meeting) -> list[Deadline]:
    """The deadlines the meeting's own terms of reference version sets for it."""
    body = body_of(meeting)
    sitting = Sitting(meeting.body_id, meeting.date, meeting.starts_at, meeting.ends_at, body.venue)
    return deadlines(body, sitting)


def attendees(body_id: str | None = None) -> list[User]:
    """Who is told of changes: the active seated members of the body when it has seats; otherwise
    active members of the current council holding a panel role."""
    if body_id is not None:
        seated = list(db.session.execute(
            select(User).join(PanelMember, PanelMember.user_id == User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(PanelMember.body_id == body_id, PanelMember.active.is_(True), User.active.is_(True),
                   Membership.active.is_(True)).distinct().order_by(User.email)
        ).scalars())
        if seated:
            return seated
    return holders(ATTENDEE_ROLES, by_email=True)


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ScheduleError("reason", "Enter the reason for the change")
    if len(reason) > MAX_REASON:
        raise ScheduleError("reason", f"The reason must be {MAX_REASON} characters or fewer")
    return reason


def _future(day: date | None, today: date, what: str) -> date:
    if day is None:
        raise ScheduleError("date", f"Enter the {what}")
    if day < today:
        raise ScheduleError("date", f"The {what} must be today or in the future")
    return day


def _when(meeting: Meeting) -> str:
    text = f"{meeting.date:%A %-d %B %Y}"
    if meeting.starts_at:
        text += f" at {meeting.starts_at.astimezone(LONDON):%H:%M}"
    return text


def publications(meeting: Meeting) -> int:
    """How many times the sitting's agenda was published (from the audit log): the SEQUENCE of the
    next invitation or cancellation for it."""
    return db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == PUBLISH, AuditEvent.entity_type == "Meeting",
        AuditEvent.entity_id == str(meeting.id))).scalar_one()


def online_link(meeting: Meeting) -> str:
    """The link to join the sitting online: the sitting's own, else the standing link of its panel's
    venue in the terms of reference; "" when there is none."""
    if meeting.online_link:
        return meeting.online_link
    return getattr(body_of(meeting).venue, "link", "") or ""


def calendar_location(meeting: Meeting) -> str:
    """An invitation's LOCATION: the link to join when the panel's venue is online (Outlook and Teams
    show it there), else the sitting's venue."""
    link = online_link(meeting)
    if link and getattr(body_of(meeting).venue, "kind", "") == "online":
        return link
    return meeting.venue or ""


def set_online_link(meeting: Meeting, text: str | None) -> Meeting:
    """Set (or, with nothing, clear) the sitting's own online-meeting link."""
    text = (text or "").strip()
    problem = link_problem(text) if text else None
    if problem:
        raise ScheduleError("online_link", f"The online meeting link {problem}")
    meeting.online_link = text or None
    db.session.flush()
    return meeting


def _tell(meeting: Meeting, subject: str, body: str, calendar=None) -> None:
    name = body_of(meeting).name
    for user in attendees(meeting.body_id):
        queue_email(user.email, f"{name}: {subject}", f"Dear {user.name},\n\n{body}\n\n{name}\n",
                    calendar=calendar(user) if calendar else None, kind=AGENDA)


def _cancellation(meeting: Meeting):
    """For a sitting whose agenda was published (members were sent an invitation): each member's
    CANCEL of the sitting's event, one SEQUENCE above the last invitation; None otherwise."""
    if meeting.agenda_published_at is None:
        return None
    slug = db.session.get(Tenant, meeting.tenant_id).slug
    sequence = publications(meeting)
    start = meeting.starts_at or datetime.combine(meeting.date, time(9, 0), LONDON).astimezone(timezone.utc)
    name = body_of(meeting).name

    def calendar(user):
        event = ical.event(ical.meeting_uid(meeting, slug), start, meeting.ends_at, name, sequence=sequence,
                           location=meeting.venue, cancelled=True, attendee=(user.email, user.name))
        return ical.invitation(event, "CANCEL")
    return calendar


def move_meeting(meeting: Meeting, new_date: date | None, reason: str | None, *, today: date | None = None) -> Meeting:
    today = today or london_today()
    reason = _reason(reason)
    if meeting.cancelled:
        raise ScheduleError("date", "A cancelled meeting cannot be moved")
    new_date = _future(new_date, today, "new date of the meeting")
    if new_date == meeting.date:
        raise ScheduleError("date", "The new date must be different from the current date")
    old = _when(meeting)
    body = body_of(meeting)
    in_step = _in_step(meeting, meeting.date)
    local_start = meeting.starts_at.astimezone(LONDON).time() if meeting.starts_at else None
    sitting = sitting_on(body, new_date, local_start)
    meeting.moved_from = meeting.date
    meeting.date = new_date
    meeting.starts_at, meeting.ends_at = _utc(sitting.start), _utc(sitting.end)
    meeting.note = reason
    db.session.flush()
    _tell(meeting, f"meeting moved to {new_date:%-d %B %Y}",
          f"The meeting on {old} has moved to {_when(meeting)}.\n\nReason: {reason}")
    for follower, row in in_step:  # a panel held in step with this one moves with it
        _move_in_step(follower, row, meeting, body, reason, today)
    return meeting


def _move_in_step(follower, row: Meeting, leader_meeting: Meeting, leader_body, reason: str, today: date) -> None:
    held = following_sitting(follower, _as_held(leader_meeting, leader_body))
    why = f"The {leader_body.name} has moved to {_when(leader_meeting)}: {reason}"[:MAX_REASON]
    if held is None:  # now on a day the follower does not sit (a bank holiday it skips)
        cancel_meeting(row, why)
    elif held.date != row.date and held.date >= today:
        move_meeting(row, held.date, why, today=today)
        if held.start is not None:  # straight after the other: its new end, not the old start time
            row.starts_at, row.ends_at = _utc(held.start), _utc(held.end)
            db.session.flush()
    elif held.date == row.date and held.start is not None and _utc(held.start) != row.starts_at:
        row.starts_at, row.ends_at = _utc(held.start), _utc(held.end)
        db.session.flush()


def cancel_meeting(meeting: Meeting, reason: str | None) -> Meeting:
    reason = _reason(reason)
    if meeting.cancelled:
        raise ScheduleError("reason", "This meeting is already cancelled")
    in_step = _in_step(meeting, meeting.date)
    meeting.status = MeetingStatus.CANCELLED
    meeting.note = reason
    db.session.flush()
    _tell(meeting, f"meeting on {meeting.date:%-d %B %Y} cancelled",
          f"The meeting on {_when(meeting)} is cancelled.\n\nReason: {reason}", calendar=_cancellation(meeting))
    name = body_of(meeting).name
    for _, row in in_step:  # a panel held in step with this one does not sit without it
        cancel_meeting(row, f"The {name} on {meeting.date:%-d %B %Y} is cancelled: {reason}"[:MAX_REASON])
    return meeting


def add_meeting(body_id: str | None, day: date | None, reason: str | None, *, today: date | None = None) -> Meeting:
    """An extra sitting of a panel on ``day``, under the active terms of reference."""
    today = today or london_today()
    version = active_version(current_tenant_id())
    if version is None:
        raise ScheduleError("body_id", "The council has no terms of reference in force")
    tor = tor_of(version)
    body = next((b for b in panel_bodies(tor) if b.id == body_id), None)
    if body is None:
        raise ScheduleError("body_id", "Select the panel the meeting is for")
    day = _future(day, today, "date of the meeting")
    reason = _reason(reason)
    meeting = _from_sitting(sitting_on(body, day), version.id, by_hand=True, note=reason)
    db.session.add(meeting)
    db.session.flush()
    _tell(meeting, f"extra meeting on {day:%-d %B %Y}",
          f"An extra meeting is arranged for {_when(meeting)}.\n\nReason: {reason}")
    _add_in_step(tor, body, meeting, version.id, reason, today)
    return meeting


def _add_in_step(tor, body, meeting: Meeting, version_id: int, reason: str, today: date) -> None:
    """An extra sitting of a panel others follow gives each of them its sitting in step with it."""
    for follower in tor.followers(body.id):
        held = following_sitting(follower, _as_held(meeting, body))
        if held is None or held.date < today:
            continue
        row = _from_sitting(held, version_id, by_hand=True,
                            note=f"In step with the extra sitting of the {body.name}: {reason}"[:MAX_REASON])
        db.session.add(row)
        db.session.flush()
        _tell(row, f"extra meeting on {held.date:%-d %B %Y}",
              f"An extra meeting is arranged for {_when(row)}, in step with the {body.name}'s.\n\nReason: {reason}")
        _add_in_step(tor, follower, row, version_id, reason, today)


@dataclass
class BodySchedule:
    body_id: str
    name: str
    meetings: list[tuple[Meeting, list[Deadline]]]


def upcoming(tenant_id: int, today: date) -> list[BodySchedule]:
    """The panels' meetings from ``today``, per body, each with its deadlines."""
    version = active_version(tenant_id)
    names = {b.id: b.name for b in tor_of(version).bodies} if version else {}
    rows = db.session.execute(
        select(Meeting).where(Meeting.date >= today).order_by(Meeting.body_id, Meeting.date, Meeting.id)
    ).scalars().all()
    result: dict[str, BodySchedule] = {}
    for row in rows:
        schedule = result.setdefault(row.body_id, BodySchedule(row.body_id, names.get(row.body_id, row.body_id), []))
        schedule.meetings.append((row, meeting_deadlines(row)))
    return list(result.values())


@dataclass
class PastSitting:
    """A sitting that has been held (or was cancelled), with what became of its agenda: counts only."""

    meeting: Meeting
    heard: int
    carried: int  # deferred or not heard: back on a later agenda
    withdrawn: int
    minutes: str  # "not started", "draft", "approved", "circulated"


PAST_LIMIT = 24  # sittings of each body listed, newest first


def past(tenant_id: int, today: date) -> list[tuple[str, list[PastSitting]]]:
    """The panels' sittings before ``today``, newest first, per panel (a child's own tracking meetings
    are on the child's page), each with its items heard, carried and withdrawn and its minutes."""
    version = active_version(tenant_id)
    if version is None:
        return []
    bodies = panel_bodies(tor_of(version))
    result = []
    for body in bodies:
        meetings = db.session.execute(
            select(Meeting).where(Meeting.body_id == body.id, Meeting.date < today)
            .order_by(Meeting.date.desc(), Meeting.id.desc()).limit(PAST_LIMIT)).scalars().all()
        if not meetings:
            continue
        counts = {(m, status): n for m, status, n in db.session.execute(
            select(AgendaItem.meeting_id, AgendaItem.status, func.count())
            .where(AgendaItem.meeting_id.in_([m.id for m in meetings]))
            .group_by(AgendaItem.meeting_id, AgendaItem.status)).all()}
        rows = []
        for meeting in meetings:
            n = lambda *statuses: sum(counts.get((meeting.id, s), 0) for s in statuses)  # noqa: E731
            rows.append(PastSitting(meeting, n(ItemStatus.HEARD), n(ItemStatus.DEFERRED, ItemStatus.NOT_HEARD),
                                    n(ItemStatus.WITHDRAWN),
                                    meeting.minutes.status.value if meeting.minutes else "not started"))
        result.append((body.name, rows))
    return result


def panel_choices(tenant_id: int) -> list[tuple[str, str]]:
    version = active_version(tenant_id)
    return [(b.id, b.name) for b in panel_bodies(tor_of(version))] if version else []


def decisions_reported_at(meeting: Meeting) -> list:
    """The decisions made between sittings that the body's ToR reports to ``meeting``: those of its body
    made on or after the previous sitting's day and before this one's. At a tracking meeting (held per
    child) only its children's, since the child's previous tracking meeting. Oldest first."""
    previous = (select(func.max(Meeting.date)).where(Meeting.body_id == meeting.body_id,
                                                     Meeting.status == MeetingStatus.SCHEDULED,
                                                     Meeting.date < meeting.date, Meeting.id != meeting.id))
    stmt = select(UrgentDecision).where(UrgentDecision.body_id == meeting.body_id,
                                        UrgentDecision.reported_to_next_sitting.is_(True),
                                        UrgentDecision.decided_on < meeting.date)
    if body_of(meeting).kind == "tracking_meeting":
        child_ids = [c.id for item in meeting.items for c in item.children]
        stmt = stmt.where(UrgentDecision.child_id.in_(child_ids))
        previous = previous.join(AgendaItem, AgendaItem.meeting_id == Meeting.id).where(
            AgendaItem.child_id.in_(child_ids))
    since = db.session.execute(previous).scalar()
    if since is not None:
        stmt = stmt.where(UrgentDecision.decided_on >= since)
    return list(db.session.execute(stmt.order_by(UrgentDecision.decided_on, UrgentDecision.id)).scalars())
