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

from ..core.workdays import BEFORE, Offset, apply_offset
from .rules import Rule, evaluate, explain, parse_rule
from .vocabulary import ENDED_BY, EVENTS

UPCOMING = "upcoming"
DUE_SOON = "due_soon"
OVERDUE = "overdue"
ACHIEVED = "achieved"
ACHIEVED_LATE = "achieved_late"
NOT_APPLICABLE = "not_applicable"
STATUSES = (UPCOMING, DUE_SOON, OVERDUE, ACHIEVED, ACHIEVED_LATE, NOT_APPLICABLE)

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
    event: str
    offset: Offset
    when: Rule | None = None
    completed_by: str | None = None
    fallback_event: str | None = None
    not_before: str | None = None
    repeat: Offset | None = None
    sign_off_by: tuple[str, ...] = ()
    source: str = ""
    unless: Rule | None = None  # stops applying while this holds (a tracking cadence once tracking is closed)
    origin: str = "tenant"  # "statutory" (inherited), "tenant" (tor.yaml timescales) or "cadence" (tracking meeting)

    @property
    def statutory(self) -> bool:
        return self.origin == "statutory"

    def describe(self) -> str:
        """The rule in English, e.g. "20 working days after the child became looked after"."""
        text = self.offset.describe(EVENTS.get(self.event, self.event))
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
    each last happened. A milestone is *due soon* from ``due_soon`` before its
    due date, *overdue* the day after it, and *achieved late* when the
    completing event came after the due date.
    """
    return [_milestone(rule, child_facts, events, today, due_soon) for rule in timescales]


def _milestone(rule: TimescaleRule, facts: Mapping[str, Any], events: Mapping[str, date], today: date,
               due_soon: Offset) -> Milestone:
    def result(status, due=None, achieved=None, anchor_event=None, anchor_date=None, reason=""):
        return Milestone(rule.id, rule.label, status, due, achieved, anchor_event, anchor_date, rule.source,
                         rule.sign_off_by, reason, rule)

    anchor_event = rule.event if events.get(rule.event) else rule.fallback_event
    anchor = events.get(anchor_event) if anchor_event else None
    ended = _ended(anchor_event, anchor, events)
    if rule.when is not None and not evaluate(rule.when, facts):
        return result(NOT_APPLICABLE, reason=ended or f"applies only where {explain(rule.when)}")
    if rule.unless is not None and evaluate(rule.unless, facts):
        return result(NOT_APPLICABLE, reason=ended or f"does not apply while {explain(rule.unless)}")
    if anchor is None:
        return result(NOT_APPLICABLE, reason=f"no date yet for {EVENTS.get(rule.event, rule.event)}")
    floor = events.get(rule.not_before) if rule.not_before else None
    if rule.not_before and floor is None and rule.completed_by is None:
        return result(NOT_APPLICABLE, anchor_event=anchor_event, anchor_date=anchor,
                      reason=f"waiting for {EVENTS.get(rule.not_before, rule.not_before)}")

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
