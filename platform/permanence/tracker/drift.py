"""Drift and its escalation up the council's ladder.

A milestone past its due date is drift. ``sync_drift`` (run by every recompute) opens a
``Drift`` for each overdue milestone and closes it when the milestone is met or stops
applying. The nightly job calls ``climb_ladders``: the terms of reference's escalation
ladder (``escalation_ladders``, chosen by the body's ``escalation``) says how long after
the missed due date each step is reached; each step reached is recorded as an
``Escalation`` by the system and the people holding the step's role in the council are
told: ONE e-mail per person a night (``Tellings``), listing each child by reference with the
milestone, due date and step reached, or, the first time the council's run escalates anything
(straight after a 903 import or going live), a summary with a link to the drift list. A step
taken by hand is e-mailed at once. Each ``Escalation.notified`` holds who was told. Steps with the trigger ``chair_decision`` are never reached by time: a chair,
IRO, team manager or senior manager takes them with ``escalate_drift`` and a reason.
``acknowledge_drift`` records who saw the drift and what was decided; acknowledging does
not stop the clock, only meeting the milestone (or its ceasing to apply) closes drift.
``escalation_outlook`` says what comes next for open drift (the step due and when), so pages
show an escalation whose time has come but that the nightly run has not yet taken.
Nothing here commits.
"""

from __future__ import annotations

from collections import defaultdict, namedtuple
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..accounts.models import User
from ..cases.models import Child
from ..cases.people import role_holders
from ..core.db import by_id
from ..core.workdays import apply_offset
from ..extensions import db
from ..notifications.kinds import ESCALATION
from ..notifications.services import already_sent, link_to, queue_email
from ..tor import role_label
from ..tor.model import agreed_date_rule_id
from ..tor.timescales import ACHIEVED, ACHIEVED_LATE, OVERDUE, escalation_steps_reached
from .models import DECISIONS, Drift, DriftAcknowledgement, Escalation, Milestone

MAX_TEXT = 2000
MAX_LISTED = 500  # children listed in one e-mail; the drift list has the rest
AUTOMATIC = "milestone_overdue"


class TrackerError(ValueError):
    """Bad input; ``field`` names it (``decision``, ``note``, ``reason``)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


class DriftStateError(ValueError):
    """The drift cannot take this step as it stands (closed, no ladder, top of the ladder)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- Which ladder, and who is told ------------------------------------------------------------

def ladder_for(tor, rule_id: str):
    """The escalation ladder for a timescale: a tracking meeting's cadence, and a date a body agreed
    for the child, use that body's ladder;
    any other timescale the first body's that names one (else the council's first ladder)."""
    if tor is None or not tor.escalation_ladders:
        return None
    chosen = None
    for body in tor.bodies:
        own = any(rule_id == f"{body.id}-{c.id}" for c in body.per_child_cadence) or \
            rule_id.startswith(agreed_date_rule_id(body.id, ""))
        if own and body.escalation:
            chosen = body.escalation
            break
    if chosen is None:
        chosen = next((b.escalation for b in tor.bodies if b.escalation), None)
    try:
        return tor.ladder(chosen) if chosen else tor.escalation_ladders[0]
    except KeyError:
        return None


# --- Opening and closing -------------------------------------------------------------------------

# Open drift as ``tracker.services`` reads it for a recompute: plain rows, an ORM object loaded only
# for those the recompute changes (closed, moved, relabelled), whose flush the audit records.
OpenDrift = namedtuple("OpenDrift", ("id", "child_id", "rule_id", "label", "due", "milestone_id"))


