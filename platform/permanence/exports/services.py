"""The tracker as a spreadsheet, in the council's own column layout (XLSX and CSV).

For councils that must still send a spreadsheet: one row per child, the columns the
``tracker:`` section of their terms of reference lists, in its order, with its headings
and the council's wording for codes. Milestone columns show the milestones the tracker
keeps for each child (``permanence.tracker``: recomputed whenever the record changes and
nightly, with the events other features supply), so the spreadsheet says what the
tracker pages say.
The workbook has real dates (formatted as the council writes them), a styled and
frozen header row and a filter on every column.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..cases import codes
from ..cases.facts import child_events, child_facts
from ..cases.models import Child
from ..tor.vocabulary import latest_date
from ..tracker.services import events_from_sources
from ..extensions import db
from ..tor.timescales import ACHIEVED, ACHIEVED_LATE, NOT_APPLICABLE, OVERDUE
from ..tracker.models import Milestone
from ..tor.tracker import (CODE, CODES, DATE, DAY, FIELD, MILESTONE, NUMBER, PERSON, SEX, TEAM, YES_NO,
                           TrackerColumn, TrackerLayout, format_date)

STATUS_LABELS = {"upcoming": "Upcoming", "due_soon": "Due soon", "overdue": "Overdue", "achieved": "Achieved",
                 "achieved_late": "Achieved late", "not_applicable": "Not applicable",
                 "waiting": "Waiting"}
HEADER_FILL = PatternFill("solid", fgColor="0B0C0C")
HEADER_FONT = Font(bold=True, color="FFFFFF")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BATCH = 500
_LOADED = ("care_periods", "legal_statuses", "placements", "reviews", "proceedings", "pre_proceedings", "plans",
           "flags", "key_dates", "adoption_decisions", "adoptions",
           "unaccompanied")  # what child_events and the flags read


def children_for_export(stmt) -> list[Child]:
    """The children of ``stmt`` (already restricted to those the member may see), with everything
    the columns read loaded up front rather than child by child."""
    stmt = stmt.order_by(Child.last_name, Child.first_name, Child.case_number).options(
        selectinload(Child.team), selectinload(Child.social_worker), selectinload(Child.team_manager),
        selectinload(Child.iro), *(selectinload(getattr(Child, name)) for name in _LOADED))
    return db.session.execute(stmt).scalars().all()


# --- Values -------------------------------------------------------------------------------------

@dataclass
class _ChildView:
    """One child's record read once for all the columns."""

    child: Child
    facts: dict
    events: dict
    milestones: dict[str, Milestone]


# What a child who has left care (a period of care ended, none begun since) no longer has: a
# placement or a legal status is of a period of care, so a row left open by its source is not shown.
IN_CARE_ONLY = frozenset({"placement.type", "placement.approved_permanent", "months_in_placement",
                          "placement_start", "legal_status", "legal_status_start"})


# Dates of a period of care: one from an earlier period (a placement order before the child went home
# and came back) belongs to a superseded period and is not shown.
OF_THE_PERIOD = frozenset({"care_order", "placement_order", "placed_for_adoption"})


def _current_start(rows, day: date, key: str = "start") -> date | None:
    current = [r for r in rows if r.current_on(day)]
    return getattr(current[-1], key) if current else None


def _left_care(view: _ChildView) -> bool:
    return view.events.get("left_care") is not None


def _date_value(name: str, view: _ChildView, today: date) -> date | None:
    child = view.child
    if name in IN_CARE_ONLY and _left_care(view):
        return None
    if name == "legal_status_start":
        return _current_start(child.legal_statuses, today)
    if name == "placement_start":  # the current placement's, never an ended one's
        return _current_start(child.placements, today)
    if name == "plan_agreed":
        return _current_start([p for p in child.plans if p.kind == "primary"], today, key="agreed_on")
    value = latest_date(view.events.get(name))
    entered = view.events.get("entered_care")
    if name in OF_THE_PERIOD and value is not None and entered is not None and value < entered:
        return None
    return value


def _code_text(column: TrackerColumn, values, code: str) -> str:
    return column.wording_for(code) or codes.label(values, code)


def _milestone_value(column: TrackerColumn, view: _ChildView, date_format: str):
    """The column's milestone as the tracker keeps it: the one rule, or of several (first, second,
    then every later review) the soonest still open, so "next review due" is the one after the last
    review held, and blank once none is open (all met, or the child has left care: the cycle's
    milestones then stop applying). A due date that has passed reads "Overdue since <date>", as
    the tracker's drift says it."""
    found = [view.milestones[n] for n in column.names if n in view.milestones]
    applicable = [m for m in found if m.status != NOT_APPLICABLE]
    if len(column.names) > 1 and column.show != "achieved":
        applicable = [m for m in applicable if m.status not in (ACHIEVED, ACHIEVED_LATE)]
    if not applicable:
        return STATUS_LABELS[NOT_APPLICABLE] if column.show == "status" else None
    dated = [m for m in applicable if m.due is not None]  # a waiting one has no due date yet
    milestone = min(dated, key=lambda m: m.due) if dated else applicable[0]
    if column.show == "status":
        return STATUS_LABELS[milestone.status]
    if column.show == "achieved":
        return milestone.achieved
    if milestone.status == OVERDUE and milestone.due is not None:
        return f"Overdue since {format_date(milestone.due, date_format)}"
    return milestone.due


