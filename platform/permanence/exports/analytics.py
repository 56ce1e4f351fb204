"""The council's data for its own analysts: flat CSV files (one row per record, stable snake_case
column names, ISO dates, ids to join on) of its meetings, agenda items, decisions, actions,
milestones, drift and escalations, and the children they concern, with a data dictionary.

Each table is a list of ``Column``\\ s (name, type, meaning, where it comes from, and how its value
is read from a record), so the files and the dictionary are written from the same list and cannot
disagree. The children are named by case number only, never by name, and free text (discussion,
decisions, reasons, notes) is left out: it names people. Which rows: the children a
``select(Child)`` statement gives (for a person, ``accounts.permissions.visible``; for the
scheduled export, every child of the council), and the other tables' rows for those children.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Callable, Iterable, Iterator

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from ..cases import codes
from ..cases.models import Child
from ..extensions import db
from ..panels.models import Action, AgendaItem, ItemStatus, Meeting, UrgentDecision
from ..tor import TorConfigError
from ..tor.services import tor_of
from ..tracker.models import Drift, Escalation, Milestone
from ..core.tables import safe_text

BOM = "\ufeff"
INTEGER, TEXT, DATE, DATETIME, BOOLEAN = "integer", "text", "date", "date and time", "true/false"
TYPE_MEANINGS = {
    INTEGER: "A whole number.",
    TEXT: "Text.",
    DATE: "A date, written YYYY-MM-DD.",
    DATETIME: "A moment, in UTC, written YYYY-MM-DDTHH:MM:SSZ.",
    BOOLEAN: "true or false; empty where not recorded.",
}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    description: str
    source: str
    get: Callable[[Any, "Scope"], Any] = field(compare=False, repr=False)


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    columns: tuple[Column, ...]
    records: Callable[["Scope"], Iterable[Any]] = field(compare=False, repr=False)
    # The SELECTs of its rows (``records`` loads them with what their columns read), for counting.
    statements: Callable[["Scope"], tuple[Select, ...]] = field(compare=False, repr=False)

    @property
    def filename(self) -> str:
        return f"{self.name}.csv"


@dataclass
class Scope:
    """What one export covers: the children's statement (already restricted) and the day it is made."""

    children: Any  # a select(Child) statement
    today: date
    _bodies: dict = field(default_factory=dict)

    def child_ids(self):
        return self.children.with_only_columns(Child.id).order_by(None)

    def group_ids(self):
        return (self.children.with_only_columns(Child.sibling_group_id).order_by(None)
                .where(Child.sibling_group_id.is_not(None)))

    def body(self, tor_version, body_id: str):
        """The body of a meeting's (or decision's) terms of reference, or None if it names none."""
        key = (tor_version.id, body_id)
        if key not in self._bodies:
            try:
                self._bodies[key] = tor_of(tor_version).body(body_id)
            except (KeyError, TorConfigError):  # a body the version no longer names; a version not readable
                self._bodies[key] = None
        return self._bodies[key]

    def body_label(self, tor_version, body_id: str) -> str:
        body = self.body(tor_version, body_id)
        return body.name if body is not None else body_id

    def outcome_label(self, tor_version, body_id: str, outcome_id: str | None) -> str | None:
        if not outcome_id:
            return None
        body = self.body(tor_version, body_id)
        if body is None:
            return outcome_id
        return next((o.label for o in body.outcomes if o.id == outcome_id), outcome_id)


def _attr(name: str):
    return lambda record, scope: getattr(record, name)


def _value(value):
    return getattr(value, "value", value)  # an enum's stored value


def _enum(name: str):
    return lambda record, scope: _value(getattr(record, name))


# --- Children ----------------------------------------------------------------------------------

def _children(scope: Scope):
    stmt = scope.children.order_by(None).order_by(Child.case_number, Child.id).options(
        selectinload(Child.team), selectinload(Child.social_worker), selectinload(Child.care_periods),
        selectinload(Child.legal_statuses), selectinload(Child.plans))
    return db.session.execute(stmt).scalars()


def _current(rows, day: date):
    current = [r for r in rows if r.current_on(day)]
    return current[-1] if current else None


def _legal_status(child: Child, scope: Scope):
    if _current(child.care_periods, scope.today) is None:
        return None  # a legal status is of a period of care
    return _current(child.legal_statuses, scope.today)


