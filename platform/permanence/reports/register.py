"""The decision register: every decision of every panel and tracking meeting, and every decision made
between sittings, for the page, the API and the CSV and XLSX downloads.

A decision is a heard agenda item with an outcome (a child's, a sibling group's or a request) at a
meeting of any body, or an ``UrgentDecision``. Each row says what the record says on the day it was
made: the child's legal status then (the 903 status current that day) and the primary plan route then,
the outcome in the words of the terms of reference version the meeting sat under.

Only the decisions the member may see are listed: an item through its own object rule (its children,
or the member's seat on the body), a decision between sittings through its child's. The rows are
loaded through the ORM, so every child a page or file shows is noted for the read audit.

No Flask request objects here: the views read the query string, these functions read a ``Mapping``.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import and_, func, literal, or_, select, union_all
from sqlalchemy.orm import selectinload

from ..accounts.models import Team
from ..accounts.permissions import visible
from ..cases import codes
from ..cases.models import Child, LegalStatus, PermanencePlan, SiblingGroup
from ..core.tables import safe_text
from ..extensions import db
from ..meetings.record import AGREED, AWAITING, NOT_AGREED, outcome_of, sign_off_state
from ..panels.forms import DATE_FORMATS  # the dates every form reads
from ..panels.models import AgendaItem, ItemStatus, Meeting, UrgentDecision
from ..tor import TorConfigError, role_label
from ..tor.services import current_tor, tor_of

log = logging.getLogger(__name__)

PER_PAGE = 50
BATCH = 500  # ids per query when a download loads thousands of rows
SHORT = 160  # characters of the decision's text on the page
ITEM, BETWEEN = "item", "between_sittings"
TRACKING = "tracking_meeting"
PRIMARY = "primary"

PERIODS = {"this-quarter": "This quarter", "last-quarter": "Last quarter",
           "this-year": "This financial year", "last-year": "Last financial year"}

# The query string's fields as the page labels them (every error message names its field).
FIELDS = {"body": "Panel or meeting", "outcome": "Outcome", "team": "Team", "legal_status": "Legal status",
          "plan_route": "Plan route", "period": "Period", "from": "From", "to": "To", "page": "Page"}

SIGN_OFF = {AGREED: "Agreed by {}", NOT_AGREED: "Not agreed by {}", AWAITING: "Awaited from {}"}


# --- Filters -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DecisionFilter:
    """What the register is narrowed to; None is any. ``start`` and ``end`` are both inclusive."""

    body_id: str | None = None
    outcome_id: str | None = None
    team_id: int | None = None
    legal_status: str | None = None
    plan_route: str | None = None
    start: date | None = None
    end: date | None = None

    def describe(self, choices: "Choices") -> str:
        """The filters in words, for the audit log's summary of an export ("all decisions" when none)."""
        parts = []
        if self.body_id:
            parts.append(dict(choices.bodies).get(self.body_id, self.body_id))
        if self.outcome_id:
            parts.append("outcome " + dict(choices.outcomes_for(self.body_id)).get(self.outcome_id, self.outcome_id))
        if self.team_id:
            parts.append("team " + dict(choices.teams).get(self.team_id, str(self.team_id)))
        if self.legal_status:
            parts.append("legal status " + self.legal_status)
        if self.plan_route:
            parts.append("plan route " + codes.label(codes.PLAN_ROUTES, self.plan_route).lower())
        if self.start:
            parts.append(f"from {self.start:%-d %B %Y}")
        if self.end:
            parts.append(f"to {self.end:%-d %B %Y}")
        return ", ".join(parts) or "all decisions"


@dataclass(frozen=True)
class Choices:
    """What each filter may be in this council: the bodies and their outcomes under the terms of
    reference in force, the council's teams, the 903 legal statuses and the plan routes."""

    bodies: list[tuple[str, str]]
    outcomes: dict[str, list[tuple[str, str]]]
    teams: list[tuple[int, str]]
    legal_statuses: list[tuple[str, str]] = field(default_factory=lambda: [
        (c, codes.label(codes.LEGAL_STATUSES, c)) for c in codes.LEGAL_STATUSES])
    plan_routes: list[tuple[str, str]] = field(default_factory=lambda: [
        (r, codes.label(codes.PLAN_ROUTES, r)) for r in codes.PLAN_ROUTES])

    def outcomes_for(self, body_id: str | None) -> list[tuple[str, str]]:
        """The chosen body's outcomes; with none chosen, every body's (an id two bodies share once)."""
        if body_id:
            return self.outcomes.get(body_id, [])
        found: dict[str, str] = {}
        for b, _ in self.bodies:
            for outcome_id, label in self.outcomes.get(b, []):
                found.setdefault(outcome_id, label)
        return list(found.items())