def column_value(column: TrackerColumn, view: _ChildView, today: date, date_format: str = "dd/mm/yyyy") -> Any:
    """What ``column`` shows for one child: text, a number, a date, or None for blank."""
    child = view.child
    if column.kind == MILESTONE:
        return _milestone_value(column, view, date_format)
    if column.name in IN_CARE_ONLY and _left_care(view):
        return None
    source = column.value_source
    if column.kind == DATE:
        return _date_value(column.name, view, today)
    if column.kind == FIELD:
        if source.type == TEAM:
            return child.team.name if child.team else None
        if source.type == PERSON:
            person = getattr(child, column.name)
            return person.name if person else None
        if source.type == SEX:
            return codes.SEXES.get(child.sex) if child.sex else None
        return child.name.strip() if column.name == "name" else getattr(child, column.name)
    value = view.facts.get(column.name)
    if value is None:
        return None
    if source.type == CODE:
        return _code_text(column, source.codes, value)
    if source.type == CODES:
        return "; ".join(_code_text(column, source.codes, v) for v in value) or None
    if source.type == YES_NO:
        return "Yes" if value else "No"
    return value if source.type == NUMBER else str(value)


def stored_milestones(child_ids: list[int]) -> dict[int, dict[str, Milestone]]:
    """The milestones the tracker keeps for these children, by child and timescale id (only the
    timescales that apply to a child are kept), a few hundred children a query."""
    found: dict[int, dict[str, Milestone]] = {}
    for start in range(0, len(child_ids), BATCH):
        chunk = child_ids[start:start + BATCH]
        for m in db.session.execute(select(Milestone).where(Milestone.child_id.in_(chunk))).scalars():
            found.setdefault(m.child_id, {})[m.rule_id] = m
    return found


def tracker_rows(children: Sequence[Child], layout: TrackerLayout, today: date) -> list[list]:
    """One list of values per child, in the layout's column order."""
    wants_milestones = any(c.kind == MILESTONE for c in layout.columns)
    milestones = stored_milestones([c.id for c in children]) if wants_milestones else {}
    recorded = events_from_sources([c.id for c in children], today)
    rows = []
    for child in children:
        events = {**child_events(child, today), **recorded.get(child.id, {})}
        view = _ChildView(child, child_facts(child, today), events, milestones.get(child.id, {}))
        rows.append([column_value(c, view, today, layout.date_format) for c in layout.columns])
    return rows


def _is_date_column(column: TrackerColumn) -> bool:
    if column.kind == MILESTONE:
        return column.show != "status"
    return column.kind == DATE or (column.value_source is not None and column.value_source.type == DAY)


# --- Files --------------------------------------------------------------------------------------

def safe_text(value: str) -> str:
    """Text a spreadsheet would run as a formula is written with a leading apostrophe."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def as_csv(layout: TrackerLayout, rows: Sequence[list]) -> str:
    """The tracker as CSV text, dates written as the council writes them."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([c.heading for c in layout.columns])
    for row in rows:
        writer.writerow(["" if v is None else format_date(v, layout.date_format) if isinstance(v, date)
                         else safe_text(v) if isinstance(v, str) else v for v in row])
    return buffer.getvalue()


def as_xlsx(layout: TrackerLayout, rows: Sequence[list]) -> bytes:
    """The tracker as an Excel workbook: one sheet named as the council names it."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(layout.sheet)
    widths = [max(12, min(40, len(c.heading) + 4)) for c in layout.columns]
    for i, row in enumerate(rows[:200]):
        for j, value in enumerate(row):
            if isinstance(value, str):
                widths[j] = max(widths[j], min(40, len(value) + 2))
    for j, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(j)].width = width
    sheet.freeze_panes = "A2"
    last = get_column_letter(len(layout.columns))
    sheet.auto_filter.ref = f"A1:{last}{len(rows) + 1}"
    header = []
    for column in layout.columns:
        cell = WriteOnlyCell(sheet, value=column.heading)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        header.append(cell)
    sheet.append(header)
    date_columns = {j for j, c in enumerate(layout.columns) if _is_date_column(c)}
    for row in rows:
        cells = []
        for j, value in enumerate(row):
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # text, never a formula
            if j in date_columns and isinstance(value, date):
                cell.number_format = layout.date_format
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
