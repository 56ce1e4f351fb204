"""The same measures side by side across the councils that share them: aggregates only.

Each council that has switched sharing on (``Tenant.shares_measures``) and is open has its measures
worked out in its own scope (``services.council_measures``, inside ``tenant_context``, so PostgreSQL's
row-level security applies to every read). Only numbers leave that scope (``Figure``: a value, how many
children it rests on, and what is needed to add councils together); never a child's id. Cells resting on
too few children are hidden (``suppression``), with the cells that would let them be worked out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from ..audit import services as audit
from ..extensions import db
from ..tenancy.models import Tenant, TenantStatus
from . import services
from .formatting import show
from .suppression import SUPPRESSED, suppressed_cells

TOTAL = "total"


@dataclass(frozen=True)
class Figure:
    """One council's figure for one row: no child in it."""

    value: float | int | None
    count: int
    combine: str  # how councils add up: "sum", "average", "percent", "max"
    numerator: int | None = None
    sum_of: float | None = None


@dataclass(frozen=True)
class Row:
    key: str
    label: str
    unit: str
    threshold: int | None = None
    part_of: str | None = None  # a group's part: the key of the row it adds up to


@dataclass
class ShownCell:
    text: str
    children: str = ""  # "12 children", unless hidden or the figure is itself the count
    met: str = ""  # "Met", "Not met" against the threshold
    suppressed: bool = False


@dataclass
class ShownRow:
    row: Row
    cells: list[ShownCell] = field(default_factory=list)


@dataclass
class Table:
    as_of: date
    councils: list[str]
    rows: list[ShownRow]
    min_count: int
    any_suppressed: bool


def sharing_councils() -> list[Tenant]:
    """The open councils that share their measures, by name."""
    return list(db.session.execute(
        select(Tenant).where(Tenant.shares_measures.is_(True), Tenant.status == TenantStatus.ACTIVE)
        .order_by(Tenant.name)).scalars())


def set_sharing(tenant: Tenant, shares: bool) -> None:
    """The council's switch (its administrator's), audited as the two-factor switch is."""
    if tenant.shares_measures == shares:
        return
    tenant.shares_measures = shares
    db.session.flush()
    audit.record("update", entity_type="Tenant", entity_id=tenant.id, tenant_id=tenant.id,
                 summary=f"{tenant.name} {'now shares' if shares else 'no longer shares'} its measures "
                         "with other councils (figures only)")


def _figures(measures: list[services.Measure]) -> tuple[list[Row], dict[str, Figure]]:
    rows, figures = [], {}
    for m in measures:
        if m.sum_of is not None:
            combine = "average"
        elif m.numerator is not None:
            combine = "percent"
        elif m.unit == "children":
            combine = "sum"
        else:
            combine = "max"
        rows.append(Row(m.id, m.label, m.unit, m.threshold))
        figures[m.id] = Figure(m.value, m.count, combine, m.numerator, m.sum_of)
        for label, n in m.breakdown:
            key = f"{m.id}:{label}"
            rows.append(Row(key, label, "children", part_of=m.id))
            figures[key] = Figure(n, n, "sum")
    return rows, figures


def _total(row: Row, figures: list[Figure]) -> Figure:
    kind = figures[0].combine
    count = sum(f.count for f in figures)
    if kind == "sum":
        return Figure(sum(f.value or 0 for f in figures), count, kind)
    if kind == "average":
        total = sum(f.sum_of or 0 for f in figures)
        rounding = services.whole if row.unit == "days" else services.one_place
        return Figure(rounding(total / count) if count else None, count, kind, sum_of=total)
    if kind == "percent":
        numerator = sum(f.numerator or 0 for f in figures)
        return Figure(services.percent(numerator, count), count, kind, numerator=numerator)
    values = [f.value for f in figures if f.value is not None]
    return Figure(max(values) if values else None, count, kind)


def across_councils(as_of: date, min_count: int) -> Table:
    """The measures of every sharing council on ``as_of``, with a total column, hidden where too few."""
    councils = sharing_councils()
    rows: list[Row] = []
    columns: dict[int, dict[str, Figure]] = {}
    for tenant in councils:
        tenant_rows, columns[tenant.id] = _figures(services.council_measures(tenant.id, as_of))
        rows = rows or tenant_rows
    if not councils:
        return Table(as_of, [], [], min_count, False)
    totals = {row.key: _total(row, [columns[t.id][row.key] for t in councils]) for row in rows}
    counts = {(row.key, t.id): columns[t.id][row.key].count for row in rows for t in councils}
    counts.update({(row.key, TOTAL): totals[row.key].count for row in rows})
    groups = [(row.key, [r.key for r in rows if r.part_of == row.key]) for row in rows
              if any(r.part_of == row.key for r in rows)]
    hidden = suppressed_cells(counts, min_count=min_count, columns=[t.id for t in councils], total_column=TOTAL,
                              row_groups=groups)
    shown = []
    for row in rows:
        cells = [_cell(row, columns[t.id][row.key], (row.key, t.id) in hidden) for t in councils]
        cells.append(_cell(row, totals[row.key], (row.key, TOTAL) in hidden))
        shown.append(ShownRow(row, cells))
    return Table(as_of, [t.name for t in councils], shown, min_count, bool(hidden))


def _cell(row: Row, figure: Figure, hidden: bool) -> ShownCell:
    if hidden:
        return ShownCell(SUPPRESSED, suppressed=True)
    if figure.value is None:
        return ShownCell("No children counted")
    children = "" if row.unit == "children" else f"{figure.count} {'child' if figure.count == 1 else 'children'}"
    met = ""
    if row.threshold is not None:
        met = "Met" if figure.value <= row.threshold else "Not met"
    return ShownCell(show(figure.value, row.unit), children, met)