def _legal_status_words(status) -> str | None:
    if status is None:
        return None
    words = codes.LEGAL_STATUSES.get(status.code, status.code)
    return words[:1].upper() + words[1:]


def _plan(child: Child, scope: Scope):
    return _current([p for p in child.plans if p.kind == "primary"], scope.today)


def _maybe(getter, attr):
    def get(record, scope):
        found = getter(record, scope)
        return getattr(found, attr) if found is not None else None
    return get


CHILDREN = Table("children", "One row per child. Never the child's name: inside the council, join on case_number "
                 "to the case record system. Other tables join on child_id.", (
    Column("child_id", INTEGER, "The platform's number for the child; other tables' child_id joins here.",
           "Child record", _attr("id")),
    Column("case_number", TEXT, "The council's case record number for the child (the SSDA903 CHILD id).",
           "Child record", _attr("case_number")),
    Column("sibling_group_id", INTEGER, "The sibling group the child is considered with, if any; agenda items of "
           "a sibling group carry it instead of a child_id.", "Child record", _attr("sibling_group_id")),
    Column("birth_month", TEXT, "The month and year of birth, written YYYY-MM (the day is left out).",
           "Child record", lambda c, s: c.date_of_birth.strftime("%Y-%m") if c.date_of_birth else None),
    Column("sex", TEXT, "SSDA903 sex code: M, F or U.", "Child record", _attr("sex")),
    Column("ethnicity", TEXT, "SSDA903 ethnicity code.", "Child record", _attr("ethnicity")),
    Column("team_id", INTEGER, "The platform's number for the child's social work team.", "Child's allocation",
           _attr("team_id")),
    Column("team_name", TEXT, "The child's social work team.", "Child's allocation",
           lambda c, s: c.team.name if c.team else None),
    Column("social_worker_id", INTEGER, "The platform's number for the allocated social worker.",
           "Child's allocation", _attr("social_worker_id")),
    Column("social_worker_name", TEXT, "The allocated social worker's name.", "Child's allocation",
           lambda c, s: c.social_worker.name if c.social_worker else None),
    Column("team_manager_id", INTEGER, "The platform's number for the child's team manager.", "Child's allocation",
           _attr("team_manager_id")),
    Column("iro_id", INTEGER, "The platform's number for the child's independent reviewing officer.",
           "Child's allocation", _attr("iro_id")),
    Column("looked_after_now", BOOLEAN, "Whether a period of care is open on the day of the export.",
           "Periods of care", lambda c, s: _current(c.care_periods, s.today) is not None),
    Column("legal_status_code", TEXT, "The SSDA903 legal status held on the day of the export (empty if not "
           "looked after).", "Legal statuses", _maybe(_legal_status, "code")),
    Column("legal_status_label", TEXT, "What the legal status code means.", "Legal statuses",
           lambda c, s: _legal_status_words(_legal_status(c, s))),
    Column("legal_status_start", DATE, "The day the current legal status began.", "Legal statuses",
           _maybe(_legal_status, "start")),
    Column("plan_route", TEXT, "The primary permanence plan's route on the day of the export, as a code.",
           "Permanence plans", _maybe(_plan, "route")),
    Column("plan_route_label", TEXT, "What the plan's route means (Adoption, Special guardianship, ...).",
           "Permanence plans", _maybe(_plan, "route_label")),
    Column("plan_agreed_on", DATE, "The day the current primary plan was agreed.", "Permanence plans",
           _maybe(_plan, "agreed_on")),
), _children, lambda scope: (scope.children,))


# --- Meetings ----------------------------------------------------------------------------------

def _meetings(scope: Scope):
    return db.session.execute(_meetings_stmt(scope).order_by(Meeting.date, Meeting.id).options(
        selectinload(Meeting.tor_version), selectinload(Meeting.minutes))).scalars()


def _meetings_stmt(scope: Scope):
    return select(Meeting)


def _minutes(name: str):
    def get(meeting, scope):
        return _value(getattr(meeting.minutes, name)) if meeting.minutes is not None else None
    return get


