"""The days and times each team's tracking meetings are held (the ToR's ``meeting_days``), where
the booking puts a child's next meeting, and moving one meeting by hand.

A team's agreed slots (``TrackingSlot``: Tuesdays 10:00 to 12:00, meetings of 30 minutes) are
filled from the child's due date backwards: the latest free place on or before the due date, but
never sooner than the first day whose paperwork deadline is still to come. A child who is overdue,
or has no free place by the due date, gets the first free place after it. A team with no agreed
days (or a child with no team) is booked on the due date for the whole day, as before the team
agreed any. Nothing here commits: the caller commits through ``core.jobs.commit``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, select

from ..accounts.models import Team
from ..audit import services as audit
from ..audit.models import AuditEvent
from ..cases.models import Child
from ..core.clock import LONDON
from ..core.workdays import bank_holiday_name, is_working_day, next_working_day, previous_working_day
from ..extensions import db
from ..tor import Sitting
from ..tor.schedule import deadline
from .models import AgendaItem, ItemStatus, Meeting, MeetingStatus, TrackingSlot
from .services import MAX_REASON, ScheduleError
from .tracking_invites import send_move_notices, when_text

SEARCH_WEEKS = 26  # how far past the due date (or the earliest day) a free place is looked for
MOVED = "move_tracking_meeting"  # the audit action of a move; their count is the invitation's SEQUENCE
WORKING_WEEKDAYS = range(5)


def papers_due(body, day: date) -> date | None:
    """The paperwork deadline the body's terms of reference set for a meeting on ``day``."""
    found = deadline(body, Sitting(body.id, day, None, None, body.venue), "papers")
    return found.due if found else None


def earliest_day(body, today: date) -> date:
    """The first day a meeting of ``body`` may be booked for on ``today``: a working day after
    today whose paperwork deadline (the ToR's, on the working-day calendar) is after today, so the
    social worker always has at least a day to complete the paperwork."""
    day = next_working_day(today)
    while (due := papers_due(body, day)) is not None and due <= today:
        day = next_working_day(day)
    return day


def _utc(day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=LONDON).astimezone(timezone.utc)


@dataclass(frozen=True)
class Place:
    """Where a meeting goes: a day, and a time when it is in one of the team's agreed slots."""

    day: date
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    slot: TrackingSlot | None = None


def slots_of(body_id: str, team_id: int | None = None) -> list[TrackingSlot]:
    stmt = select(TrackingSlot).where(TrackingSlot.body_id == body_id)
    if team_id is not None:
        stmt = stmt.where(TrackingSlot.team_id == team_id)
    return list(db.session.execute(stmt.order_by(TrackingSlot.team_id, TrackingSlot.weekday,
                                                 TrackingSlot.starts)).scalars())


def _taken(body_id: str, since: date, team_id: int | None = None, day: date | None = None, *,
           except_meeting: int | None = None):
    """(team, day, starts_at, ends_at) of the timed meetings of the body's children from ``since``."""
    stmt = (select(Child.team_id, Meeting.date, Meeting.starts_at, Meeting.ends_at)
            .join(AgendaItem, AgendaItem.meeting_id == Meeting.id).join(Child, Child.id == AgendaItem.child_id)
            .where(Meeting.body_id == body_id, Meeting.status == MeetingStatus.SCHEDULED, Meeting.date >= since,
                   Meeting.starts_at.is_not(None), Child.team_id.is_not(None),
                   AgendaItem.status.in_((ItemStatus.BOOKED, ItemStatus.HEARD))))
    if team_id is not None:
        stmt = stmt.where(Child.team_id == team_id)
    if day is not None:
        stmt = stmt.where(Meeting.date == day)
    if except_meeting is not None:
        stmt = stmt.where(Meeting.id != except_meeting)
    return db.session.execute(stmt).all()


def _overlaps(start: datetime, end: datetime, taken) -> tuple[datetime, datetime] | None:
    return next(((s, e) for s, e in taken if start < e and s < end), None)


