"""When a body sits, and the deadlines each sitting sets.

A panel's cadence is an RFC 5545 recurrence ("fortnightly on Wednesday",
"monthly on the first Friday") from an anchor date, so that "fortnightly" is
well defined. Sittings that land on a bank holiday are skipped or moved as
the council's configuration says. Deadlines ("referrals 5 working days
before", "minutes within 5 working days") are offsets from the sitting date,
all computed through :mod:`permanence.core.workdays`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterator, Mapping
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from ..core.workdays import (Offset, apply_offset, bank_holiday_name, is_working_day, next_working_day,
                             previous_working_day, roll)
from .model import Body, ChildCadence, Follows, Venue
from .rules import evaluate
from .vocabulary import held_by, latest_date


@dataclass(frozen=True)
class Sitting:
    """One meeting of a body: its date, its start and end in Europe/London, and why it moved if it did."""

    body_id: str
    date: date
    start: datetime | None
    end: datetime | None
    venue: Venue
    moved_from: date | None = None
    moved_because: str = ""


@dataclass(frozen=True)
class Deadline:
    """A dated obligation attached to a sitting, such as the referral cut-off or the minutes."""

    kind: str
    label: str
    due: date
    due_at: datetime | None
    offset: Offset
    responsible: str | None = None
    rolled_from: date | None = None
    text: str = ""
    source: str = ""


def _closed_because(d: date) -> str:
    return bank_holiday_name(d) or "weekend"


def sittings(body: Body, start: date, count: int | None = None, until: date | None = None) -> list[Sitting]:
    """The body's sittings scheduled on or after ``start``: the next ``count``, or up to ``until``.

    A sitting whose scheduled date is not a working day is skipped, or moved
    to the next or previous working day, as ``cadence.bank_holidays`` says;
    a moved sitting keeps its scheduled date in ``moved_from``. A body whose
    cadence ``follows`` another takes one sitting from each of the other's.
    """
    if body.cadence is None:
        raise ValueError(f"{body.id} is a {body.kind} with no fixed cadence; use sitting_on() for its meetings")
    if count is None and until is None:
        raise ValueError("give count or until, or the list would never end")
    result: list[Sitting] = []
    for sitting in _sittings_from(body, start):
        if until is not None and sitting.date > until:
            break
        if count is not None and len(result) >= count:
            break
        result.append(sitting)
    return result


def _sittings_from(body: Body, start: date) -> Iterator[Sitting]:
    """The body's sittings from ``start`` on, in date order, without end."""
    cadence = body.cadence
    if cadence.follows is not None:
        yield from _following(body, start)
        return
    rule = rrulestr(cadence.rrule, dtstart=datetime.combine(cadence.anchor, cadence.start_time))
    for occurrence in rule.xafter(datetime.combine(start, time.min), inc=True):
        sitting = _on_a_working_day(body, occurrence.date())
        if sitting is not None:
            yield sitting


def _on_a_working_day(body: Body, scheduled: date, leader: Sitting | None = None) -> Sitting | None:
    """The sitting scheduled for ``scheduled``, skipped or moved off a closed day as the cadence says;
    with ``leader`` (the other body's sitting it follows) and no start time, it starts when that ends."""
    cadence = body.cadence
    actual, moved_from, because = scheduled, None, ""
    if not is_working_day(scheduled):
        because = _closed_because(scheduled)
        if cadence.bank_holidays == "skip":
            return None
        moved_from = scheduled
        actual = (next_working_day(scheduled) if cadence.bank_holidays == "next_working_day"
                  else previous_working_day(scheduled))
    zone = ZoneInfo(cadence.time_zone)
    if cadence.start_time is not None:
        begin = datetime.combine(actual, cadence.start_time, tzinfo=zone)
    elif leader is not None and leader.end is not None:
        begin = leader.end.astimezone(zone) + timedelta(minutes=cadence.follows.gap_minutes)
    else:
        return Sitting(body.id, actual, None, None, body.venue, moved_from, because)
    return Sitting(body.id, actual, begin, begin + cadence.duration, body.venue, moved_from, because)


def following_date(follows: Follows, leader_day: date) -> date:
    """The date a sitting of a following body is scheduled for, from the other body's sitting on
    ``leader_day``: the offset from it, or the next given weekday after it."""
    if follows.offset is not None:
        return apply_offset(leader_day, follows.offset)
    ahead = (WEEKDAY_CODES.index(follows.next) - leader_day.weekday() - 1) % 7 + 1
    return leader_day + timedelta(days=ahead)


def following_sitting(body: Body, leader: Sitting) -> Sitting | None:
    """The sitting of ``body`` that the other body's ``leader`` sitting gives (None: it is skipped)."""
    return _on_a_working_day(body, following_date(body.cadence.follows, leader.date), leader)