MEETINGS = Table("meetings", "One row per sitting of a panel (scheduled, held or cancelled). Names no child.", (
    Column("meeting_id", INTEGER, "The platform's number for the sitting; agenda items join on it.", "Meetings",
           _attr("id")),
    Column("body_id", TEXT, "The panel, by its id in the terms of reference.", "Terms of reference",
           _attr("body_id")),
    Column("body_label", TEXT, "The panel's name in the terms of reference.", "Terms of reference",
           lambda m, s: s.body_label(m.tor_version, m.body_id)),
    Column("date", DATE, "The day of the sitting.", "Meetings", _attr("date")),
    Column("starts_at", DATETIME, "When the sitting starts.", "Meetings", _attr("starts_at")),
    Column("status", TEXT, "scheduled or cancelled.", "Meetings", _enum("status")),
    Column("added_by_hand", BOOLEAN, "Added by a person rather than generated from the panel's cadence.",
           "Meetings", _attr("added_by_hand")),
    Column("moved_from", DATE, "The day the sitting was first set for, if it was moved.", "Meetings",
           _attr("moved_from")),
    Column("quorate", BOOLEAN, "Whether the sitting was quorate in every agenda part (empty until attendance is "
           "taken).", "Attendance", _attr("quorate")),
    Column("agenda_published_at", DATETIME, "When the agenda was published to members and presenters.",
           "Agenda", _attr("agenda_published_at")),
    Column("minutes_status", TEXT, "draft, approved or circulated; empty if no minutes have been started.",
           "Minutes", _minutes("status")),
    Column("minutes_approved_at", DATETIME, "When the chair approved the minutes.", "Minutes",
           _minutes("approved_at")),
    Column("minutes_circulated_at", DATETIME, "When the minutes were circulated.", "Minutes",
           _minutes("circulated_at")),
), _meetings, lambda scope: (_meetings_stmt(scope),))


# --- Agenda items and decisions ----------------------------------------------------------------

def _items_stmt(scope: Scope):
    """The agenda items of the scope's children (or their sibling groups), and requests about no child."""
    return select(AgendaItem).where(or_(
        AgendaItem.child_id.in_(scope.child_ids()),
        AgendaItem.sibling_group_id.in_(scope.group_ids()),
        (AgendaItem.child_id.is_(None) & AgendaItem.sibling_group_id.is_(None)),
    ))


def _agenda_items(scope: Scope):
    return db.session.execute(_items_stmt(scope).order_by(AgendaItem.id).options(
        selectinload(AgendaItem.meeting).selectinload(Meeting.tor_version))).scalars()


def _item_outcome_label(item, scope):
    return scope.outcome_label(item.meeting.tor_version, item.meeting.body_id, item.outcome_id)


AGENDA_ITEMS = Table("agenda_items", "One row per agenda item: a child (or sibling group) referred or proposed to a "
                     "sitting, and what the sitting made of it; or a request. The discussion, decision text and "
                     "referral answers are left out (free text names people).", (
    Column("item_id", INTEGER, "The platform's number for the item.", "Agenda items", _attr("id")),
    Column("meeting_id", INTEGER, "The sitting it is (or was) for; joins meetings.meeting_id.", "Agenda items",
           _attr("meeting_id")),
    Column("part_id", TEXT, "The agenda part, by its id in the terms of reference.", "Agenda items",
           _attr("part_id")),
    Column("child_id", INTEGER, "The child; empty for a sibling group's item or a request about no child.",
           "Agenda items", _attr("child_id")),
    Column("sibling_group_id", INTEGER, "The sibling group considered together, if the item is theirs; joins "
           "children.sibling_group_id.", "Agenda items", _attr("sibling_group_id")),
    Column("entry_route", TEXT, "How it came onto the agenda: referral, a proposal's route, or request.",
           "Agenda items", _attr("entry_route")),
    Column("status", TEXT, "Where the item is: proposed, draft, awaiting_qa, returned, submitted, late_pending, "
           "booked, heard, deferred, not_heard, withdrawn, declined or dismissed.", "Agenda items", _enum("status")),
    Column("proposed", BOOLEAN, "Put forward by a cohort rule, an extract or the previous meeting rather than "
           "referred by a person.", "Agenda items", lambda i, s: bool(i.proposal_source)),
    Column("referred_at", DATETIME, "When the referral was started.", "Referrals", _attr("referred_at")),
    Column("quality_assured_at", DATETIME, "When the referral was quality-assured.", "Referrals",
           _attr("quality_assured_at")),
    Column("submitted_at", DATETIME, "When the referral was submitted to the panel.", "Referrals",
           _attr("submitted_at")),
    Column("late", BOOLEAN, "Submitted after the terms of reference's deadline.", "Referrals", _attr("late")),
    Column("carried_from_item_id", INTEGER, "The item of an earlier sitting this one was carried from.",
           "Agenda items", _attr("carried_from_id")),
    Column("outcome_id", TEXT, "The outcome the sitting recorded, by its id in the terms of reference.",
           "Meeting record", _attr("outcome_id")),
    Column("outcome_label", TEXT, "The outcome's words in the terms of reference.", "Terms of reference",
           _item_outcome_label),
    Column("recorded_at", DATETIME, "When the sitting's record of the item was saved.", "Meeting record",
           _attr("recorded_at")),
    Column("next_review_on", DATE, "The next review the sitting set.", "Meeting record", _attr("next_review_on")),
    Column("escalate", BOOLEAN, "Whether the sitting escalated the item.", "Meeting record", _attr("escalate")),
    Column("sign_off_role", TEXT, "The role whose agreement the outcome needs (a named decision maker), if any.",
           "Meeting record", _attr("sign_off_role")),
    Column("sign_off_agreed", BOOLEAN, "Whether the decision maker agreed (empty while awaited).",
           "Meeting record", _attr("sign_off_agreed")),
    Column("signed_off_at", DATETIME, "When the decision maker agreed or disagreed.", "Meeting record",
           _attr("signed_off_at")),
), _agenda_items, lambda scope: (_items_stmt(scope),))