def sync_drift(milestones: dict[tuple[int, str], object], open_drift: dict[tuple[int, str], object], tor,
               today: date, not_applicable: dict[tuple[int, str], str] | None = None) -> tuple[int, int]:
    """Open drift for overdue milestones without any, close open drift whose milestone is met or
    gone; returns (opened, closed). ``milestones`` are the children's current milestones (a
    ``Milestone``, or a plain row with its id where the recompute left it as stored); ``open_drift``
    the children's open drift (a ``Drift`` or an ``OpenDrift`` row); ``not_applicable`` says why each
    rule that no longer applies to a child stopped (the child left care, ...), which the closed drift
    keeps as its reason."""
    not_applicable = not_applicable or {}
    opened = closed = 0
    moved: list[tuple] = []  # (key, milestone) of open drift whose milestone, label or due changed
    for key, milestone in milestones.items():
        if milestone.status != OVERDUE:
            continue
        drift = open_drift.get(key)
        if drift is None:
            ladder = ladder_for(tor, milestone.rule_id)
            link = {"milestone": milestone} if isinstance(milestone, Milestone) else {"milestone_id": milestone.id}
            db.session.add(Drift(child_id=milestone.child_id, rule_id=milestone.rule_id, label=milestone.label,
                                 due=milestone.due, opened_on=today, ladder_id=ladder.id if ladder else None, **link))
            opened += 1
        elif milestone.id is None or drift.milestone_id != milestone.id or drift.label != milestone.label \
                or drift.due != milestone.due:
            moved.append((key, milestone))
    ending = [(key, drift) for key, drift in open_drift.items()
              if (m := milestones.get(key)) is None or m.status != OVERDUE]
    models = _as_models([open_drift[key] for key, _ in moved] + [drift for _, drift in ending])
    for key, milestone in moved:
        # A corrected record can move the due date; steps already taken stand.
        drift = models[open_drift[key].id]
        if isinstance(milestone, Milestone):
            drift.milestone = milestone
        elif drift.milestone_id != milestone.id:
            drift.milestone_id = milestone.id
        if drift.label != milestone.label:
            drift.label = milestone.label
        if drift.due != milestone.due:
            drift.due = milestone.due
    for key, row in ending:
        drift = models[row.id]
        milestone = milestones.get(key)
        drift.closed_on = today
        if milestone is None:
            drift.close_reason = _sentence(not_applicable.get(key)) or \
                "The terms of reference no longer have this timescale"
        elif milestone.status in (ACHIEVED, ACHIEVED_LATE):
            drift.close_reason = f"Achieved on {milestone.achieved:%-d %B %Y}"
        elif milestone.due is None:
            drift.close_reason = "No longer due: waiting again for the event it is measured from"
        else:
            drift.close_reason = f"Met; next due {milestone.due:%-d %B %Y}"
        closed += 1
    return opened, closed


def _as_models(drifts) -> dict[int, Drift]:
    """These open drifts as ORM objects by id: those given as ``OpenDrift`` rows loaded in one query."""
    models = {d.id: d for d in drifts if isinstance(d, Drift)}
    models.update(by_id(Drift, [d.id for d in drifts if not isinstance(d, Drift)]))
    return models


def _sentence(reason: str | None) -> str:
    """The engine's reason a rule does not apply (``stopped applying when the child left care on
    ...``, ``applies only where ...``) as a close reason."""
    reason = (reason or "").strip()
    if not reason:
        return ""
    text = reason[0].upper() + reason[1:] if reason.startswith("stopped") else f"No longer applies: {reason}"
    return text[:300]


# --- Climbing the ladder -------------------------------------------------------------------------

def _tell(tor, drift: Drift, child: Child, escalation: Escalation, ladder, cache: dict) -> list[str]:
    """One escalation taken by hand: its people are e-mailed at once, one notice each."""
    people = role_holders(tor, escalation.role, child, cache)
    for user in people:
        subject, body = notice_text(tor, user.name, [Told(drift, child, escalation, ladder)], escalation.escalated_on)
        queue_email(user.email, subject, body, kind=ESCALATION)
    return [u.email for u in people]


