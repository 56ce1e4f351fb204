"""Timescale rules and the milestones they produce for a child.

Every timescale in every terms of reference has one shape: *a due date that
is an offset from a named event, under a condition*, optionally repeating, and
optionally completed by another event. "First review within 20 working days
of entering care", "presented to panel within 4 weeks of coming into care but
after the first review" and "a tracking meeting every 6 weeks while in
proceedings" are all instances of :class:`TimescaleRule`.

:func:`compute_milestones` is pure: the same rules, facts, events and "today"
always give the same milestones, which is what makes drift reports testable.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from marshmallow import ValidationError, fields, post_load, validates_schema

from ..core.workdays import BEFORE, DIRECTIONS, Offset, apply_offset
from .fields import Event, NestedList, OffsetSchema, Str, StrictSchema, one_of
from .rules import Rule, evaluate, explain, parse_rule
from .vocabulary import ENDED_BY, EVENTS, PERIOD_STARTS, REPEATING_EVENTS, as_noun, latest_date, occurrences

UPCOMING = "upcoming"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
ACHIEVED = "achieved"
ACHIEVED_LATE = "achieved_late"
NOT_APPLICABLE = "not_applicable"
WAITING = "waiting"  # open, but its anchor event has not happened yet: not overdue, no drift
STATUSES = (UPCOMING, DUE_SOON, OVERDUE, ACHIEVED, ACHIEVED_LATE, NOT_APPLICABLE, WAITING)

SINGLE, EARLIEST, LATEST = "single", "earliest", "latest"
LAST = "last"
_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
_NO_OFFSET = Offset(0, "days")


def ordinal(n: int) -> str:
    """The ordinal in words up to ten ("second"), then in figures ("11th")."""
    if 1 <= n <= len(_ORDINALS):
        return _ORDINALS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Anchor:
    """One date a timescale may be due at: an event (its ``nth`` occurrence for an event that
    happens many times, ``"last"`` for the latest), moved by ``offset``. Unknown while the event
    has not happened."""

    event: str
    nth: int | str | None = None
    offset: Offset = _NO_OFFSET
    after: str | None = None  # count the occurrences from this event on: "the next review after ..."

    def event_words(self) -> str:
        if self.event in REPEATING_EVENTS:
            noun = REPEATING_EVENTS[self.event]
            since = f" after {EVENTS.get(self.after, self.after)}" if self.after else ""
            if self.nth == LAST:
                return f"the most recent {noun}{since}"
            if self.after and int(self.nth or 1) == 1:
                return f"the next {noun}{since}"
            return f"the {ordinal(int(self.nth or 1))} {noun}{since}"
        return EVENTS.get(self.event, self.event)

    def noun(self) -> str:
        """The event as a noun phrase, for "waiting for ...": "the date care proceedings were issued"."""
        return self.event_words() if self.event in REPEATING_EVENTS else as_noun(self.event_words())

    def describe(self) -> str:
        if self.offset.amount == 0:
            return self.event_words()
        return self.offset.describe(self.event_words())

    def occurrence(self, events: Mapping[str, Any]) -> date | None:
        """The date of the event this anchor names, or None if it has not happened."""
        dates = occurrences(events, self.event)
        if self.after:
            since = latest_date(events.get(self.after))
            dates = tuple(d for d in dates if since is not None and d >= since)
        if not dates:
            return None
        if self.nth in (None, LAST):
            return dates[-1]
        return dates[self.nth - 1] if len(dates) >= self.nth else None

    def resolve(self, events: Mapping[str, Any]) -> date | None:
        happened = self.occurrence(events)
        return apply_offset(happened, self.offset) if happened is not None else None


@dataclass(frozen=True)
class Due:
    """When a timescale is due: one anchor, or the earliest or latest of several ("by week 20 of
    proceedings or the second review, whichever comes first")."""

    anchors: tuple[Anchor, ...]
    combine: str = SINGLE

    def describe(self) -> str:
        parts = [a.describe() for a in self.anchors]
        if self.combine == SINGLE or len(parts) == 1:
            return ("by " if self.anchors[0].offset.amount == 0 else "") + parts[0]
        joined = ", ".join(parts[:-1]) + " or " + parts[-1]
        return f"{joined}, whichever comes {'first' if self.combine == EARLIEST else 'last'}"

DEFAULT_DUE_SOON = Offset(10, "working_days")


@dataclass(frozen=True)
class TimescaleRule:
    """When something must happen for a child, and which event shows it has.

    ``event`` starts the clock (``fallback_event`` is used if it has not
    happened). ``completed_by`` names the event that meets the timescale; when
    it is omitted the timescale is *rolling*: its clock restarts whenever
    ``event`` happens again (the next tracking meeting is due 6 weeks after the
    last). ``repeat`` makes a fixed cycle: due at event + offset, then every
    ``repeat`` after that. ``not_before`` names an event that must have
    happened first ("but after the first review"); the due date is never
    earlier than it.
    """

    id: str
    label: str
    event: str = ""
    offset: Offset = _NO_OFFSET
    when: Rule | None = None
    completed_by: str | None = None
    fallback_event: str | None = None
    not_before: str | None = None
    repeat: Offset | None = None
    sign_off_by: tuple[str, ...] = ()
    source: str = ""
    unless: Rule | None = None  # stops applying while this holds (a tracking cadence once tracking is closed)
    origin: str = "tenant"  # "statutory" (inherited), "tenant" (tor.yaml timescales) or "cadence" (tracking meeting)
    due: Due | None = None  # the anchored form (``due:`` in tor.yaml), used instead of event + offset

    @property
    def statutory(self) -> bool:
        return self.origin == "statutory"

    def describe(self) -> str:
        """The rule in English, e.g. "20 working days after the child became looked after"."""
        text = self.due.describe() if self.due else self.offset.describe(EVENTS.get(self.event, self.event))
        if self.repeat:
            text += f", then every {self.repeat.describe()}"
        if self.not_before:
            text += f", but not before {EVENTS.get(self.not_before, self.not_before)}"
        if self.when is not None:
            text += f", where {explain(self.when)}"
        return text


@dataclass(frozen=True)
class Milestone:
    """One timescale as it stands for one child on one day, and the rule that produced it."""

    rule_id: str
    label: str
    status: str
    due: date | None
    achieved: date | None
    anchor_event: str | None
    anchor_date: date | None
    source: str
    sign_off_by: tuple[str, ...] = ()
    reason: str = ""
    rule: TimescaleRule | None = field(default=None, compare=False, repr=False)

    @property
    def is_late(self) -> bool:
        return self.status in (OVERDUE, ACHIEVED_LATE)


def _rule(id, label, event, offset, *, source, completed_by=None, when=None):
    return TimescaleRule(id=id, label=label, event=event, offset=offset, completed_by=completed_by,
                         when=when, source=source, origin="statutory")


# Every tenant inherits these unless its tor.yaml overrides an id or disables it
# (domain.md §2.1 and §2.5).
STATUTORY_TIMESCALES: tuple[TimescaleRule, ...] = (
    _rule("first-review", "First looked-after review", "entered_care", Offset(20, "working_days"),
          completed_by="first_review", source="CPPCR 2010 reg 33(1)"),
    _rule("second-review", "Second looked-after review", "first_review", Offset(3, "months"),
          completed_by="second_review", source="CPPCR 2010 reg 33(2)"),
    _rule("subsequent-reviews", "Next looked-after review", "latest_review", Offset(6, "months"),
          when=parse_rule({"fact": "reviews_held", "gte": 2}), source="CPPCR 2010 reg 33(2)"),
    _rule("proceedings-week-26", "Care proceedings concluded (week 26)", "proceedings_issued",
          Offset(26, "weeks"), completed_by="final_order", source="Children Act 1989 s32(1)(a)"),
)


def compute_milestones(
    timescales: Iterable[TimescaleRule],
    child_facts: Mapping[str, Any],
    events: Mapping[str, date],
    today: date,
    *,
    due_soon: Offset = DEFAULT_DUE_SOON,
) -> list[Milestone]:
    """Where each timescale stands for one child on ``today``, in rule order.

    ``events`` maps event names (see :data:`vocabulary.EVENTS`) to the date
    each last happened, or, for a repeating event (``vocabulary.REPEATING_EVENTS``), to the
    tuple of its dates (the event + offset form sees the latest). A milestone is *due soon* from ``due_soon`` before its
    due date, *overdue* the day after it, and *achieved late* when the
    completing event came after the due date.
    """
    flat = {name: latest_date(value) for name, value in events.items()}  # the event + offset form's view
    return [_milestone(rule, child_facts, events if rule.due is not None else flat, today, due_soon)
            for rule in timescales]


def _milestone(rule: TimescaleRule, facts: Mapping[str, Any], events: Mapping[str, date], today: date,
               due_soon: Offset) -> Milestone:
    def result(status, due=None, achieved=None, anchor_event=None, anchor_date=None, reason=""):
        return Milestone(rule.id, rule.label, status, due, achieved, anchor_event, anchor_date, rule.source,
                         rule.sign_off_by, reason, rule)

    if rule.due is not None:
        return _anchored(rule, rule.due, facts, events, today, due_soon, result)
    anchor_event = rule.event if events.get(rule.event) else rule.fallback_event
    anchor = events.get(anchor_event) if anchor_event else None
    ended = _ended(anchor_event, anchor, events)
    if rule.when is not None and not evaluate(rule.when, facts):
        return result(NOT_APPLICABLE, reason=ended or f"applies only where {explain(rule.when)}")
    if rule.unless is not None and evaluate(rule.unless, facts):
        return result(NOT_APPLICABLE, reason=ended or f"does not apply while {explain(rule.unless)}")
    if anchor is None:
        return result(NOT_APPLICABLE, reason=f"{as_noun(EVENTS.get(rule.event, rule.event))} is not recorded yet")
    floor = events.get(rule.not_before) if rule.not_before else None
    if rule.not_before and floor is None and rule.completed_by is None:
        return result(NOT_APPLICABLE, anchor_event=anchor_event, anchor_date=anchor,
                      reason=f"waiting for {as_noun(EVENTS.get(rule.not_before, rule.not_before))}")

    completion = events.get(rule.completed_by) if rule.completed_by else None
    if completion is not None and (completion < anchor or (floor is not None and completion < floor)):
        completion = None  # an earlier occurrence of the event does not count

    due = apply_offset(anchor, rule.offset)
    if floor is not None and floor > due:
        due = floor
    if rule.repeat is not None:
        # Cycles already met are history; the milestone is the first open cycle.
        due = _current_cycle(due, rule.repeat, completion)
        completion = None

    if completion is not None:
        status = ACHIEVED if completion <= due else ACHIEVED_LATE
        return result(status, due, completion, anchor_event, anchor)
    if ended:
        return result(NOT_APPLICABLE, anchor_event=anchor_event, anchor_date=anchor, reason=ended)
    if today > due:
        status = OVERDUE
    elif today >= apply_offset(due, Offset(due_soon.amount, due_soon.unit, BEFORE)):
        status = DUE_SOON
    else:
        status = UPCOMING
    return result(status, due, None, anchor_event, anchor)


def _status(due: date, today: date, due_soon: Offset) -> str:
    if today > due:
        return OVERDUE
    if today >= apply_offset(due, Offset(due_soon.amount, due_soon.unit, BEFORE)):
        return DUE_SOON
    return UPCOMING


def _anchored(rule: TimescaleRule, spec: Due, facts, events, today: date, due_soon: Offset, result) -> Milestone:
    """A milestone of the ``due:`` form. An anchor whose event has not happened is unknown: a single
    or ``latest`` due date waits while any anchor is unknown; an ``earliest`` one is due at the
    earliest known anchor (an unknown one can only bring it forward once it happens). A milestone
    already met by ``completed_by`` is achieved whatever is still unknown; met after the due date,
    achieved late."""
    first = spec.anchors[0]
    known = [(anchor.resolve(events), anchor) for anchor in spec.anchors]
    dated = [(d, a) for d, a in known if d is not None]
    ended = _ended(first.event, first.occurrence(events), events)
    if rule.when is not None and not evaluate(rule.when, facts):
        return result(NOT_APPLICABLE, reason=ended or f"applies only where {explain(rule.when)}")
    if rule.unless is not None and evaluate(rule.unless, facts):
        return result(NOT_APPLICABLE, reason=ended or f"does not apply while {explain(rule.unless)}")
    floor = latest_date(events.get(rule.not_before)) if rule.not_before else None
    completions = occurrences(events, rule.completed_by)
    completion = completions[0] if completions else None
    if completion is not None and floor is not None and completion < floor:
        completion = None
    missing = [a for d, a in known if d is None]
    if not dated or (spec.combine != EARLIEST and missing) or (rule.not_before and floor is None):
        if completion is not None:
            return result(ACHIEVED, None, completion)
        if ended:
            return result(NOT_APPLICABLE, reason=ended)
        outside = _outside_period(missing, events, every=spec.combine == EARLIEST)
        if outside:
            return result(NOT_APPLICABLE, reason=outside)
        # The due date is never before ``not_before``, so it waits for that too.
        words = [a.noun() for a in missing] if not dated or spec.combine != EARLIEST else []
        if rule.not_before and floor is None:
            words.append(as_noun(EVENTS.get(rule.not_before, rule.not_before)))
        return result(WAITING, reason=f"waiting for {' and '.join(words)}")
    pick = min if spec.combine == EARLIEST else max
    due, anchor = pick(dated, key=lambda pair: pair[0])
    if floor is not None and floor > due:
        due = floor
    happened = anchor.occurrence(events)
    if completion is not None:
        return result(ACHIEVED if completion <= due else ACHIEVED_LATE, due, completion, anchor.event, happened)
    if ended:
        return result(NOT_APPLICABLE, anchor_event=anchor.event, anchor_date=happened, reason=ended)
    return result(_status(due, today, due_soon), due, None, anchor.event, happened)


def _outside_period(anchors: Sequence[Anchor], events: Mapping[str, Any], every: bool = False) -> str:
    """Why anchors still to happen will not, when they belong to a period of care or to proceedings
    (``vocabulary.ENDED_BY``) that has not begun or has ended; else an empty string. With ``every``
    (whichever comes first), only when none of them can happen."""
    reasons = []
    for anchor in anchors:
        ending = ENDED_BY.get(anchor.event)
        start = PERIOD_STARTS.get(ending or "")
        if ending is not None and events.get(ending) is not None:
            reasons.append(f"stopped applying when {_ENDINGS.get(ending, EVENTS[ending])} on "
                           f"{latest_date(events[ending]):%-d %B %Y}")
        elif start and events.get(start) is None:
            reasons.append(f"{as_noun(EVENTS[start])} is not recorded yet")
        else:
            reasons.append("")
    if every:
        return reasons[0] if reasons and all(reasons) else ""
    return next((r for r in reasons if r), "")


_ENDINGS = {"final_order": "the final order was made in care proceedings"}


def _ended(anchor_event: str | None, anchor: date | None, events: Mapping[str, date]) -> str:
    """Why a milestone measured from ``anchor_event`` stopped applying, when the period of care or
    the proceedings it belongs to has ended (``vocabulary.ENDED_BY``); else an empty string."""
    ending = ENDED_BY.get(anchor_event or "")
    end = events.get(ending) if ending else None
    if anchor is None or end is None or end < anchor:
        return ""
    return f"stopped applying when {_ENDINGS.get(ending, EVENTS[ending])} on {end:%-d %B %Y}"


def _current_cycle(first_due: date, repeat: Offset, completed: date | None) -> date:
    """The due date of the first cycle not yet met by ``completed``."""
    k = 0
    due = first_due
    while completed is not None and due <= completed:
        k += 1
        due = apply_offset(first_due, repeat.times(k))
    return due


# --- The ``due:`` form in tor.yaml ------------------------------------------------------------

class Nth(fields.Field):
    """Which occurrence of a repeating event: 1, 2, ... or ``last``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value == LAST:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValidationError(f"expected a whole number from 1 (the first occurrence) or 'last'; got {value!r}")
        if value < 1:
            raise ValidationError(f"nth counts from 1 (the first occurrence); got {value}")
        return value


def _anchor_errors(data) -> dict:
    event, nth = data.get("event"), data.get("nth")
    repeating = ", ".join(REPEATING_EVENTS)
    if nth is not None and event not in REPEATING_EVENTS:
        return {"nth": [f"nth applies only to an event that happens many times ({repeating}); "
                        f"{event!r} happens once"]}
    after = data.get("after")
    if after is not None and event not in REPEATING_EVENTS:
        return {"after": [f"after counts the occurrences of an event that happens many times ({repeating}) "
                          f"from another event; {event!r} happens once"]}
    if nth is None and event in REPEATING_EVENTS and after is None:
        return {"event": [f"{event!r} happens many times: say which with nth (1 for the first, 2 for the "
                          "second, ... or last), or after: <event> for the next one after that event"]}
    offset, direction = data.get("offset"), data.get("direction")
    if direction is not None and offset is None:
        return {"direction": ["a direction goes with an offset: give offset too (e.g. {working_days: 5})"]}
    return {}


def _anchor(data) -> Anchor:
    offset = data.get("offset") or _NO_OFFSET
    if data.get("direction"):
        offset = Offset(offset.amount, offset.unit, data["direction"])
    nth = data.get("nth") or (1 if data.get("after") else None)
    return Anchor(data["event"], nth, offset, data.get("after"))


class AnchorSchema(StrictSchema):
    """``{event: review, nth: 2}``, ``{event: review, after: proceedings_issued}`` (the next review after
    proceedings were issued) or ``{event: adm_decision, offset: {working_days: 5}, direction: before}``."""

    event = Event(required=True)
    nth = Nth(load_default=None)
    after = Event(load_default=None)
    offset = fields.Nested(OffsetSchema, load_default=None)
    direction = Str(load_default=None, validate=one_of(DIRECTIONS, "direction"))

    @validates_schema
    def _check(self, data, **kwargs):
        errors = _anchor_errors(data)
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data, **kwargs):
        return _anchor(data)


class DueSchema(AnchorSchema):
    """One anchor, or ``earliest:`` / ``latest:`` a list of anchors (whichever comes first / last)."""

    event = Event(load_default=None)
    earliest = NestedList(AnchorSchema, load_default=None)
    latest = NestedList(AnchorSchema, load_default=None)

    @validates_schema
    def _check(self, data, **kwargs):
        given = [k for k in ("event", EARLIEST, LATEST) if data.get(k) is not None]
        if len(given) != 1:
            raise ValidationError("due has exactly one of: event (one anchor), earliest or latest "
                                  f"(a list of anchors){'; got ' + ' and '.join(given) if given else ''}")
        if given[0] == "event":
            errors = _anchor_errors(data)
            if errors:
                raise ValidationError(errors)
            return
        key = given[0]
        errors = {k: [f"{k} belongs to each anchor of the {key} list, not to due itself"]
                  for k in ("nth", "offset", "direction", "after") if data.get(k) is not None}
        if not data[key]:
            errors[key] = [f"{key} needs at least one anchor, e.g. [{{event: proceedings_issued, offset: "
                           "{weeks: 20}}, {event: review, nth: 2}]"]
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data, **kwargs):
        if data.get("event") is not None:
            return Due((_anchor(data),))
        key = EARLIEST if data.get(EARLIEST) is not None else LATEST
        return Due(tuple(data[key]), key)


# --- Escalation -------------------------------------------------------------------

@dataclass(frozen=True)
class EscalationStep:
    """One rung of an escalation ladder: who is told, and how long after something became overdue."""

    role: str
    after: Offset
    trigger: str = "milestone_overdue"
    title: str = ""
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class EscalationLadder:
    """Who drift is escalated to, in order."""

    id: str
    label: str
    steps: tuple[EscalationStep, ...]
    source: str = ""


def escalation_steps_reached(ladder: EscalationLadder, overdue_since: date, today: date,
                             trigger: str = "milestone_overdue") -> list[EscalationStep]:
    """The steps of ``ladder`` for ``trigger`` that should have been taken by ``today``.

    ``overdue_since`` is the due date that was missed; a step with an offset of
    10 working days is reached 10 working days after it.
    """
    return [step for step in ladder.steps
            if step.trigger == trigger and apply_offset(overdue_since, step.after) <= today]


def find(timescales: Sequence[TimescaleRule], rule_id: str) -> TimescaleRule:
    """The rule with ``rule_id``; raises KeyError naming the known ids."""
    for rule in timescales:
        if rule.id == rule_id:
            return rule
    raise KeyError(f"no timescale {rule_id!r}; known: {', '.join(r.id for r in timescales)}")