@dataclass(frozen=True)
class _Decision:
    """A heard item's outcome, or a decision made between sittings, as one row."""

    kind: str
    record: Any


def _decisions_stmts(scope: Scope) -> tuple[Select, Select]:
    """The heard items with an outcome, and the decisions made between sittings, of the scope's children."""
    heard = _items_stmt(scope).where(AgendaItem.status == ItemStatus.HEARD, AgendaItem.outcome_id.is_not(None))
    return heard, select(UrgentDecision).where(UrgentDecision.child_id.in_(scope.child_ids()))


def _decisions(scope: Scope) -> Iterator[_Decision]:
    heard, between = _decisions_stmts(scope)
    items = db.session.execute(heard.order_by(AgendaItem.id).options(
        selectinload(AgendaItem.meeting).selectinload(Meeting.tor_version))).scalars().all()
    between = db.session.execute(between.order_by(UrgentDecision.id).options(
        selectinload(UrgentDecision.tor_version))).scalars().all()
    rows = [_Decision("at_a_sitting", i) for i in items] + [_Decision("between_sittings", u) for u in between]
    return iter(sorted(rows, key=_decided_on_key))


def _decided_on(d: _Decision) -> date:
    return d.record.meeting.date if d.kind == "at_a_sitting" else d.record.decided_on


def _decided_on_key(d: _Decision):
    return (_decided_on(d), d.kind, d.record.id)


def _of(sitting, between):
    """A decision's value: ``sitting(item, scope)`` or ``between(urgent decision, scope)``."""
    return lambda d, s: (sitting if d.kind == "at_a_sitting" else between)(d.record, s)


def _none(record, scope):
    return None


def _body_id(d: _Decision) -> str:
    return d.record.meeting.body_id if d.kind == "at_a_sitting" else d.record.body_id


def _version(d: _Decision):
    return d.record.meeting.tor_version if d.kind == "at_a_sitting" else d.record.tor_version