@dataclass(frozen=True)
class Told:
    """One step of one drift that a person is told of."""

    drift: Drift
    child: Child
    escalation: Escalation
    ladder: object


def _line(item: Told) -> str:
    drift, escalation, ladder = item.drift, item.escalation, item.ladder
    return (f"  - {drift.label}: was due {drift.due:%-d %B %Y} ({drift.days_overdue(escalation.escalated_on)} days "
            f"overdue); step {escalation.level} of {len(ladder.steps)} ({ladder.label}): {escalation.role_label}, "
            f"by {escalation.by_label}")


def _council(tor) -> str:
    return tor.council.short_name or tor.council.name


def notice_text(tor, name: str, items: list[Told], day: date) -> tuple[str, str]:
    """The subject and text of one e-mail telling one person of the escalations ``items``: the
    children by their reference (``Child.reference``, never a name), each milestone with its due
    date and the step reached, and the link to the drift list."""
    children: dict[int, list[Told]] = defaultdict(list)
    for item in items:
        children[item.child.id].append(item)
    order = sorted(children.values(), key=lambda told: told[0].child.case_number)
    tenant_id = items[0].child.tenant_id
    if len(order) == 1:
        first = order[0]
        roles = " and ".join(dict.fromkeys(t.escalation.role_label for t in first))
        labels = first[0].drift.label + (f" and {len(first) - 1} more" if len(first) > 1 else "")
        subject = f"Drift escalated to {roles}: {labels} (child {first[0].child.case_number})"
    else:
        subject = f"Drift escalated to you: {len(order)} children ({_council(tor)}, {day:%-d %B %Y})"
    lines = [f"Dear {name},", "",
             f"Drift on {_count(len(order))} has reached you under {_council(tor)}'s terms of reference "
             f"({_count(len(items), 'milestone')} overdue).", ""]
    for told in order[:MAX_LISTED]:
        lines.append(f"{told[0].child.reference}")
        lines += [_line(t) for t in told]
        reasons = dict.fromkeys(t.escalation.reason for t in told if t.escalation.manual)
        lines += [f"    Reason: {reason}" for reason in reasons]
        lines.append("")
    if len(order) > MAX_LISTED:
        lines += [f"... and {len(order) - MAX_LISTED} more children: the drift list has them all.", ""]
    lines += ["Sign in to Permanence to see the drift, acknowledge it and record what was decided:",
              link_to("tracker.drift_list", tenant_id), ""]
    return subject, "\n".join(lines)


def _count(n: int, noun: str = "child") -> str:
    if noun == "child":
        return "1 child's plan" if n == 1 else f"{n} children's plans"
    return f"{n} {noun}{'' if n == 1 else 's'}"


def summary_text(tor, name: str, items: list[Told], day: date) -> tuple[str, str]:
    """The one e-mail a person gets, instead of a list, the first time a council's nightly run
    escalates drift (after a 903 import or going live with years of history)."""
    children = len({item.child.id for item in items})
    subject = f"Drift on {children} children's plans reached you ({_council(tor)}, {day:%-d %B %Y})"
    body = (f"Dear {name},\n\n"
            f"{children} children's drift reached you under {_council(tor)}'s terms of reference "
            f"({_count(len(items), 'milestone')} overdue). This is the first time the nightly run has escalated "
            "drift in the council, so it is summarised here rather than listed child by child; from now on "
            "you are told each night of what newly reaches you.\n\n"
            "See the drift list, acknowledge each drift and record what was decided:\n"
            f"{link_to('tracker.drift_list', items[0].child.tenant_id)}\n")
    return subject, body