def choices_for(tenant_id: int) -> Choices:
    tor = current_tor(tenant_id)
    bodies = tor.bodies if tor is not None else ()
    teams = [(t.id, t.name) for t in db.session.execute(select(Team).order_by(Team.name)).scalars()]
    return Choices(bodies=[(b.id, b.name) for b in bodies],
                   outcomes={b.id: [(o.id, o.label) for o in b.outcomes] for b in bodies}, teams=teams)


class FilterErrors(ValueError):
    """Filters that cannot be used: ``errors`` maps each query-string field to a message naming it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def _quoted(value) -> str:
    text = str(value)
    return repr(text if len(text) <= 40 else text[:40] + "...")


def problems(flt: DecisionFilter, choices: Choices) -> dict[str, str]:
    """What is wrong with ``flt`` in this council, by field; empty when it can be used. The page, the
    downloads and the API check filters here."""
    found: dict[str, str] = {}
    body_names = dict(choices.bodies)
    if flt.body_id is not None and flt.body_id not in body_names:
        found["body"] = (f"Panel or meeting: {_quoted(flt.body_id)} is not one of the council's panels or tracking "
                         "meetings; choose one from the list")
    if flt.outcome_id is not None:
        known = dict(choices.outcomes_for(flt.body_id if "body" not in found else None))
        if flt.outcome_id not in known:
            of = body_names[flt.body_id] if flt.body_id and "body" not in found else "any panel or tracking meeting"
            found["outcome"] = f"Outcome: {_quoted(flt.outcome_id)} is not an outcome of {of}; choose one from the list"
    if flt.team_id is not None and flt.team_id not in dict(choices.teams):
        found["team"] = "Team: there is no such team in this council; choose one from the list"
    if flt.legal_status is not None and flt.legal_status not in codes.LEGAL_STATUSES:
        found["legal_status"] = (f"Legal status: {_quoted(flt.legal_status)} is not an SSDA903 legal status code; "
                                 "choose one from the list")
    if flt.plan_route is not None and flt.plan_route not in codes.PLAN_ROUTES:
        found["plan_route"] = f"Plan route: {_quoted(flt.plan_route)} is not a plan route; choose one from the list"
    if flt.start and flt.end and flt.end < flt.start:
        found["to"] = "To: the date must be the same as or after the From date"
    return found


def _quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _months_on(day: date, months: int) -> date:
    """The first of the month ``months`` after ``day``'s month."""
    years, month = divmod(day.month - 1 + months, 12)
    return date(day.year + years, month + 1, 1)


def period_dates(period: str, today: date) -> tuple[date, date]:
    """The first and last day of a quick period. Quarters are the financial year's (April to June, July to
    September, October to December, January to March); the financial year runs 1 April to 31 March."""
    quarter = _quarter_start(today)
    year = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    if period == "this-quarter":
        return quarter, _months_on(quarter, 3) - timedelta(days=1)
    if period == "last-quarter":
        return _months_on(quarter, -3), quarter - timedelta(days=1)
    if period == "this-year":
        return year, date(year.year + 1, 3, 31)
    if period == "last-year":
        return date(year.year - 1, 4, 1), date(year.year, 3, 31)
    raise ValueError(f"no period {period!r}")