DECISIONS = Table("decisions", "One row per decision: an outcome a sitting recorded for a heard item, and a "
                  "decision made between sittings because it could not wait. The decision's words are left out.", (
    Column("decision_id", TEXT, "A stable id: item-<item_id> for a sitting's decision, between-<number> for one "
           "made between sittings.", "Agenda items; decisions between sittings",
           _of(lambda i, s: f"item-{i.id}", lambda u, s: f"between-{u.id}")),
    Column("kind", TEXT, "at_a_sitting or between_sittings.", "Agenda items; decisions between sittings",
           lambda d, s: d.kind),
    Column("decided_on", DATE, "The day of the sitting, or the day decided between sittings.",
           "Meetings; decisions between sittings", lambda d, s: _decided_on(d)),
    Column("body_id", TEXT, "The panel, by its id in the terms of reference.", "Terms of reference",
           lambda d, s: _body_id(d)),
    Column("body_label", TEXT, "The panel's name in the terms of reference.", "Terms of reference",
           lambda d, s: s.body_label(_version(d), _body_id(d))),
    Column("meeting_id", INTEGER, "The sitting (empty between sittings); joins meetings.meeting_id.", "Agenda items",
           _of(_attr("meeting_id"), _none)),
    Column("item_id", INTEGER, "The agenda item (empty between sittings); joins agenda_items.item_id.",
           "Agenda items", _of(_attr("id"), _none)),
    Column("child_id", INTEGER, "The child; empty for a sibling group's item.", "Agenda items; decisions between "
           "sittings", _of(_attr("child_id"), _attr("child_id"))),
    Column("sibling_group_id", INTEGER, "The sibling group, for a sibling group's item.", "Agenda items",
           _of(_attr("sibling_group_id"), _none)),
    Column("outcome_id", TEXT, "The outcome, by its id in the terms of reference.", "Meeting record; decisions "
           "between sittings", _of(_attr("outcome_id"), _attr("outcome_id"))),
    Column("outcome_label", TEXT, "The outcome's words in the terms of reference.", "Terms of reference",
           lambda d, s: (s.outcome_label(_version(d), _body_id(d), d.record.outcome_id)
                         if d.kind == "at_a_sitting" else d.record.outcome_label or d.record.outcome_id)),
    Column("decided_by_role", TEXT, "The role of the terms of reference that decided between sittings (empty for "
           "a sitting's decision).", "Decisions between sittings", _of(_none, _attr("role_id"))),
    Column("next_review_on", DATE, "The next review the sitting set.", "Meeting record",
           _of(_attr("next_review_on"), _none)),
    Column("sign_off_agreed", BOOLEAN, "Whether the named decision maker agreed (empty if none was needed or while "
           "awaited).", "Meeting record", _of(_attr("sign_off_agreed"), _none)),
), _decisions, _decisions_stmts)


# --- Actions -------------------------------------------------------------------------------------

def _actions_stmt(scope: Scope):
    """The actions about the scope's children, and those of their sibling groups' items (no child named)."""
    return select(Action).where(or_(
        Action.child_id.in_(scope.child_ids()),
        Action.child_id.is_(None) & Action.agenda_item_id.in_(_items_stmt(scope).with_only_columns(AgendaItem.id)),
    ))


def _actions(scope: Scope):
    return db.session.execute(_actions_stmt(scope).order_by(Action.due_on, Action.id).options(
        selectinload(Action.agenda_item), selectinload(Action.owner))).scalars()


ACTIONS = Table("actions", "One row per action agreed about a child at a sitting: who, by when, and where it "
                "stands. What the action says is left out (free text names people).", (
    Column("action_id", INTEGER, "The platform's number for the action.", "Actions", _attr("id")),
    Column("child_id", INTEGER, "The child the action is about.", "Actions", _attr("child_id")),
    Column("item_id", INTEGER, "The agenda item it was agreed at; joins agenda_items.item_id.", "Actions",
           _attr("agenda_item_id")),
    Column("meeting_id", INTEGER, "The sitting it was agreed at; joins meetings.meeting_id.", "Actions",
           lambda a, s: a.agenda_item.meeting_id if a.agenda_item else None),
    Column("owner_id", INTEGER, "The platform's number for the person who owns the action.", "Actions",
           _attr("owner_id")),
    Column("owner_name", TEXT, "The owner's name.", "Actions", lambda a, s: a.owner.name if a.owner else None),
    Column("due_on", DATE, "The day it is due.", "Actions", _attr("due_on")),
    Column("status", TEXT, "open, done or cancelled.", "Actions", _enum("status")),
    Column("completed_on", DATE, "The day it was done.", "Actions", _attr("completed_on")),
    Column("overdue", BOOLEAN, "Open and past its due day on the day of the export.", "Actions",
           lambda a, s: a.overdue_on(s.today)),
), _actions, lambda scope: (_actions_stmt(scope),))


# --- Milestones, drift, escalations ------------------------------------------------------------