class Tellings:
    """The nightly run's escalations, collected per recipient address and sent as ONE e-mail to each
    (``send``): a list of the children, or, the first time the council escalates, a summary."""

    def __init__(self, tor, today: date, *, first: bool):
        self.tor, self.today, self.first = tor, today, first
        self.by_address: dict[str, tuple[User, list[Told]]] = {}

    def add(self, people: list[User], item: Told) -> list[str]:
        for user in people:
            self.by_address.setdefault(user.email.lower(), (user, []))[1].append(item)
        return [u.email for u in people]

    def send(self) -> int:
        """Queue one e-mail per address (keyed ``escalations:<day>``, so once a day; a later run the
        same day that takes new steps sends those alone, under a key of their own). Returns how many."""
        sent = 0
        for user, items in self.by_address.values():
            children = {item.child.id for item in items}
            make = summary_text if self.first and len(children) > 1 else notice_text
            subject, body = make(self.tor, user.name, items, self.today)
            key = f"escalations:{self.today.isoformat()}"
            if already_sent(key, user.email):
                key = f"{key}:{min(item.escalation.id for item in items)}"
            if queue_email(user.email, subject, body, reminder_key=key, kind=ESCALATION) is not None:
                sent += 1
        return sent


def _step(tor, drift: Drift, child: Child, ladder, index: int, today: date, *, reason: str, by: User | None,
          cache: dict, tellings: Tellings | None = None) -> Escalation:
    step = ladder.steps[index - 1]
    escalation = Escalation(level=index, role=step.role, role_label=step.title or role_label(tor, step.role),
                            escalated_on=today, manual=by is not None, by_user_id=by.id if by else None,
                            by_label=by.name if by else "system", reason=reason[:MAX_TEXT])
    drift.escalations.append(escalation)
    drift.level, drift.escalated_to = index, step.role
    if tellings is None:
        told = _tell(tor, drift, child, escalation, ladder, cache)
    else:
        told = tellings.add(role_holders(tor, escalation.role, child, cache), Told(drift, child, escalation, ladder))
    escalation.notified = "\n".join(told)
    return escalation


def climb_ladders(tor, today: date) -> list[Escalation]:
    """Take every step of the ladders that open drift has reached by ``today`` (nightly)."""
    if tor is None:
        return []
    drifts = db.session.execute(
        select(Drift).where(Drift.closed_on.is_(None), Drift.ladder_id.is_not(None))
        .options(selectinload(Drift.escalations)).order_by(Drift.id)).scalars().all()
    children = {c.id: c for c in db.session.execute(
        select(Child).where(Child.id.in_({d.child_id for d in drifts}))).scalars()} if drifts else {}
    cache: dict = {}
    taken = []
    # The council's first escalations (straight after an import or going live): a summary each.
    first = db.session.execute(select(Escalation.id).limit(1)).first() is None
    tellings = Tellings(tor, today, first=first)
    for drift in drifts:
        try:
            ladder = tor.ladder(drift.ladder_id)
        except KeyError:
            continue  # the ladder left the terms of reference; nothing to climb
        reached = escalation_steps_reached(ladder, drift.due, today, trigger=AUTOMATIC)
        for index, step in enumerate(ladder.steps, start=1):
            if index <= drift.level or not any(step is r for r in reached):
                continue
            reason = (f"Overdue since {drift.due:%-d %B %Y}: the terms of reference escalate to "
                      f"{step.title or role_label(tor, step.role)} {step.after.describe()} after the due date")
            taken.append(_step(tor, drift, children[drift.child_id], ladder, index, today, reason=reason, by=None,
                               cache=cache, tellings=tellings))
    db.session.flush()  # the escalations' ids, for a second run's key
    tellings.send()
    return taken


# --- People acting on drift ------------------------------------------------------------------------

def _text(value: str | None, field: str, missing: str) -> str:
    value = (value or "").strip()
    if not value:
        raise TrackerError(field, missing)
    if len(value) > MAX_TEXT:
        raise TrackerError(field, f"The {field} must be {MAX_TEXT} characters or fewer")
    return value


def _open(drift: Drift) -> None:
    if not drift.is_open:
        raise DriftStateError(f"This drift was closed on {drift.closed_on:%-d %B %Y} ({drift.close_reason})")


