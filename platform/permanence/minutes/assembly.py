"""The minutes' text assembled from the meeting's record: attendance, quorum, declarations and the
chair's rulings, then each item in agenda order (the child, the part, discussion, confirmations,
the outcome in the terms of reference's words, its conditions, the decision, the actions and the
next review; for a request, what it asks, who asked and the amount agreed).

Plain text on purpose: it is what the chair edits, and the decision record renders its own view.
"""

from __future__ import annotations

from ..core.clock import LONDON
from ..meetings.next_agenda import route_parts
from ..meetings.record import (AGREED, AWAITING, NOT_NEEDED, REVIEW_ROUTE, next_sitting,
                               sign_off_state as sign_off_status)
from ..meetings.services import STATUS_LABELS, part_status
from ..panels import services as panels
from ..panels.models import AgendaItem, AttendanceStatus, ItemStatus, Meeting, Ruling
from ..panels.parts import parts_sat, seat_of
from ..referrals import requests
from ..referrals.rules import pounds
from ..referrals.services import people as members
from ..tor import role_label
from ..tor.services import tor_of_id

IN_THE_MINUTES = (ItemStatus.HEARD, ItemStatus.DEFERRED, ItemStatus.NOT_HEARD)
RULINGS = {Ruling.PENDING: "no ruling recorded", Ruling.TAKE_PART: "may take part",
           Ruling.OBSERVE: "may observe but not take part", Ruling.LEAVE: "left the meeting for the item"}
ATTENDANCE_HEADINGS = ((AttendanceStatus.PRESENT, "Present"), (AttendanceStatus.REPRESENTED, "Represented"),
                       (AttendanceStatus.APOLOGIES, "Apologies"), (AttendanceStatus.ABSENT, "Absent"),
                       (AttendanceStatus.NOT_REQUIRED, "Not required for any part of this agenda"))


def d(day) -> str:
    return f"{day:%-d %B %Y}" if day else ""


def person(attendance, tor) -> str:
    name = attendance.user.name if attendance.user else attendance.name
    title = attendance.title or role_label(tor, attendance.role)
    return f"{name}, {title}" if title else name


def subject(item: AgendaItem) -> str:
    """The child (or sibling group) with case numbers, as the case record system knows them."""
    cases = ", ".join(c.case_number for c in item.children)
    return f"{item.subject_name} ({cases})" if cases else item.subject_name


def part_title(body, part_id: str) -> str:
    try:
        return body.part(part_id).title
    except KeyError:
        return part_id


def outcome_label(body, outcome_id: str | None) -> str:
    if not outcome_id:
        return ""
    return next((o.label for o in body.outcomes if o.id == outcome_id), outcome_id)


def agenda_order(meeting: Meeting, body, statuses=IN_THE_MINUTES) -> list[AgendaItem]:
    """Items the meeting considered (or, with ``statuses``, those in them), part by part as the terms
    of reference order them."""
    parts = {p.id: n for n, p in enumerate(body.agenda_parts)}
    items = [i for i in meeting.items if i.status in statuses]
    return sorted(items, key=lambda i: (parts.get(i.part_id, len(parts)), i.position, i.id))


def sign_off_state(item: AgendaItem, tor) -> str:
    """The sign-off as the record states it: "Not yet agreed by <role>" while awaited (the state is
    the meetings feature's)."""
    state = sign_off_status(item)
    if state == NOT_NEEDED:
        return ""
    who = role_label(tor, item.sign_off_role)
    if state == AWAITING:
        return f"Not yet agreed by {who}"
    by = f" ({item.signed_off_by.name}, {d(item.signed_off_at)})" if item.signed_off_by else ""
    note = f": {item.sign_off_note}" if item.sign_off_note else ""
    return f"{'Agreed' if state == AGREED else 'Not agreed'} by {who}{by}{note}"


def yes_no(value) -> str:
    return {True: "yes", False: "no"}.get(value, "not recorded")


def _quorum(meeting: Meeting, body, tor) -> str:
    rule = body.membership.quorum if body.membership else None
    rule_text = ""
    if rule is not None:
        roles = ", ".join(role_label(tor, r) for r in rule.required_roles)
        rule_text = f" (quorum: at least {rule.minimum} members" + (f", including {roles}" if roles else "") + ")"
    by_part = meeting.quorate_parts or {}
    if len(set(by_part.values())) > 1:  # quorate for some parts only: say which
        state = "Quorum by part of the agenda: " + "; ".join(
            f"{part_title(body, part_id)} {'quorate' if met else 'not quorate'}" for part_id, met in by_part.items())
    else:
        state = {True: "The meeting was quorate", False: "The meeting was not quorate"}.get(
            meeting.quorate, "Quorum was not recorded")
    return state + rule_text + "."


def _by_part(attendance, meeting: Meeting, parts) -> str:
    """How the person's attendance differed by agenda part, when it did (" (by part: ...)")."""
    seat = seat_of(meeting, attendance.role, attendance.title)
    statuses = [(p, part_status(attendance, seat, p.id)) for p in parts]
    if all(status == attendance.status for _, status in statuses):
        return ""
    return " (by part: " + "; ".join(f"{p.title} {STATUS_LABELS[status].lower()}" for p, status in statuses) + ")"