def _milestones_stmt(scope: Scope):
    return select(Milestone).where(Milestone.child_id.in_(scope.child_ids()))


def _milestones(scope: Scope):
    return db.session.execute(_milestones_stmt(scope).order_by(Milestone.child_id, Milestone.due, Milestone.id)).scalars()


MILESTONES = Table("milestones", "One row per timescale that applies to a child: when it is due and whether it was "
                   "met, as the tracker keeps it (worked out from the record and the terms of reference).", (
    Column("milestone_id", INTEGER, "The platform's number for the milestone; drift joins on it.", "Tracker",
           _attr("id")),
    Column("child_id", INTEGER, "The child.", "Tracker", _attr("child_id")),
    Column("rule_id", TEXT, "The timescale, by its id in the terms of reference (or the statutory one's).",
           "Terms of reference", _attr("rule_id")),
    Column("label", TEXT, "The timescale's name.", "Terms of reference", _attr("label")),
    Column("rule_origin", TEXT, "Where the rule comes from: statutory, tenant (the terms of reference), cadence "
           "(tracking meetings) or agreed (a date a meeting agreed for the child).", "Terms of reference",
           _attr("rule_origin")),
    Column("rule_source", TEXT, "The section of the terms of reference or the statute the rule is from.",
           "Terms of reference", _attr("rule_source")),
    Column("anchor_event", TEXT, "The event the due date is counted from.", "Terms of reference",
           _attr("anchor_event")),
    Column("anchor_date", DATE, "The day of that event.", "Child record", _attr("anchor_date")),
    Column("due", DATE, "The day it is due (empty while waiting for the event).", "Tracker", _attr("due")),
    Column("achieved", DATE, "The day it was met.", "Tracker", _attr("achieved")),
    Column("status", TEXT, "upcoming, due_soon, overdue, achieved, achieved_late, not_applicable or waiting.",
           "Tracker", _attr("status")),
    Column("computed_at", DATETIME, "When the tracker last worked out a change to it.", "Tracker", _attr("computed_at")),
), _milestones, lambda scope: (_milestones_stmt(scope),))


def _drift_stmt(scope: Scope):
    return select(Drift).where(Drift.child_id.in_(scope.child_ids()))


def _drift(scope: Scope):
    return db.session.execute(_drift_stmt(scope).order_by(Drift.opened_on, Drift.id)).scalars()


DRIFT = Table("drift", "One row per drift: a milestone gone past its due day, open until it is met or stops "
              "applying, and the step of the escalation ladder it reached.", (
    Column("drift_id", INTEGER, "The platform's number for the drift; escalations join on it.", "Tracker",
           _attr("id")),
    Column("child_id", INTEGER, "The child.", "Tracker", _attr("child_id")),
    Column("milestone_id", INTEGER, "The milestone missed; joins milestones.milestone_id.", "Tracker",
           _attr("milestone_id")),
    Column("rule_id", TEXT, "The timescale, by its id in the terms of reference.", "Terms of reference",
           _attr("rule_id")),
    Column("label", TEXT, "The timescale's name.", "Terms of reference", _attr("label")),
    Column("due", DATE, "The due day that was missed.", "Tracker", _attr("due")),
    Column("opened_on", DATE, "The day the drift was opened.", "Tracker", _attr("opened_on")),
    Column("closed_on", DATE, "The day it was closed (empty while open).", "Tracker", _attr("closed_on")),
    Column("close_reason", TEXT, "Why it was closed (the milestone met, the child left care, ...).", "Tracker",
           _attr("close_reason")),
    Column("open", BOOLEAN, "Open on the day of the export.", "Tracker", lambda d, s: d.is_open),
    Column("days_overdue", INTEGER, "Days from the due day to the day it closed, or to the day of the export if "
           "open.", "Tracker", lambda d, s: d.days_overdue(s.today)),
    Column("ladder_id", TEXT, "The escalation ladder, by its id in the terms of reference.", "Terms of reference",
           _attr("ladder_id")),
    Column("escalation_level", INTEGER, "The ladder step reached (0: not escalated).", "Tracker", _attr("level")),
    Column("escalated_to", TEXT, "The role of the step reached, by its id in the terms of reference.",
           "Terms of reference", _attr("escalated_to")),
), _drift, lambda scope: (_drift_stmt(scope),))