def acknowledge_drift(drift: Drift, decision: str | None, note: str | None, *, by: User,
                      today: date) -> DriftAcknowledgement:
    """Record that ``by`` has seen the drift and what was decided (a choice and a note)."""
    if decision not in DECISIONS:
        raise TrackerError("decision", "Select what was decided")
    note = _text(note, "note", "Enter what was decided and why")
    _open(drift)
    ack = DriftAcknowledgement(acknowledged_on=today, by_user_id=by.id, by_label=by.name, decision=decision,
                               note=note)
    drift.acknowledgements.append(ack)
    db.session.flush()
    return ack


def next_step(tor, drift: Drift):
    """The ladder step a manual escalation would take the drift to, or None."""
    ladder = ladder_of(tor, drift)
    if ladder is None or drift.level >= len(ladder.steps):
        return None
    return ladder.steps[drift.level]


def ladder_of(tor, drift: Drift):
    """The ladder the drift climbs, or None."""
    if tor is None or drift.ladder_id is None:
        return None
    try:
        return tor.ladder(drift.ladder_id)
    except KeyError:
        return None


def escalate_drift(drift: Drift, reason: str | None, *, by: User, tor, today: date) -> Escalation:
    """Take the drift one step up its ladder now, with the reason given (told by e-mail)."""
    reason = _text(reason, "reason", "Enter the reason for escalating")
    _open(drift)
    ladder = ladder_of(tor, drift)
    if ladder is None:
        raise DriftStateError("The terms of reference set no escalation ladder for this drift")
    if drift.level >= len(ladder.steps):
        raise DriftStateError(f"This drift is already at the top of the ladder ({role_label(tor, drift.escalated_to)})")
    child = db.session.get(Child, drift.child_id)
    escalation = _step(tor, drift, child, ladder, drift.level + 1, today, reason=reason, by=by, cache={})
    db.session.flush()
    return escalation


@dataclass(frozen=True)
class Outlook:
    """What comes next for open drift on its ladder, in words for the pages. ``pending``: the ladder's
    time for a step has come but the step is not recorded yet (the nightly run takes it and tells
    the people holding the role), so a page never calls long-overdue drift simply "not escalated"."""

    text: str
    pending: bool = False
    on: date | None = None


def escalation_outlook(tor, drift: Drift, today: date) -> Outlook:
    """The next step the drift climbs to and when: by time (``due to escalate to X on <date>``), by
    the chair's decision, or none (top of the ladder, no ladder, closed)."""
    if not drift.is_open:
        return Outlook(f"Closed on {drift.closed_on:%-d %B %Y}")
    ladder = ladder_of(tor, drift)
    if ladder is None:
        return Outlook("The terms of reference set no escalation ladder")
    later = list(enumerate(ladder.steps, start=1))[drift.level:]
    if not later:
        return Outlook("At the top of the escalation ladder")
    timed = [step for _, step in later if step.trigger == AUTOMATIC]
    if timed:
        step = timed[0]
        on = apply_offset(drift.due, step.after)
        who = step.title or role_label(tor, step.role)
        if on <= today:
            return Outlook(f"Due to escalate to {who} on {on:%-d %B %Y}: waiting for the nightly run, which "
                           "records it and tells them", pending=True, on=on)
        return Outlook(f"Due to escalate to {who} on {on:%-d %B %Y}", on=on)
    step = later[0][1]
    who = step.title or role_label(tor, step.role)
    if step.trigger == "chair_decision":
        return Outlook(f"Escalates to {who} when the chair decides")
    return Outlook(f"Escalates to {who} when an action is overdue")


def open_drift_of(child_id: int) -> list[Drift]:
    return list(db.session.execute(
        select(Drift).where(Drift.child_id == child_id).order_by(Drift.closed_on.is_not(None), Drift.due.desc(), Drift.id)
    ).scalars())