def _following(body: Body, start: date) -> Iterator[Sitting]:
    follows = body.cadence.follows
    if follows.leader is None:
        raise ValueError(f"{body.id} follows {follows.body}, which the loader has not resolved")
    # Start from the other body's sittings far enough back that one whose follower falls on or after
    # ``start`` is not missed (a working day is at most 2 calendar days here, bank holidays aside: +14).
    back = 14
    if follows.offset is not None:
        back += follows.offset.amount * {"working_days": 2, "days": 1, "weeks": 7, "months": 31}[follows.offset.unit]
    for leader in _sittings_from(follows.leader, start - timedelta(days=back)):
        sitting = following_sitting(body, leader)
        if sitting is not None and sitting.date >= start:
            yield sitting


def sitting_on(body: Body, day: date, start_time: time | None = None) -> Sitting:
    """A sitting on a given day, for per-child tracking meetings and extraordinary sittings."""
    cadence = body.cadence
    start_time = start_time or (cadence.start_time if cadence else None)
    if start_time is None and cadence is not None and cadence.follows is not None and cadence.follows.leader:
        # Straight after the other body's sitting that day, at its usual times.
        leader = sitting_on(cadence.follows.leader, day)
        if leader.end is not None:
            start_time = (leader.end.astimezone(ZoneInfo(cadence.time_zone))
                          + timedelta(minutes=cadence.follows.gap_minutes)).time()
    if start_time is None:
        return Sitting(body.id, day, None, None, body.venue)
    zone = ZoneInfo(cadence.time_zone if cadence else "Europe/London")
    begin = datetime.combine(day, start_time, tzinfo=zone)
    return Sitting(body.id, day, begin, begin + cadence.duration if cadence else None, body.venue)


WEEKDAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

DEADLINE_LABELS = {
    # What each kind of deadline is called on agendas, documents and reminders.
    "referrals": "Referrals close",
    "papers": "Papers due",
    "agenda_circulation": "Agenda and papers circulated",
    "added_items": "Last day to add items to the agenda",
    "minutes": "Minutes due",
    "record": "Record on the child's file due",
    "other": "Deadline",
}


def deadlines(body: Body, sitting: Sitting) -> list[Deadline]:
    """Every deadline the body's terms of reference set for ``sitting``, in date order.

    Working-day offsets already land on working days. A calendar offset that
    lands on a weekend or bank holiday moves as the deadline's ``roll`` says
    (by default to the previous working day, so meeting it is never late).
    """
    zone = ZoneInfo(body.cadence.time_zone if body.cadence else "Europe/London")
    result = []
    for rule in body.deadlines:
        raw = apply_offset(sitting.date, rule.offset)
        due = roll(raw, rule.roll_policy)
        result.append(Deadline(
            kind=rule.kind,
            label=rule.label or DEADLINE_LABELS[rule.kind],
            due=due,
            due_at=datetime.combine(due, rule.time, tzinfo=zone) if rule.time else None,
            offset=rule.offset,
            responsible=rule.responsible,
            rolled_from=raw if raw != due else None,
            text=rule.text,
            source=rule.source,
        ))
    return sorted(result, key=lambda d: d.due)


def deadline(body: Body, sitting: Sitting, kind: str) -> Deadline | None:
    """The first deadline of ``kind`` for ``sitting``, or None if the terms of reference set none."""
    return next((d for d in deadlines(body, sitting) if d.kind == kind), None)


def next_tracking_meeting_due(body: Body, child_facts: Mapping[str, Any],
                              events: Mapping[str, Any]) -> tuple[date, ChildCadence] | None:
    """When a child's next tracking meeting is due, and which cadence rule says so.

    The earliest due date among the cadences whose ``when`` matches the child: a repeating one
    counted from ``events["last_tracking_meeting"]`` (or its ``first_after`` event when there has
    been no meeting yet); one held once, ``within`` its ``after`` event, unless a meeting of this
    body (``held_by``) was held on or after that event. None when no cadence applies.
    """
    due: list[tuple[date, int, ChildCadence]] = []
    for i, cadence in enumerate(body.per_child_cadence):
        if not evaluate(cadence.when, child_facts):
            continue
        if cadence.once:
            happened = latest_date(events.get(cadence.after))
            held = latest_date(events.get(held_by(body.id)))
            if happened is not None and (held is None or held < happened):
                due.append((apply_offset(happened, cadence.within), i, cadence))
            continue
        anchor = latest_date(events.get("last_tracking_meeting")) or (
            latest_date(events.get(cadence.first_after)) if cadence.first_after else None)
        if anchor is not None:
            due.append((apply_offset(anchor, cadence.every), i, cadence))
    if not due:
        return None
    when, _, cadence = min(due)
    return when, cadence
