"""A panel's report for a period: figures only (counts, never a child's name or case number).

A report is per body of the council's terms of reference (a panel) and per period: a financial
quarter, a financial year (1 April to 31 March) or dates chosen by hand. It is a list of sections,
each with a title, what it counts, one table and one chart of that table's figures. The sections
are built by the functions in ``SECTION_BUILDERS``, in order: a further section (the practice
themes items are tagged with is the last) is one more builder appended there.

No Flask request here: the pages (``views``), the PDF (``pdf``), the CSV (``as_csv``) and a
scheduled job all call ``build_report``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..audit import services as audit
from ..cases import codes
from ..cases.models import LegalStatus, PermanencePlan
from ..core.clock import london_today, utcnow
from ..core.context import tenant_context
from ..core.tables import safe_text
from ..documents.services import paperwork_status
from ..documents.subjects import subject
from ..extensions import db
from ..minutes.services import minutes_due
from ..panels.models import (ON_THE_AGENDA, Action, ActionStatus, AgendaItem, AttendanceStatus, ItemStatus, Meeting,
                             MeetingStatus, UrgentDecision)
from ..panels.services import meeting_deadlines
from ..referrals.rules import closes_at, papers_deadline, referral_deadline
from ..tenancy.models import Tenant
from ..tor import model as tor_model
from ..tor import role_label
from ..tor.services import current_tor
from ..tracker.models import CohortMember, Drift, Escalation

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
LONGEST_PERIOD_DAYS = 5 * 366  # a custom period longer than five years is refused
FIRST_YEAR, LAST_YEAR = 2000, 2099  # the financial years a period may name


def _long(day: date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _fy_start_year(day: date) -> int:
    """The calendar year the financial year containing ``day`` starts in (1 April)."""
    return day.year if day.month >= 4 else day.year - 1


def _years(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


@dataclass(frozen=True)
class Period:
    """The days a report covers, ``start`` to ``end`` inclusive, with its name on the page.

    ``key`` is how the period is written in a report's address (``?period=2026-Q2`` for the second
    financial quarter of 2026-27, ``?period=2026-27`` for that financial year); a custom period has
    none (``?from=2026-05-01&to=2026-06-15``)."""

    start: date
    end: date
    label: str
    key: str | None = None

    @classmethod
    def quarter(cls, year: int, number: int) -> "Period":
        """Financial quarter ``number`` (1: April to June ... 4: January to March) of the financial
        year starting in April of ``year``."""
        if number not in (1, 2, 3, 4):
            raise ValueError("a financial quarter is 1, 2, 3 or 4")
        month = 4 + 3 * (number - 1)
        first_year = year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        start = date(first_year, month, 1)
        last_month = month + 2
        end = (date(first_year, last_month + 1, 1) if last_month < 12 else date(first_year + 1, 1, 1))
        end = date.fromordinal(end.toordinal() - 1)
        label = (f"Quarter {number} {_years(year)} ({MONTHS[month - 1]} to {MONTHS[last_month - 1]} "
                 f"{first_year})")
        return cls(start, end, label, f"{year}-Q{number}")

    @classmethod
    def quarter_containing(cls, day: date) -> "Period":
        year = _fy_start_year(day)
        return cls.quarter(year, ((day.month - 4) % 12) // 3 + 1)

    @classmethod
    def previous_quarter(cls, day: date) -> "Period":
        current = cls.quarter_containing(day)
        return cls.quarter_containing(date.fromordinal(current.start.toordinal() - 1))

    @classmethod
    def financial_year(cls, year: int) -> "Period":
        start, end = date(year, 4, 1), date(year + 1, 3, 31)
        return cls(start, end, f"Financial year {_years(year)} ({_long(start)} to {_long(end)})", _years(year))

    @classmethod
    def financial_year_containing(cls, day: date) -> "Period":
        return cls.financial_year(_fy_start_year(day))

    @classmethod
    def previous_financial_year(cls, day: date) -> "Period":
        return cls.financial_year(_fy_start_year(day) - 1)

    @classmethod
    def custom(cls, start: date, end: date) -> "Period":
        if end < start:
            raise ValueError("the end of the period is before its start")
        if (end - start).days > LONGEST_PERIOD_DAYS:
            raise ValueError("a period is at most five years long")
        return cls(start, end, f"{_long(start)} to {_long(end)}")

    @classmethod
    def from_key(cls, key: str) -> "Period":
        """``2026-Q2`` (a financial quarter) or ``2026-27`` (a financial year); ValueError otherwise."""
        text = (key or "").strip()
        if not (text[:4].isdigit() and FIRST_YEAR <= int(text[:4]) <= LAST_YEAR):
            text = ""  # a year the platform has no business with reads as no period at all
        if len(text) == 7 and text[4:6].upper() == "-Q" and text[:4].isdigit() and text[6] in "1234":
            return cls.quarter(int(text[:4]), int(text[6]))
        if len(text) == 7 and text[4] == "-" and text[:4].isdigit() and text[5:].isdigit():
            year = int(text[:4])
            if int(text[5:]) == (year + 1) % 100:
                return cls.financial_year(year)
        raise ValueError("write the period as a financial quarter, like 2026-Q2 (July to September 2026), "
                         "or a financial year, like 2026-27")

    def __contains__(self, day: date | None) -> bool:
        return day is not None and self.start <= day <= self.end


@dataclass
class Chart:
    """What a chart shows: one horizontal bar per category; with several series, each bar is split
    into them (stacked), told apart by pattern and by the words beside the bar."""

    title: str
    description: str
    categories: list[str]
    series: list[str]
    values: list[list[int]]  # values[category][series]

    @property
    def empty(self) -> bool:
        return not any(v for row in self.values for v in row)


@dataclass
class Section:
    id: str
    title: str
    definition: str  # what is counted, in a sentence or two
    headings: list[str]
    rows: list[list]  # the first cell names the row; the others are numbers
    chart: Chart | None = None
    facts: list[tuple[str, int]] = field(default_factory=list)  # single figures shown above the table

    def column(self, heading: str) -> dict:
        """``{row name: value}`` of one column (for tests and the lead's jobs)."""
        index = self.headings.index(heading)
        return {row[0]: row[index] for row in self.rows}


@dataclass
class PanelReport:
    council: str
    body_id: str
    body_name: str
    period: Period
    made_on: date
    sittings: list[date]
    sections: list[Section]

    def section(self, section_id: str) -> Section:
        return next(s for s in self.sections if s.id == section_id)


class UnknownBody(LookupError):
    """The council's terms of reference have no such body (or none is in force)."""


# --- the figures ---------------------------------------------------------------------------------

@dataclass
class Context:
    """What every section builder reads: the body, the period and the sittings held in it."""

    tor: tor_model.TermsOfReference
    body: tor_model.Body
    period: Period
    today: date
    meetings: list[Meeting]  # held: not cancelled, dated in the period and not after today

    @property
    def items(self) -> list[AgendaItem]:
        return [i for m in self.meetings for i in m.items]

    @property
    def heard(self) -> list[AgendaItem]:
        return [i for i in self.items if i.status == ItemStatus.HEARD]

    def part_title(self, part_id: str) -> str:
        try:
            return self.body.part(part_id).title
        except KeyError:
            return part_id


def _heard_children(ctx: Context):
    """(child, sitting date) for every child of every heard item: a sibling group counts each child."""
    return [(child, item.meeting.date) for item in ctx.heard for child in item.children]


def _count_rows(counter: Counter, order: list[str] | None = None) -> list[list]:
    keys = order if order is not None else sorted(counter, key=lambda k: (-counter[k], k))
    return [[k, counter[k]] for k in keys]


def _bar(title: str, description: str, rows: list[list], series: list[str], columns: list[int]) -> Chart:
    return Chart(title, description, [str(r[0]) for r in rows], series, [[int(r[c]) for c in columns] for r in rows])


def sittings_section(ctx: Context) -> Section:
    items, children = Counter(), Counter()
    for item in ctx.heard:
        items[item.part_id] += 1
        children[item.part_id] += len(item.children)
    order = [p.id for p in ctx.body.agenda_parts if p.id in items] + sorted(set(items) - {p.id for p in
                                                                                           ctx.body.agenda_parts})
    rows = [[ctx.part_title(p), items[p], children[p]] for p in order]
    total = [["Total", sum(items.values()), sum(children.values())]]
    return Section(
        "sittings", "Sittings held and children considered",
        "Sittings of the panel held in the period (not cancelled, on or before today) and the items heard at "
        "them, by agenda part. A sibling group heard as one item counts as one item and each of its children "
        "as a child; a child heard at two sittings counts twice.",
        ["Agenda part", "Items heard", "Children considered"], rows + total,
        _bar("Children considered by agenda part", "One bar per agenda part: the number of children considered "
             "at the sittings held in the period.", rows, ["Children considered"], [2]),
        facts=[("Sittings held", len(ctx.meetings)), ("Items heard", sum(items.values())),
               ("Children considered", sum(children.values()))])


def _on(rows, day: date):
    return next((r for r in rows if r.current_on(day)), None)


def legal_status_section(ctx: Context) -> Section:
    pairs = _heard_children(ctx)
    ids = {c.id for c, _ in pairs}
    statuses = defaultdict(list)
    if ids:
        for row in db.session.execute(select(LegalStatus).where(LegalStatus.child_id.in_(ids))).scalars():
            statuses[row.child_id].append(row)
    counter = Counter()
    for child, day in pairs:
        status = _on(statuses[child.id], day)
        counter[codes.label(codes.LEGAL_STATUSES, status.code) if status else "No legal status recorded"] += 1
    rows = _count_rows(counter)
    return Section(
        "legal-status", "Children considered by legal status",
        "Each child considered at a sitting, by the legal status recorded for them on the day of the sitting.",
        ["Legal status on the sitting date", "Children"], rows,
        _bar("Children considered by legal status", "One bar per legal status: the number of children considered "
             "who held it on the day of the sitting.", rows, ["Children"], [1]))


def plan_route_section(ctx: Context) -> Section:
    pairs = _heard_children(ctx)
    ids = {c.id for c, _ in pairs}
    plans = defaultdict(list)
    if ids:
        for row in db.session.execute(select(PermanencePlan).where(PermanencePlan.child_id.in_(ids),
                                                                   PermanencePlan.kind == "primary")).scalars():
            plans[row.child_id].append(row)
    counter = Counter()
    for child, day in pairs:
        plan = _on(plans[child.id], day)
        counter[plan.route_label if plan else "No primary plan recorded"] += 1
    rows = _count_rows(counter)
    return Section(
        "plan-route", "Children considered by permanence plan route",
        "Each child considered at a sitting, by the route of their primary permanence plan on the day of the "
        "sitting.",
        ["Primary plan route on the sitting date", "Children"], rows,
        _bar("Children considered by plan route", "One bar per route of the primary permanence plan: the number "
             "of children considered with that plan.", rows, ["Children"], [1]))


def outcomes_section(ctx: Context) -> Section:
    labels = {o.id: o.label for o in ctx.body.outcomes}
    at_sittings = Counter(item.outcome_id for item in ctx.heard)
    between = Counter(d.outcome_id for d in db.session.execute(
        select(UrgentDecision).where(UrgentDecision.body_id == ctx.body.id,
                                     UrgentDecision.decided_on >= ctx.period.start,
                                     UrgentDecision.decided_on <= min(ctx.period.end, ctx.today))).scalars())
    ids = [o.id for o in ctx.body.outcomes if o.id in at_sittings or o.id in between]
    ids += sorted({k for k in (*at_sittings, *between) if k is not None and k not in labels})
    rows = [[labels.get(i, i), at_sittings[i], between[i]] for i in ids]
    if at_sittings[None]:
        rows.append(["No outcome recorded", at_sittings[None], 0])
    rows.append(["Total", sum(at_sittings.values()), sum(between.values())])
    return Section(
        "outcomes", "Decisions by outcome",
        "The outcome recorded for each item heard at a sitting, in the terms of reference's words; and, "
        "separately, the decisions made between sittings for the panel (by the role its terms of reference "
        "name) dated in the period.",
        ["Outcome", "At a sitting", "Between sittings"], rows,
        _bar("Decisions by outcome", "One bar per outcome, split into decisions made at a sitting (solid) and "
             "between sittings (hatched).", rows[:-1], ["At a sitting", "Between sittings"], [1, 2]),
        facts=[("Items heard", len(ctx.heard)), ("Decisions between sittings", sum(between.values()))])


def actions_section(ctx: Context) -> Section:
    item_ids = [i.id for i in ctx.items]
    actions = list(db.session.execute(select(Action).where(Action.agenda_item_id.in_(item_ids))).scalars()) \
        if item_ids else []
    done = [a for a in actions if a.status == ActionStatus.DONE]
    on_time = sum(1 for a in done if a.completed_on is not None and a.completed_on <= a.due_on)
    late = sum(1 for a in done if a.completed_on is not None and a.completed_on > a.due_on)
    undated = len(done) - on_time - late
    open_ = [a for a in actions if a.status == ActionStatus.OPEN]
    overdue = sum(1 for a in open_ if a.overdue_on(ctx.today))
    cancelled = sum(1 for a in actions if a.status == ActionStatus.CANCELLED)
    rows = [["Completed by the date due", on_time], ["Completed after the date due", late]]
    if undated:
        rows.append(["Completed, date not recorded", undated])
    rows += [["Open, not yet due", len(open_) - overdue], ["Open and overdue today", overdue]]
    if cancelled:
        rows.append(["Cancelled", cancelled])
    return Section(
        "actions", "Actions agreed at the sittings",
        f"Actions agreed at the sittings held in the period, as they stand on {_long(ctx.today)}: completed "
        "(by or after the date due), still open (and of those, overdue: due before today), or cancelled.",
        ["Actions", "Number"], rows + [["Total agreed", len(actions)]],
        _bar("Actions agreed, by where they stand", "One bar per state of the actions agreed at the sittings.",
             rows, ["Actions"], [1]),
        facts=[("Actions agreed", len(actions)), ("Completed", len(done)), ("Open", len(open_)),
               ("Overdue today", overdue)])


def _paperwork_of(item: AgendaItem) -> tuple:
    """The ToR paperwork of the item, as the papers subject "agenda_item" lists it (the agenda's)."""
    registered = subject("agenda_item")
    return tuple(registered.paperwork(item)) if registered is not None and registered.paperwork else ()


def timeliness_section(ctx: Context) -> Section:
    now = utcnow()
    referrals = Counter()
    for item in ctx.items:
        if item.submitted_at is not None and not item.is_request:
            referrals["late" if item.late else "met"] += 1
    papers = Counter()
    minutes = Counter()
    for meeting in ctx.meetings:
        deadlines = meeting_deadlines(meeting)
        due = papers_deadline(deadlines)
        if due is not None:
            cut_off = closes_at(due)
            booked = [i for i in meeting.items if i.status in ON_THE_AGENDA and not i.is_request]
            by_paperwork = defaultdict(list)  # one query for the items asking for the same papers
            for item in booked:
                paperwork = _paperwork_of(item)
                if any(p.required for p in paperwork):
                    by_paperwork[paperwork].append(item.id)
            for paperwork, ids in by_paperwork.items():
                for status in paperwork_status("agenda_item", ids, paperwork, as_of=cut_off).values():
                    papers["met" if status.complete else "late"] += 1
        due = minutes_due(meeting)
        if due is not None:
            circulated = meeting.minutes.circulated_at if meeting.minutes is not None else None
            if circulated is not None:
                minutes["met" if circulated <= closes_at(due) else "late"] += 1
            elif now > closes_at(due):
                minutes["late"] += 1
            else:
                minutes["pending"] += 1
    has = {kind: any(referral_deadline(meeting_deadlines(m)) if kind == "referrals" else
                     papers_deadline(meeting_deadlines(m)) if kind == "papers" else minutes_due(m)
                     for m in ctx.meetings) for kind in ("referrals", "papers", "minutes")}
    rows = [
        ["Referrals submitted by the referral deadline (items)", referrals["met"], referrals["late"], 0],
        ["Papers in by the papers deadline (items)", papers["met"], papers["late"], 0],
        ["Minutes circulated within the minutes deadline (sittings)", minutes["met"], minutes["late"],
         minutes["pending"]],
    ]
    missing = [name for kind, name in (("referrals", "a referral deadline"), ("papers", "a papers deadline"),
                                       ("minutes", "a minutes deadline")) if not has[kind] and ctx.meetings]
    return Section(
        "timeliness", "Timeliness against the terms of reference's deadlines",
        "Referrals to the sittings held in the period, submitted on time or late (after the referral deadline, "
        "as recorded when submitted); items on the agenda with every required paper uploaded by the papers "
        "deadline, or not; sittings whose minutes were circulated by the minutes deadline, or after it (or not "
        "yet, with the deadline passed), or not yet due. The deadlines are those the terms of reference set for "
        "each sitting." + (f" The terms of reference set no {' or '.join(n[2:] for n in missing)} for these "
                           "sittings." if missing else ""),
        ["Deadline", "Met", "Missed", "Not yet due"], rows,
        _bar("Deadlines met and missed", "One bar per deadline, split into met (solid), missed (hatched) and "
             "not yet due (dotted).", [[r[0].split(" (")[0], *r[1:]] for r in rows],
             ["Met", "Missed", "Not yet due"], [1, 2, 3]))


def _children_of_body(ctx: Context) -> set[int]:
    cohort = set(db.session.execute(select(CohortMember.child_id).where(CohortMember.body_id == ctx.body.id))
                 .scalars())
    on_agenda = {c.id for i in ctx.items if i.status in ON_THE_AGENDA for c in i.children}
    return cohort | on_agenda


def drift_section(ctx: Context) -> Section:
    children = _children_of_body(ctx)
    start, end = ctx.period.start, ctx.period.end
    drifts = list(db.session.execute(select(Drift).where(
        Drift.child_id.in_(children), Drift.opened_on <= end,
        or_(Drift.closed_on.is_(None), Drift.closed_on >= start))).scalars()) if children else []
    raised = sum(1 for d in drifts if d.opened_on in ctx.period)
    resolved = sum(1 for d in drifts if d.closed_on in ctx.period)
    open_at_end = sum(1 for d in drifts if d.closed_on is None or d.closed_on > end)
    rows = [["Drift raised in the period", raised], ["Drift resolved in the period", resolved],
            ["Drift open at the end of the period", open_at_end]]
    return Section(
        "drift", "Drift",
        "Drift is a milestone of a child's plan gone past its due date. Counted for the children now in the "
        "panel's cohort or on the agenda of a sitting held in the period: drift opened in the period, drift "
        "closed in the period (the milestone met, or no longer applying), and drift still open on the last day "
        "of the period.",
        ["Drift", "Number"], rows,
        _bar("Drift raised, resolved and open", "One bar each for drift raised and resolved in the period, and "
             "open at its end.", rows, ["Drift"], [1]),
        facts=[("Children counted", len(children))])


def escalations_section(ctx: Context) -> Section:
    children = _children_of_body(ctx)
    escalations = list(db.session.execute(
        select(Escalation).join(Drift, Drift.id == Escalation.drift_id).where(
            Drift.child_id.in_(children), Escalation.escalated_on >= ctx.period.start,
            Escalation.escalated_on <= ctx.period.end)).scalars()) if children else []
    counter = Counter((e.level, e.role_label or role_label(ctx.tor, e.role)) for e in escalations)
    rows = [[f"Level {level}: {label}", counter[(level, label)]] for level, label in sorted(counter)]
    return Section(
        "escalations", "Escalations of drift",
        "Each step up the council's escalation ladder taken in the period by drift of the same children (those "
        "now in the panel's cohort or on the agenda of a sitting held in the period), by the level reached and "
        "the role it went to; one drift escalated twice counts twice.",
        ["Level and role escalated to", "Escalations"], rows + [["Total", len(escalations)]],
        _bar("Escalations by level", "One bar per level of the escalation ladder: the escalations to it in the "
             "period.", rows, ["Escalations"], [1]))


def quorum_section(ctx: Context) -> Section:
    quorate = sum(1 for m in ctx.meetings if m.quorate is True)
    not_quorate = sum(1 for m in ctx.meetings if m.quorate is False)
    unknown = len(ctx.meetings) - quorate - not_quorate
    rows = [["Quorate", quorate], ["Not quorate", not_quorate]]
    if unknown:
        rows.append(["Attendance not recorded", unknown])
    return Section(
        "quorum", "Quorum",
        "Sittings held in the period that were quorate in every agenda part with items, as recorded when "
        "attendance was taken, and those that were not.",
        ["Sittings", "Number"], rows,
        _bar("Sittings quorate and not quorate", "One bar each for quorate and not quorate sittings.", rows,
             ["Sittings"], [1]))


ATTENDANCE_COLUMNS = ((AttendanceStatus.PRESENT, "Present"), (AttendanceStatus.REPRESENTED, "Represented"),
                      (AttendanceStatus.APOLOGIES, "Apologies"), (AttendanceStatus.ABSENT, "Absent"))


def attendance_section(ctx: Context) -> Section:
    counts: dict[str, Counter] = defaultdict(Counter)
    for meeting in ctx.meetings:
        for row in meeting.attendance:
            if row.status != AttendanceStatus.NOT_REQUIRED:
                counts[row.role or "guest"][row.status] += 1
    seat_order = []
    if ctx.body.membership is not None:
        for seat in (*ctx.body.membership.chairs, *ctx.body.membership.members):
            if seat.role in counts and seat.role not in seat_order:
                seat_order.append(seat.role)
    seat_order += sorted(set(counts) - set(seat_order))
    rows = [[role_label(ctx.tor, role) if role != "guest" else "Guest", *(counts[role][s] for s, _ in
                                                                         ATTENDANCE_COLUMNS)] for role in seat_order]
    return Section(
        "attendance", "Attendance by seat",
        "For each seat (by its role in the terms of reference), how often its holder was present, sent a "
        "representative, sent apologies or was absent, over the sittings held in the period. A seat not required "
        "at a sitting is not counted.",
        ["Seat", *(label for _, label in ATTENDANCE_COLUMNS)], rows,
        _bar("Attendance by seat", "One bar per seat, split into present (solid), represented (hatched), "
             "apologies (dotted) and absent (outline only).", rows, [label for _, label in ATTENDANCE_COLUMNS],
             [1, 2, 3, 4]))


def themes_section(ctx: Context) -> Section | None:
    """The practice themes (the ToR's ``practice_themes``) the sittings' items were tagged with; none
    when the council's ToR lists no themes."""
    themes = ctx.tor.practice_themes
    if not themes:
        return None
    items = [i for i in ctx.items if i.status in ON_THE_AGENDA]
    rows = []
    for theme in themes:
        tagged = [i for i in items if theme.id in (i.practice_themes or [])]
        rows.append([theme.label, len(tagged), len({c.id for i in tagged for c in i.children})])
    untagged = sum(1 for i in items if not i.practice_themes)
    return Section(
        "themes", "Practice themes",
        "The themes of practice the council wants to learn from (its terms of reference list them), and how "
        "many items on the agenda of the sittings held in the period were tagged with each when they were "
        "recorded, with the children those items were about. An item may show several themes.",
        ["Theme", "Items", "Children"], rows,
        _bar("Items by practice theme", "One bar per theme: the items tagged with it.",
             [[r[0], r[1]] for r in rows], ["Items"], [1]),
        facts=[("Items on the agenda", len(items)), ("Items tagged with no theme", untagged)])


# The report's sections, in order: each a function taking the Context and returning a Section, or None
# when it does not apply to the council (no practice themes).
SECTION_BUILDERS: list[Callable[[Context], Section | None]] = [
    sittings_section, legal_status_section, plan_route_section, outcomes_section, actions_section,
    timeliness_section, drift_section, escalations_section, quorum_section, attendance_section, themes_section,
]


def held_meetings(body_id: str, period: Period, today: date) -> list[Meeting]:
    """The body's sittings held in the period: not cancelled, dated in it and not after today."""
    last = min(period.end, today)
    return list(db.session.execute(
        select(Meeting).where(Meeting.body_id == body_id, Meeting.status == MeetingStatus.SCHEDULED,
                              Meeting.date >= period.start, Meeting.date <= last)
        .options(selectinload(Meeting.items), selectinload(Meeting.attendance), selectinload(Meeting.minutes))
        .order_by(Meeting.date, Meeting.id)).scalars())


def build_report(tenant_id: int, body_id: str, period: Period) -> PanelReport:
    """The report of ``body_id`` (a body of the council's terms of reference in force) for ``period``.
    Raises ``UnknownBody`` when there is no such body. Every row it reads is worked with, not shown: the
    report names no child."""
    with tenant_context(tenant_id), audit.not_shown():
        tor = current_tor(tenant_id)
        try:
            body = tor.body(body_id) if tor is not None else None
        except KeyError:
            body = None
        if body is None:
            raise UnknownBody(body_id)
        today = london_today()
        ctx = Context(tor, body, period, today, held_meetings(body_id, period, today))
        sections = [section for section in (build(ctx) for build in SECTION_BUILDERS) if section is not None]
        council = db.session.get(Tenant, tenant_id)
        return PanelReport(council=council.name if council else "", body_id=body.id, body_name=body.name,
                           period=period, made_on=today, sittings=[m.date for m in ctx.meetings],
                           sections=sections)


def as_csv(report: PanelReport) -> str:
    """Every figure of the report in long form, one a row (section, row, column, value), for a pivot
    table: the council, panel and period on every row. Starts with a byte-order mark so Excel reads it
    as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["Council", "Panel", "Period", "Period start", "Period end", "Section", "Row", "Column",
                     "Value"])
    fixed = [report.council, report.body_name, report.period.label, report.period.start.isoformat(),
             report.period.end.isoformat()]
    rows = []
    for section in report.sections:
        rows += [[*fixed, section.title, label, "Number", value] for label, value in section.facts]
        rows += [[*fixed, section.title, row[0], heading, value]
                 for row in section.rows for heading, value in zip(section.headings[1:], row[1:])]
    for row in rows:  # names come from the terms of reference: none is run as a formula
        writer.writerow([safe_text(v) if isinstance(v, str) else v for v in row])
    return "\ufeff" + out.getvalue()

