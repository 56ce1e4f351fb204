"""The child's timeline: generic dated entries, laid out as a picture on a date axis.

A timeline is a list of :class:`TimelineEntry` (a date, a lane, a label and a state);
it does not know what produced them. Sources registered with ``register_timeline_source``
each give a child's entries: the tracker adds milestones (due and achieved), reviews,
care proceedings, periods of care and legal status changes; meetings, decisions and
actions can add theirs the same way. :func:`layout` turns the entries into positions for
the server-rendered SVG (``tracker/_timeline.html``), which also has a table as its text
alternative.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Callable

from ..cases.models import Child


@dataclass(frozen=True)
class TimelineEntry:
    """Something that happened, or is due, on a day in a child's journey."""

    day: date
    lane: str  # the row of the picture: "Milestones", "Reviews", "Court", "Care", ...
    label: str
    state: str = "done"  # done, upcoming, due_soon, overdue, achieved, achieved_late
    detail: str = ""


Source = Callable[[Child, date], list[TimelineEntry]]
_sources: list[tuple[int, Source]] = []
LANE_ORDER = {"Milestones": 0, "Care": 1, "Reviews": 2, "Court": 3}


def register_timeline_source(source: Source, order: int = 50) -> Source:
    """Add entries to every child's timeline; ``source(child, today)`` returns a list of entries."""
    if all(s is not source for _, s in _sources):
        _sources.append((order, source))
        _sources.sort(key=lambda pair: pair[0])
    return source


def unregister_timeline_source(source: Source) -> None:
    _sources[:] = [pair for pair in _sources if pair[1] is not source]


def entries_for(child: Child, today: date) -> list[TimelineEntry]:
    entries = [entry for _, source in _sources for entry in source(child, today)]
    return sorted(entries, key=lambda e: (e.day, LANE_ORDER.get(e.lane, 9), e.label))


# --- The picture ----------------------------------------------------------------------------------

WIDTH = 960
LEFT = 130  # room for the lane names
RIGHT = 20
TOP = 30  # room for the axis labels
LANE_HEIGHT = 44


@dataclass
class Marker:
    x: float
    y: float
    entry: TimelineEntry


@dataclass
class Tick:
    x: float
    label: str


@dataclass
class Picture:
    width: int
    height: int
    lanes: list[tuple[str, float]]  # name, y of the lane's middle
    markers: list[Marker]
    ticks: list[Tick]
    today_x: float | None
    start: date
    end: date
    entries: list[TimelineEntry] = field(default_factory=list)


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def layout(entries: list[TimelineEntry], today: date) -> Picture | None:
    """Positions for every entry: x by date between the first and last (and today), y by lane."""
    if not entries:
        return None
    days = [e.day for e in entries] + [today]
    start, end = min(days), max(days)
    start = date(start.year, start.month, 1)
    end = (date(end.year, end.month, 28) + timedelta(days=4)).replace(day=1)  # the next month's first day
    span = max(1, (end - start).days)
    plot = WIDTH - LEFT - RIGHT

    def x_of(day: date) -> float:
        return round(LEFT + plot * (day - start).days / span, 1)

    names = sorted({e.lane for e in entries}, key=lambda n: (LANE_ORDER.get(n, 9), n))
    lanes = [(name, TOP + LANE_HEIGHT * i + LANE_HEIGHT / 2) for i, name in enumerate(names)]
    y_of = dict(lanes)
    months = _months_between(start, end)
    step = next(s for s in (1, 2, 3, 6, 12, 24, 60) if months / s <= 10)
    ticks = []
    tick = start
    while tick <= end:
        if (tick.year * 12 + tick.month - 1) % step == 0:
            ticks.append(Tick(x_of(tick), tick.strftime("%b %Y") if step < 12 else str(tick.year)))
        tick = (tick + timedelta(days=32)).replace(day=1)
    markers = [Marker(x_of(e.day), y_of[e.lane], e) for e in entries]
    return Picture(WIDTH, TOP + LANE_HEIGHT * len(lanes) + 10, lanes, markers, ticks,
                   x_of(today) if start <= today <= end else None, start, end, entries)