def _date(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    errors[name] = f"{FIELDS[name]}: the date must be a real date, for example 1/4/2026"
    return None


def read_filter(args: Mapping[str, str], choices: Choices, today: date) -> DecisionFilter:
    """The filters of a query string (the page's GET form, the downloads' links), checked; raises
    ``FilterErrors`` naming each field that cannot be used."""

    def text(name: str) -> str:
        return (args.get(name) or "").strip()

    errors: dict[str, str] = {}
    team_id = None
    if text("team"):
        if text("team").isdigit() and len(text("team")) < 10:
            team_id = int(text("team"))
        else:
            errors["team"] = "Team: choose a team from the list"
    start, end = _date(text("from"), "from", errors), _date(text("to"), "to", errors)
    period = text("period")
    if period and period not in PERIODS:
        errors["period"] = "Period: choose " + ", ".join(v.lower() for v in PERIODS.values()) + ", or enter dates"
    elif period and (text("from") or text("to")):
        errors["period"] = "Period: choose a period or enter From and To dates, not both"
    elif period:
        start, end = period_dates(period, today)
    flt = DecisionFilter(body_id=text("body") or None, outcome_id=text("outcome") or None, team_id=team_id,
                         legal_status=text("legal_status") or None, plan_route=text("plan_route") or None,
                         start=start, end=end)
    errors = {**problems(flt, choices), **errors}
    if errors:
        raise FilterErrors(errors)
    return flt


def read_page(args: Mapping[str, str]) -> int:
    text = (args.get("page") or "").strip()
    if not text:
        return 1
    if not text.isdigit() or len(text) > 6 or int(text) < 1:
        raise FilterErrors({"page": "Page: the page must be a whole number from 1"})
    return int(text)


# --- The query -----------------------------------------------------------------------------------

def _a_child_matching(flt: DecisionFilter, of_decision, day):
    """EXISTS a child of the decision (``of_decision``, a condition on ``Child``) who matched the filters on
    ``day`` (the decision's date column), or None without child filters. One level of subquery, so ``day``
    and the decision correlate with the enclosing query (a nested EXISTS would not reach them)."""
    if flt.team_id is None and flt.legal_status is None and flt.plan_route is None:
        return None
    stmt = select(Child.id).where(of_decision)
    if flt.team_id is not None:
        stmt = stmt.where(Child.team_id == flt.team_id)
    if flt.legal_status is not None:
        stmt = stmt.join(LegalStatus, and_(
            LegalStatus.child_id == Child.id, LegalStatus.code == flt.legal_status, LegalStatus.start <= day,
            or_(LegalStatus.end.is_(None), LegalStatus.end > day)))
    if flt.plan_route is not None:
        stmt = stmt.join(PermanencePlan, and_(
            PermanencePlan.child_id == Child.id, PermanencePlan.kind == PRIMARY,
            PermanencePlan.route == flt.plan_route, PermanencePlan.agreed_on <= day,
            or_(PermanencePlan.ended_on.is_(None), PermanencePlan.ended_on > day)))
    return stmt.exists()


def _heard_items(flt: DecisionFilter):
    stmt = (select(literal(ITEM).label("kind"), AgendaItem.id.label("id"), Meeting.date.label("day"))
            .join(Meeting, Meeting.id == AgendaItem.meeting_id)
            .where(AgendaItem.status == ItemStatus.HEARD, AgendaItem.outcome_id.is_not(None)))
    stmt = visible(stmt, AgendaItem)
    if flt.body_id is not None:
        stmt = stmt.where(Meeting.body_id == flt.body_id)
    if flt.outcome_id is not None:
        stmt = stmt.where(AgendaItem.outcome_id == flt.outcome_id)
    if flt.start is not None:
        stmt = stmt.where(Meeting.date >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(Meeting.date <= flt.end)
    in_group = and_(AgendaItem.sibling_group_id.is_not(None), Child.sibling_group_id == AgendaItem.sibling_group_id)
    matching = _a_child_matching(flt, or_(Child.id == AgendaItem.child_id, in_group), Meeting.date)
    return stmt if matching is None else stmt.where(matching)


def _between_sittings(flt: DecisionFilter):
    stmt = (select(literal(BETWEEN).label("kind"), UrgentDecision.id.label("id"),
                   UrgentDecision.decided_on.label("day"))
            .where(UrgentDecision.child_id.in_(visible(select(Child.id), Child))))
    if flt.body_id is not None:
        stmt = stmt.where(UrgentDecision.body_id == flt.body_id)
    if flt.outcome_id is not None:
        stmt = stmt.where(UrgentDecision.outcome_id == flt.outcome_id)
    if flt.start is not None:
        stmt = stmt.where(UrgentDecision.decided_on >= flt.start)
    if flt.end is not None:
        stmt = stmt.where(UrgentDecision.decided_on <= flt.end)
    matching = _a_child_matching(flt, Child.id == UrgentDecision.child_id, UrgentDecision.decided_on)
    return stmt if matching is None else stmt.where(matching)


def _decisions(flt: DecisionFilter):
    return union_all(_heard_items(flt), _between_sittings(flt)).subquery("decisions")


def count_decisions(flt: DecisionFilter) -> int:
    return db.session.execute(select(func.count()).select_from(_decisions(flt))).scalar_one()


def decision_keys(flt: DecisionFilter, *, limit: int | None = None, offset: int = 0) -> list[tuple[str, int]]:
    """(kind, id) of the decisions ``flt`` selects that the member may see, newest first."""
    found = _decisions(flt)
    stmt = select(found.c.kind, found.c.id).order_by(found.c.day.desc(), found.c.kind, found.c.id.desc())
    if limit is not None:
        stmt = stmt.limit(limit).offset(offset)
    return [(kind, ident) for kind, ident in db.session.execute(stmt)]


# --- Rows ----------------------------------------------------------------------------------------

@dataclass
class ChildOnTheDay:
    """A child of a decision with their legal status and primary plan route on its date (codes)."""

    child: Child
    legal_status: str | None
    plan_route: str | None

    @property
    def legal_status_label(self) -> str:
        return codes.label(codes.LEGAL_STATUSES, self.legal_status)

    @property
    def plan_route_label(self) -> str:
        return codes.label(codes.PLAN_ROUTES, self.plan_route)


@dataclass
class DecisionRow:
    """One decision as the register shows it."""

    kind: str  # ITEM or BETWEEN
    id: int
    day: date
    body_id: str
    body: str
    meeting_id: int | None  # None between sittings
    tracking: bool  # a tracking meeting's (its own page), not a panel sitting's
    request_number: int | None  # a request's item id, named "Request N"
    children: list[ChildOnTheDay]
    outcome_id: str
    outcome: str
    decision: str
    recorded_by: str
    sign_off_state: str | None  # agreed, not_agreed or awaiting; None where no sign-off is needed
    sign_off: str
    next_review_on: date | None
    escalated: bool

    @property
    def between_sittings(self) -> bool:
        return self.kind == BETWEEN

    @property
    def subject(self) -> str:
        """The children with case numbers, or "Request N" (for a child: "Request N for ...")."""
        named = ", ".join(f"{c.child.name} ({c.child.case_number})" for c in self.children)
        if self.request_number is not None:
            return f"Request {self.request_number}" + (f" for {named}" if named else "")
        return named

    @property
    def names(self) -> str:
        return ", ".join(c.child.name for c in self.children)

    @property
    def case_numbers(self) -> str:
        return ", ".join(c.child.case_number for c in self.children)

    @property
    def team(self) -> str:
        teams = []
        for c in self.children:
            name = c.child.team.name if c.child.team else ""
            if name and name not in teams:
                teams.append(name)
        return ", ".join(teams)

    def _each(self, label: Callable[[ChildOnTheDay], str], none: str) -> str:
        """One value for the children, or each child's by first name where a sibling group's differ."""
        values = [label(c) or none for c in self.children]
        if len(set(values)) <= 1:
            return values[0] if values else ""
        return "; ".join(f"{c.child.first_name}: {v}" for c, v in zip(self.children, values))

    @property
    def legal_status(self) -> str:
        return self._each(lambda c: c.legal_status_label, "None")

    @property
    def plan_route(self) -> str:
        return self._each(lambda c: c.plan_route_label, "No plan")

    @property
    def short_decision(self) -> str:
        text = " ".join(self.decision.split())
        return text if len(text) <= SHORT else text[:SHORT - 1].rstrip() + "…"

    @property
    def record_endpoint(self) -> tuple[str, dict]:
        """The page of the decision's record: the decision record of a heard item, or the page of a
        decision made between sittings."""
        if self.between_sittings:
            return "meetings.urgent_decision", {"urgent_decision_id": self.id}
        return "minutes.decision", {"agenda_item_id": self.id}

    @property
    def meeting_endpoint(self) -> tuple[str, dict] | None:
        """The meeting's page: a tracking meeting's own, or the sitting's."""
        if self.meeting_id is None:
            return None
        return ("tracking_meetings.meeting" if self.tracking else "panels.meeting"), {"meeting_id": self.meeting_id}

    @property
    def meeting_kind(self) -> str:
        if self.between_sittings:
            return "Between sittings"
        return "Tracking meeting" if self.tracking else "Sitting"


def _current(rows, day: date, start: str, end: str):
    """Of a child's history rows, the one standing on ``day`` (the latest begun, should two overlap)."""
    standing = [r for r in rows if getattr(r, start) <= day and (getattr(r, end) is None or day < getattr(r, end))]
    return max(standing, key=lambda r: (getattr(r, start), r.id)) if standing else None


def _histories(child_ids: set[int]) -> tuple[dict[int, list], dict[int, list]]:
    statuses: dict[int, list] = {}
    plans: dict[int, list] = {}
    ids = sorted(child_ids)
    for begin in range(0, len(ids), BATCH):
        chunk = ids[begin:begin + BATCH]
        for row in db.session.execute(select(LegalStatus).where(LegalStatus.child_id.in_(chunk))).scalars():
            statuses.setdefault(row.child_id, []).append(row)
        for row in db.session.execute(select(PermanencePlan).where(
                PermanencePlan.child_id.in_(chunk), PermanencePlan.kind == PRIMARY)).scalars():
            plans.setdefault(row.child_id, []).append(row)
    return statuses, plans


def _on_the_day(children, day: date, statuses, plans) -> list[ChildOnTheDay]:
    found = []
    for child in children:
        status = _current(statuses.get(child.id, []), day, "start", "end")
        plan = _current(plans.get(child.id, []), day, "agreed_on", "ended_on")
        found.append(ChildOnTheDay(child, status.code if status else None, plan.route if plan else None))
    return found


def _tor(version):
    """The terms of reference a decision was made under; None (its rows then read ids, not labels) for a
    stored version that no longer parses, so one old version never takes the whole register down."""
    try:
        return tor_of(version)
    except TorConfigError:
        log.warning("terms of reference version %s does not parse; the register shows its ids", version.id)
        return None


def _body(tor, body_id: str):
    if tor is None:
        return None
    try:
        return tor.body(body_id)
    except KeyError:  # a body an earlier version had
        return None


def _item_row(item: AgendaItem, statuses, plans) -> DecisionRow:
    meeting = item.meeting
    tor = _tor(meeting.tor_version)
    body = _body(tor, meeting.body_id)
    outcome = outcome_of(item) if body is not None else None
    state = sign_off_state(item)
    template = SIGN_OFF.get(state)
    return DecisionRow(
        kind=ITEM, id=item.id, day=meeting.date, body_id=meeting.body_id, body=body.name if body else meeting.body_id,
        meeting_id=meeting.id, tracking=body is not None and body.kind == TRACKING,
        request_number=item.id if item.is_request else None,
        children=_on_the_day(item.children, meeting.date, statuses, plans),
        outcome_id=item.outcome_id or "", outcome=outcome.label if outcome else (item.outcome_id or ""),
        decision=item.decision or "", recorded_by=item.recorded_by.name if item.recorded_by else "",
        sign_off_state=state if template else None,
        sign_off=template.format(role_label(tor, item.sign_off_role)) if template else "",
        next_review_on=item.next_review_on, escalated=bool(item.escalate))


def _between_row(decision: UrgentDecision, statuses, plans) -> DecisionRow:
    tor = _tor(decision.tor_version)
    body = _body(tor, decision.body_id)
    by = decision.decided_by.name if decision.decided_by else ""
    role = role_label(tor, decision.role_id)
    return DecisionRow(
        kind=BETWEEN, id=decision.id, day=decision.decided_on, body_id=decision.body_id,
        body=body.name if body else decision.body_id, meeting_id=None, tracking=False, request_number=None,
        children=_on_the_day(decision.children, decision.decided_on, statuses, plans),
        outcome_id=decision.outcome_id, outcome=decision.outcome_label or decision.outcome_id,
        decision=decision.decision or "", recorded_by=f"{by} ({role})" if by else role, sign_off_state=None,
        sign_off="", next_review_on=None, escalated=False)


def load_rows(keys: Sequence[tuple[str, int]]) -> list[DecisionRow]:
    """The decisions ``keys`` names (found by ``decision_keys``, so seen through the object rules), in
    that order, loaded through the ORM: every child shown is noted for the read audit."""
    items: dict[int, AgendaItem] = {}
    between: dict[int, UrgentDecision] = {}
    item_ids = [i for kind, i in keys if kind == ITEM]
    between_ids = [i for kind, i in keys if kind == BETWEEN]
    children = (selectinload(Child.team),)
    for begin in range(0, len(item_ids), BATCH):
        items.update((i.id, i) for i in db.session.execute(
            select(AgendaItem).where(AgendaItem.id.in_(item_ids[begin:begin + BATCH])).options(
                selectinload(AgendaItem.meeting).selectinload(Meeting.tor_version),
                selectinload(AgendaItem.child).options(*children),
                selectinload(AgendaItem.sibling_group).selectinload(SiblingGroup.children).options(*children),
                selectinload(AgendaItem.recorded_by))).scalars())
    for begin in range(0, len(between_ids), BATCH):
        between.update((d.id, d) for d in db.session.execute(
            select(UrgentDecision).where(UrgentDecision.id.in_(between_ids[begin:begin + BATCH])).options(
                selectinload(UrgentDecision.tor_version), selectinload(UrgentDecision.child).options(*children),
                selectinload(UrgentDecision.decided_by))).scalars())
    child_ids = {c.id for row in (*items.values(), *between.values()) for c in row.children}
    statuses, plans = _histories(child_ids)
    rows = []
    for kind, ident in keys:
        if kind == ITEM and ident in items:
            rows.append(_item_row(items[ident], statuses, plans))
        elif kind == BETWEEN and ident in between:
            rows.append(_between_row(between[ident], statuses, plans))
    return rows


@dataclass
class RegisterPage:
    rows: list[DecisionRow]
    count: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.count // self.per_page))


def register_page(flt: DecisionFilter, page: int = 1, per_page: int = PER_PAGE) -> RegisterPage:
    """One page of the register (newest first) and how many decisions the filters select in all."""
    count = count_decisions(flt)
    keys = decision_keys(flt, limit=per_page, offset=(page - 1) * per_page) if count else []
    return RegisterPage(load_rows(keys), count, page, per_page)


def all_rows(flt: DecisionFilter) -> list[DecisionRow]:
    """Every decision ``flt`` selects, newest first (for a download)."""
    return load_rows(decision_keys(flt))


# --- Files ---------------------------------------------------------------------------------------

# The downloads' columns: their headings stay as they are, so a council's own spreadsheet formulas keep working.
HEADINGS = ("Date", "Panel or meeting", "Sitting", "Children", "Case numbers", "Request", "Team",
            "Legal status on the day", "Plan route on the day", "Outcome", "Decision", "Recorded or decided by",
            "Sign-off", "Next review", "Escalated", "Decision record")
HEADER_FILL = PatternFill("solid", fgColor="0B0C0C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
DATE_COLUMNS = (0, 13)


def file_values(row: DecisionRow, link: str) -> list:
    """One row of a download, in ``HEADINGS`` order (dates as dates, blanks as None)."""
    return [row.day, row.body, row.meeting_kind,
            row.names or None, row.case_numbers or None,
            f"Request {row.request_number}" if row.request_number is not None else None, row.team or None,
            row.legal_status or None, row.plan_route or None, row.outcome, row.decision or None,
            row.recorded_by or None, row.sign_off or None, row.next_review_on, "Yes" if row.escalated else "No", link]


def as_csv(rows: Sequence[DecisionRow], link: Callable[[DecisionRow], str]) -> str:
    """The register as CSV text (dates as 31/03/2027), every text cell guarded against formulas."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    for row in rows:
        writer.writerow(["" if v is None else f"{v:%d/%m/%Y}" if isinstance(v, date) else safe_text(v)
                         for v in file_values(row, link(row))])
    return buffer.getvalue()


def as_xlsx(rows: Sequence[DecisionRow], link: Callable[[DecisionRow], str]) -> bytes:
    """The register as an Excel workbook: one sheet, real dates, a frozen header row and a filter."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Decisions")
    for j, heading in enumerate(HEADINGS, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = 40 if heading in ("Decision", "Children") else 18
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(HEADINGS))}{len(rows) + 1}"
    header = []
    for heading in HEADINGS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        header.append(cell)
    sheet.append(header)
    for row in rows:
        cells = []
        for j, value in enumerate(file_values(row, link(row))):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if j in DATE_COLUMNS and isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
