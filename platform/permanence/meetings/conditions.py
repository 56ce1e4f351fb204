"""Which of the body's outcomes the meeting may reach for an item: an outcome with ``only_when``
is offered only when its roles were recorded present at the sitting for the item's part of the
agenda (present, or represented by someone they sent) and every child of the item meets its
``when`` rule on the day of the meeting. The picker leaves out the rest and says why; recording
refuses them (``record._clean``), so a posted form cannot reach one either."""

from __future__ import annotations

from ..cases.facts import child_facts
from ..panels.models import AgendaItem, AttendanceStatus, ItemStatus
from ..panels.parts import seat_of
from ..panels.services import body_of
from ..tor import role_label
from ..tor.rules import evaluate, explain
from ..tor.wording import present_words
from .services import part_status, tor_for

ATTENDED = (AttendanceStatus.PRESENT, AttendanceStatus.REPRESENTED)


def present_roles(item: AgendaItem) -> set[str]:
    """The ToR roles recorded present (or represented) at the item's meeting for its part."""
    meeting = item.meeting
    return {row.role for row in meeting.attendance
            if row.role and part_status(row, seat_of(meeting, row.role, row.title), item.part_id) in ATTENDED}


def why_not(item: AgendaItem, outcome) -> str:
    """Why the meeting may not reach ``outcome`` for the item, in a sentence; empty when it may."""
    condition = outcome.only_when
    if condition is None:
        return ""
    tor = tor_for(item.meeting)
    if condition.present:
        needed = present_words(condition.present, lambda r: role_label(tor, r))
        if not item.meeting.attendance:
            return f"Only when {needed}: the attendance has not been taken yet"
        here = present_roles(item)
        missing = [r for r in condition.present if r not in here]
        if missing and len(condition.present) == 1:
            return f"Only when {needed}: none recorded present"
        if missing:
            return f"Only when {needed}: no {', '.join(role_label(tor, r) for r in missing)} recorded present"
    if condition.when is not None:
        for child in item.children:
            if not evaluate(condition.when, child_facts(child, item.meeting.date)):
                return f"Only for children where {explain(condition.when)}: this child does not meet it"
    return ""


def outcome_choices(item: AgendaItem) -> tuple[list, dict[str, str]]:
    """The outcomes the meeting may reach for the item (its agenda part's own list, else the body's),
    and {label: why not} for the others. The
    outcome already recorded stays offered, so the rest of a heard item's record can be corrected."""
    offered, missing = [], {}
    recorded = item.outcome_id if item.status == ItemStatus.HEARD else None
    for outcome in body_of(item.meeting).outcomes_for(item.part_id):
        reason = "" if outcome.id == recorded else why_not(item, outcome)
        if reason:
            missing[outcome.label] = reason
        else:
            offered.append(outcome)
    return offered, missing
