"""The platform's one working-day calendar (England and Wales).

Every deadline, timescale and sitting date in Permanence is computed here, so
that "5 working days before the panel" means the same thing on every screen,
report and reminder. Working days are Monday to Friday, excluding the
England-and-Wales bank holidays published by the ``holidays`` package,
including substitute days (for example 27 and 28 December 2027, when Christmas
Day and Boxing Day fall on a weekend).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Mapping

import holidays
from dateutil.relativedelta import relativedelta

WORKING_DAYS = "working_days"
DAYS = "days"
WEEKS = "weeks"
MONTHS = "months"
OFFSET_UNITS = (WORKING_DAYS, DAYS, WEEKS, MONTHS)

BEFORE = "before"
AFTER = "after"
DIRECTIONS = (BEFORE, AFTER)

# How a date that lands on a weekend or bank holiday is moved.
KEEP = "keep"
PREVIOUS_WORKING_DAY = "previous_working_day"
NEXT_WORKING_DAY = "next_working_day"
ROLL_POLICIES = (KEEP, PREVIOUS_WORKING_DAY, NEXT_WORKING_DAY)

_UNIT_WORDS = {
    WORKING_DAYS: ("working day", "working days"),
    DAYS: ("day", "days"),
    WEEKS: ("week", "weeks"),
    MONTHS: ("month", "months"),
}


@lru_cache(maxsize=64)
def _holidays_for_year(year: int) -> Mapping[date, str]:
    calendar = holidays.country_holidays("GB", subdiv="ENG", years=year)
    return dict(calendar.items())


def bank_holidays(year: int) -> dict[date, str]:
    """England-and-Wales bank holidays of ``year`` (substitute days included)."""
    return dict(_holidays_for_year(year))


def bank_holiday_name(d: date) -> str | None:
    """The name of the bank holiday on ``d``, or None, for messages like "moved from Good Friday"."""
    return _holidays_for_year(d.year).get(d)


def is_bank_holiday(d: date) -> bool:
    return d in _holidays_for_year(d.year)


def is_working_day(d: date) -> bool:
    """True on Monday to Friday unless it is an England-and-Wales bank holiday."""
    return d.weekday() < 5 and not is_bank_holiday(d)


def next_working_day(d: date) -> date:
    """The first working day strictly after ``d``."""
    d += timedelta(days=1)
    while not is_working_day(d):
        d += timedelta(days=1)
    return d


def previous_working_day(d: date) -> date:
    """The last working day strictly before ``d``."""
    d -= timedelta(days=1)
    while not is_working_day(d):
        d -= timedelta(days=1)
    return d


def roll(d: date, policy: str) -> date:
    """Move ``d`` off a non-working day according to ``policy`` (keep, previous or next working day)."""
    if policy not in ROLL_POLICIES:
        raise ValueError(f"unknown roll policy {policy!r}; allowed: {', '.join(ROLL_POLICIES)}")
    if policy == KEEP or is_working_day(d):
        return d
    if policy == NEXT_WORKING_DAY:
        return next_working_day(d)
    return previous_working_day(d)


def add_working_days(d: date, n: int) -> date:
    """The date ``n`` working days after ``d`` (before it when ``n`` is negative).

    ``d`` itself is never counted, so "5 working days before Wednesday 6 January
    2027" steps back over New Year's Day and the weekend to Tuesday 29 December 2026.
    With ``n == 0`` the date is returned unchanged, even if it is not a working day.
    """
    step = 1 if n >= 0 else -1
    remaining = abs(n)
    # Whole weeks first (the engine asks this thousands of times a night): seven days hold five
    # weekdays, less the bank holidays among them. At least one working day is left to step to, so
    # the answer is always a working day, found below one day at a time as before.
    while remaining > 5:
        weeks = (remaining - 1) // 5
        passed = d + timedelta(days=step)  # the days stepped over: from the one after d to the landing day
        d += timedelta(days=7 * weeks * step)
        remaining -= 5 * weeks - _weekday_holidays_between(min(passed, d), max(passed, d))
    while remaining:
        d += timedelta(days=step)
        if is_working_day(d):
            remaining -= 1
    return d


def _weekday_holidays_between(first: date, last: date) -> int:
    """Bank holidays on a weekday from ``first`` to ``last``, both included."""
    return sum(1 for year in range(first.year, last.year + 1) for day in _holidays_for_year(year)
               if first <= day <= last and day.weekday() < 5)


def working_days_between(a: date, b: date) -> int:
    """Working days after ``a`` up to and including ``b`` (negative when ``b`` is before ``a``).

    The inverse of :func:`add_working_days`: when ``b`` is a working day,
    ``add_working_days(a, working_days_between(a, b)) == b``.
    """
    if b < a:
        return -working_days_between(b, a)
    count = 0
    d = a
    while d < b:
        d += timedelta(days=1)
        if is_working_day(d):
            count += 1
    return count


@dataclass(frozen=True)
class Offset:
    """A distance in time from an event: "5 working days before", "6 weeks after", "3 months after"."""

    amount: int
    unit: str
    direction: str = AFTER

    def __post_init__(self) -> None:
        if self.unit not in OFFSET_UNITS:
            raise ValueError(f"unknown offset unit {self.unit!r}; allowed: {', '.join(OFFSET_UNITS)}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}; allowed: before, after")
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 0:
            raise ValueError("an offset amount is a whole number, zero or more")

    @property
    def signed_amount(self) -> int:
        return -self.amount if self.direction == BEFORE else self.amount

    def times(self, k: int) -> "Offset":
        """This offset repeated ``k`` times (used for "every 6 weeks" cycles)."""
        return Offset(self.amount * k, self.unit, self.direction)

    def describe(self, event: str | None = None) -> str:
        """English wording, e.g. "5 working days before the meeting"."""
        singular, plural = _UNIT_WORDS[self.unit]
        words = f"{self.amount} {singular if self.amount == 1 else plural}"
        if event is None:
            return words if self.direction == AFTER else f"{words} before"
        return f"{words} {self.direction} {event}"

    def __str__(self) -> str:
        return self.describe()


def apply_offset(d: date, offset: Offset) -> date:
    """The date ``offset`` away from ``d``; months follow the calendar (31 January + 1 month = 28 February)."""
    n = offset.signed_amount
    if offset.unit == WORKING_DAYS:
        return add_working_days(d, n)
    if offset.unit == DAYS:
        return d + timedelta(days=n)
    if offset.unit == WEEKS:
        return d + timedelta(weeks=n)
    return d + relativedelta(months=n)


__all__ = [
    "AFTER", "BEFORE", "DAYS", "DIRECTIONS", "KEEP", "MONTHS", "NEXT_WORKING_DAY", "OFFSET_UNITS",
    "PREVIOUS_WORKING_DAY", "ROLL_POLICIES", "WEEKS", "WORKING_DAYS", "Offset", "add_working_days",
    "apply_offset", "bank_holiday_name", "bank_holidays", "is_bank_holiday", "is_working_day",
    "next_working_day", "previous_working_day", "roll", "working_days_between",
]