def _escalations_stmt(scope: Scope):
    return select(Escalation).join(Drift, Escalation.drift_id == Drift.id).where(
        Drift.child_id.in_(scope.child_ids()))


def _escalations(scope: Scope):
    return db.session.execute(_escalations_stmt(scope).order_by(Escalation.escalated_on, Escalation.id)
                              .options(selectinload(Escalation.drift))).scalars()


ESCALATIONS = Table("escalations", "One row per step of a drift up its escalation ladder. The reason given is left "
                    "out (free text).", (
    Column("escalation_id", INTEGER, "The platform's number for the step.", "Tracker", _attr("id")),
    Column("drift_id", INTEGER, "The drift; joins drift.drift_id.", "Tracker", _attr("drift_id")),
    Column("child_id", INTEGER, "The child.", "Tracker", lambda e, s: e.drift.child_id),
    Column("level", INTEGER, "The ladder step (1 is the first).", "Tracker", _attr("level")),
    Column("role", TEXT, "The role escalated to, by its id in the terms of reference.", "Terms of reference",
           _attr("role")),
    Column("role_label", TEXT, "The role's name.", "Terms of reference", _attr("role_label")),
    Column("escalated_on", DATE, "The day of the step.", "Tracker", _attr("escalated_on")),
    Column("by_a_person", BOOLEAN, "Escalated by a person (true) or by the platform when the ladder's time ran out "
           "(false).", "Tracker", _attr("manual")),
    Column("by_user_id", INTEGER, "The person who escalated it, if a person did.", "Tracker", _attr("by_user_id")),
    Column("people_told", INTEGER, "How many people were e-mailed.", "Tracker", lambda e, s: len(e.notified_list)),
), _escalations, lambda scope: (_escalations_stmt(scope),))


TABLES: tuple[Table, ...] = (CHILDREN, MEETINGS, AGENDA_ITEMS, DECISIONS, ACTIONS, MILESTONES, DRIFT, ESCALATIONS)
DICTIONARY_FILENAME = "data_dictionary.csv"
DICTIONARY_COLUMNS = ("table", "column", "type", "description", "source")


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(name)


# --- Writing ------------------------------------------------------------------------------------

def cell(value) -> str | int:
    """One value as the files write it: ISO dates, UTC moments, true/false, text safe from formulas."""
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(timezone.utc)
        return value.replace(tzinfo=None, microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return safe_text(value)
    return value


def _line(values) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(values)
    return buffer.getvalue()


def table_lines(t: Table, scope: Scope) -> Iterator[str]:
    """The table as CSV lines, header first, a row at a time."""
    yield _line(c.name for c in t.columns)
    for record in t.records(scope):
        yield _line(cell(c.get(record, scope)) for c in t.columns)


def dictionary_rows() -> list[tuple[str, str, str, str, str]]:
    return [(t.name, c.name, c.type, c.description, c.source) for t in TABLES for c in t.columns]


def dictionary_lines() -> Iterator[str]:
    yield _line(DICTIONARY_COLUMNS)
    for row in dictionary_rows():
        yield _line(cell(v) for v in row)


def _count(stmt: Select) -> int:
    return db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()


def row_counts(scope: Scope) -> dict[str, int]:
    """Each table's number of rows, counted by the database (no record loaded)."""
    return {t.name: sum(_count(stmt) for stmt in t.statements(scope)) for t in TABLES}


def zip_name(slug: str, day: date) -> str:
    return f"analytics-{slug}-{day.isoformat()}.zip"


def write_zip(target, scope: Scope) -> dict[str, int]:
    """Every table and the dictionary, each a UTF-8 CSV with a byte-order mark, into ``target`` (a path
    or a binary file); returns each table's row count."""
    counts: dict[str, int] = {}
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for t in TABLES:
            with archive.open(t.filename, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
                out.write(BOM)
                lines = table_lines(t, scope)
                out.write(next(lines))
                count = 0
                for line in lines:
                    out.write(line)
                    count += 1
                counts[t.name] = count
        with archive.open(DICTIONARY_FILENAME, "w") as raw, io.TextIOWrapper(raw, encoding="utf-8", newline="") as out:
            out.write(BOM)
            out.writelines(dictionary_lines())
    return counts
