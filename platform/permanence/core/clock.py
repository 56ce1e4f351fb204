"""The clock: one home for 'now' and 'today'.

Councils work in England, so a day is a London day (a meeting at 00:30 BST belongs to that
date, not the UTC one); instants are stored in UTC. Everything asks here, so tests can freeze
time in one place (time-machine patches ``datetime.now``).
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def utcnow() -> datetime:
    """The current instant, timezone-aware UTC (what the database stores)."""
    return datetime.now(timezone.utc)


def london_today() -> date:
    """Today's date in London: the day of the pages, the API and the jobs."""
    return datetime.now(LONDON).date()


def in_london(at: datetime | None) -> datetime | None:
    """An instant as London wall-clock time (naive values are taken as UTC)."""
    if at is None:
        return None
    return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(LONDON)