class Diary:
    """One tracking body's agreed slots per team and the times already taken, read once (two
    queries) for a booking run and kept up to date as meetings are placed."""

    def __init__(self, body, today: date):
        self.body = body
        self.earliest = earliest_day(body, today)
        self.slots: dict[int, list[TrackingSlot]] = {}
        for slot in slots_of(body.id):
            self.slots.setdefault(slot.team_id, []).append(slot)
        self.taken: dict[tuple[int, date], list[tuple[datetime, datetime]]] = {}
        for team_id, day, start, end in _taken(body.id, today):
            self.taken.setdefault((team_id, day), []).append((start, end or start + timedelta(minutes=1)))

    def place(self, team_id: int | None, due: date) -> Place:
        """Where a child of ``team_id`` whose meeting is due on ``due`` goes (and mark it taken)."""
        slots = self.slots.get(team_id) if team_id is not None else None
        found = self._search(team_id, slots, due) if slots else None
        if found is None:
            day = due if is_working_day(due) else previous_working_day(due)
            return Place(max(day, self.earliest))
        self.taken.setdefault((team_id, found.day), []).append((found.starts_at, found.ends_at))
        return found

    def _search(self, team_id: int, slots: list[TrackingSlot], due: date) -> Place | None:
        day = due
        while day >= self.earliest:  # the latest free place on or before the due date
            found = self._free_on(team_id, slots, day)
            if found is not None:
                return found
            day -= timedelta(days=1)
        day = max(due + timedelta(days=1), self.earliest)  # else the first free place after it
        last = day + timedelta(weeks=SEARCH_WEEKS)
        while day <= last:
            found = self._free_on(team_id, slots, day)
            if found is not None:
                return found
            day += timedelta(days=1)
        return None

    def _free_on(self, team_id: int, slots: list[TrackingSlot], day: date) -> Place | None:
        if not is_working_day(day):
            return None
        taken = self.taken.get((team_id, day), [])
        for slot in slots:
            if slot.weekday != day.weekday():
                continue
            length = timedelta(minutes=slot.minutes_each)
            for k in range(slot.capacity):
                start = _utc(day, slot.starts) + k * length
                if _overlaps(start, start + length, taken) is None:
                    return Place(day, start, start + length, slot)
        return None


# --- agreeing the days -------------------------------------------------------------------------

def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def agree_slot(team: Team, body, *, weekday: int | None, starts: time | None, ends: time | None,
               minutes_each: int | None, by_id: int | None) -> TrackingSlot:
    """Record a day and time agreed for the team's tracking meetings of ``body`` (audited)."""
    if weekday not in WORKING_WEEKDAYS:
        raise ScheduleError("weekday", "Choose a day from Monday to Friday")
    if starts is None:
        raise ScheduleError("starts", "Enter the time the meetings start, for example 10:00")
    if ends is None:
        raise ScheduleError("ends", "Enter the time the meetings end, for example 12:00")
    if ends <= starts:
        raise ScheduleError("ends", "The end time must be after the start time")
    if minutes_each is None or minutes_each < 5:
        raise ScheduleError("minutes_each", "Enter how long each meeting is, 5 minutes or more")
    if minutes_each > _minutes(ends) - _minutes(starts):
        raise ScheduleError("minutes_each", f"A meeting of {minutes_each} minutes does not fit between "
                                            f"{starts:%H:%M} and {ends:%H:%M}")
    for other in slots_of(body.id, team.id):
        if other.weekday == weekday and starts < other.ends and other.starts < ends:
            raise ScheduleError("starts", f"This overlaps the time already agreed: {other.label}")
    slot = TrackingSlot(team_id=team.id, body_id=body.id, weekday=weekday, starts=starts, ends=ends,
                        minutes_each=minutes_each, agreed_by_id=by_id)
    db.session.add(slot)
    db.session.flush()
    return slot


def remove_slot(slot: TrackingSlot) -> None:
    """Stop booking into a slot; meetings already booked in it keep their times (audited)."""
    db.session.delete(slot)
    db.session.flush()


@dataclass
class TeamDays:
    team: Team
    slots: dict[str, list[TrackingSlot]]  # per body id

    @property
    def agreed(self) -> bool:
        return any(self.slots.values())