def _item_lines(n: int, item: AgendaItem, body, tor, people: dict[int, str] | None = None) -> list[str]:
    lines = [f"{n}. {subject(item)}", f"   Part: {part_title(body, item.part_id)}"]
    if item.is_request:
        if item.referred_by is not None:
            lines.append(f"   Asked by: {item.referred_by.name}")
        lines += [f"   {question}: {answer}" for question, answer in requests.asked(item, people or {})]
    if item.status == ItemStatus.DEFERRED:
        lines.append("   Deferred to a later meeting.")
    elif item.status == ItemStatus.NOT_HEARD:
        lines.append("   Not heard.")
    if item.discussion.strip():
        lines.append(f"   Discussion: {item.discussion.strip()}")
    if item.care_plan_confirmed is not None or item.legal_status_confirmed is not None:
        lines.append(f"   Care plan confirmed: {yes_no(item.care_plan_confirmed)}. "
                     f"Legal status confirmed: {yes_no(item.legal_status_confirmed)}.")
    if item.outcome_id:
        lines.append(f"   Outcome: {outcome_label(body, item.outcome_id)}")
    if item.conditions.strip():
        lines.append(f"   Conditions: {item.conditions.strip()}")
    if item.is_request and item.status == ItemStatus.HEARD:
        lines.append(f"   Amount agreed: {pounds(item.amount_agreed) if item.amount_agreed is not None else 'none'}")
    if item.decision.strip():
        lines.append(f"   Decision: {item.decision.strip()}")
    state = sign_off_state(item, tor)
    if state:
        lines.append(f"   Sign-off: {state}")
    if item.escalate:
        lines.append(f"   Escalated: {item.escalation_reason or 'yes'}")
    if item.actions:
        lines.append("   Actions:")
        for a in item.actions:
            owner = a.owner.name if a.owner else "no one"
            lines.append(f"   - {a.description} (who: {owner}; by: {d(a.due_on)})")
    if item.next_review_on:
        lines.append(f"   Next review: {d(item.next_review_on)}")
    return lines


def assemble_text(meeting: Meeting) -> str:
    """The draft minutes of ``meeting`` from what was recorded."""
    tor = tor_of_id(meeting.tor_version_id)
    body = panels.body_of(meeting)
    when = f"{meeting.date:%A %-d %B %Y}"
    if meeting.starts_at:
        when += f", {meeting.starts_at.astimezone(LONDON):%H:%M}"
    lines = [body.name, f"Minutes of the meeting on {when}" + (f", {meeting.venue}" if meeting.venue else ""), ""]
    parts = parts_sat(meeting)
    for status, heading in ATTENDANCE_HEADINGS:
        people = [a for a in meeting.attendance if a.status == status]
        if not people:
            continue
        lines.append(heading)
        for a in people:
            extra = f", represented by {a.represented_by}" if status == AttendanceStatus.REPRESENTED and a.represented_by else ""
            lines.append(f"- {person(a, tor)}{extra}{_by_part(a, meeting, parts)}")
        lines.append("")
    if not meeting.attendance:
        lines += ["Attendance was not recorded.", ""]
    lines += [_quorum(meeting, body, tor), "", "Declarations of interest"]
    if meeting.declarations:
        for decl in meeting.declarations:
            on = f" (item: {subject(decl.agenda_item)})" if decl.agenda_item else " (the whole meeting)"
            lines.append(f"- {decl.user.name}: {decl.interest}{on}. Chair's ruling: {RULINGS[decl.ruling]}.")
    else:
        lines.append("- None declared.")
    lines += ["", "Items"]
    items = agenda_order(meeting, body)
    names = members() if any(i.is_request for i in items) else {}
    for n, item in enumerate(items, 1):
        lines += _item_lines(n, item, body, tor, names) + [""]
    if not items:
        lines += ["No items were considered.", ""]
    lines += _between_sittings_lines(meeting, tor)
    lines += _next_agenda_lines(meeting, body)
    return "\n".join(lines).rstrip() + "\n"


def _between_sittings_lines(meeting: Meeting, tor) -> list[str]:
    """The decisions made between sittings that the ToR reports to this sitting, noted by it."""
    decisions = panels.decisions_reported_at(meeting)
    if not decisions:
        return []
    return ["Decisions made since the last sitting (noted)"] + [
        f"- {d(x.decided_on)}, {x.child.reference}: {x.outcome_label}. {x.decision} (decided by "
        f"{x.decided_by.name if x.decided_by else role_label(tor, x.role_id)}, {role_label(tor, x.role_id)}; "
        f"it could not wait: {x.why_urgent})" for x in decisions] + [""]


def _next_agenda_lines(meeting: Meeting, body) -> list[str]:
    """The children booked at the next sitting as agreed at a previous meeting (where the ToR agrees
    the agenda at the meeting): the agenda this meeting agreed."""
    target = next_sitting(meeting) if route_parts(body) else None
    if target is None:
        return []
    next_body = panels.body_of(target)
    agreed = [i for i in agenda_order(target, next_body, statuses=(ItemStatus.BOOKED,)) if i.entry_route == REVIEW_ROUTE]
    if not agreed:
        return []
    return [f"Agenda agreed for the next sitting ({d(target.date)})"] + [
        f"- {subject(i)}: {part_title(next_body, i.part_id)}" for i in agreed] + [""]