def team_days(teams: list[Team], bodies) -> list[TeamDays]:
    """Each team's agreed slots per tracking body with ``meeting_days`` (one query)."""
    ids = [t.id for t in teams]
    rows = db.session.execute(select(TrackingSlot).where(TrackingSlot.team_id.in_(ids),
                                                         TrackingSlot.body_id.in_([b.id for b in bodies]))
                              .order_by(TrackingSlot.weekday, TrackingSlot.starts)).scalars().all() if ids else []
    result = {t.id: TeamDays(t, {b.id: [] for b in bodies}) for t in teams}
    for slot in rows:
        result[slot.team_id].slots[slot.body_id].append(slot)
    return [result[t.id] for t in teams]


# --- moving one meeting ------------------------------------------------------------------------

def _closed(day: date) -> str:
    return bank_holiday_name(day) or ("a Saturday" if day.weekday() == 5 else "a Sunday")


def check_new_date(body, day: date | None, today: date) -> date:
    """A day a meeting of ``body`` may be moved to: a working day no sooner than the paperwork allows."""
    if day is None:
        raise ScheduleError("date", "Enter the new date of the meeting")
    if not is_working_day(day):
        raise ScheduleError("date", f"{day:%A %-d %B %Y} is {_closed(day)}; choose a working day")
    earliest = earliest_day(body, today)
    if day < earliest:
        papers = papers_due(body, day)
        if papers is not None and day > today:
            raise ScheduleError("date", f"The paperwork for a meeting on {day:%A %-d %B %Y} would be due on "
                                        f"{papers:%A %-d %B %Y}, too soon to complete; choose "
                                        f"{earliest:%A %-d %B %Y} or later")
        raise ScheduleError("date", f"The new date must be {earliest:%A %-d %B %Y} or later")
    return day


def moves_of(meeting: Meeting) -> int:
    """How many times the meeting was moved by hand before (from the audit log)."""
    return db.session.execute(select(func.count(AuditEvent.id)).where(
        AuditEvent.action == MOVED, AuditEvent.entity_type == "Meeting",
        AuditEvent.entity_id == str(meeting.id))).scalar_one()


def move_tracking_meeting(meeting: Meeting, item: AgendaItem, body, *, new_date: date | None,
                          new_time: time | None, reason: str | None, today: date) -> int:
    """Move a child's booked tracking meeting to another day (and time, or the whole day) and send
    the child's invitees the change with an updated invitation. Returns the invitation's SEQUENCE."""
    reason = (reason or "").strip()
    if not reason:
        raise ScheduleError("reason", "Enter the reason for moving the meeting")
    if len(reason) > MAX_REASON:
        raise ScheduleError("reason", f"The reason must be {MAX_REASON} characters or fewer")
    if meeting.cancelled or item.status != ItemStatus.BOOKED:
        raise ScheduleError("date", "Only a booked meeting still to be held can be moved")
    new_date = check_new_date(body, new_date, today)
    length = (meeting.ends_at - meeting.starts_at if meeting.starts_at and meeting.ends_at
              else timedelta(minutes=item.minutes_allowed or body.part(item.part_id).minutes_per_item))
    starts_at = _utc(new_date, new_time) if new_time is not None else None
    ends_at = starts_at + length if starts_at is not None else None
    if new_date == meeting.date and starts_at == meeting.starts_at:
        raise ScheduleError("date", "The new date and time must be different from the current ones")
    team_id = item.child.team_id if item.child is not None else None
    if starts_at is not None and team_id is not None:
        taken = [(s, e or s) for _, _, s, e in _taken(body.id, new_date, team_id, new_date,
                                                      except_meeting=meeting.id)]
        clash = _overlaps(starts_at, ends_at, taken)
        if clash is not None:
            raise ScheduleError("time", f"Another tracking meeting of the team is booked from "
                                        f"{clash[0].astimezone(LONDON):%H:%M} to {clash[1].astimezone(LONDON):%H:%M} "
                                        f"that day; choose another time")
    old = when_text(meeting)
    meeting.moved_from = meeting.date
    meeting.date, meeting.starts_at, meeting.ends_at = new_date, starts_at, ends_at
    meeting.note = reason
    db.session.flush()
    sequence = moves_of(meeting) + 1
    audit.record(MOVED, entity=meeting, summary=f"Tracking meeting moved from {old} to {when_text(meeting)}",
                 changes={"sequence": sequence, "reason": reason})
    send_move_notices(item, body, old=old, reason=reason, sequence=sequence, papers=papers_due(body, new_date))
    return sequence

