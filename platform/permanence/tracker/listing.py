"""The tracker's rows: one per child the member may see, filtered and sorted, a page at a time.

Legal status and plan route on the day, the next milestone due and the open drift are read from
each child's ``TrackerLine``, which the recompute keeps (indexed per council), so filtering and
sorting a council of thousands happen in the database on stored columns, and a page loads in a
fixed number of queries however many children it shows (the count, the page, the page's next
milestones and drift). A child not yet recomputed (just added, its job still queued) shows no
status, route or due date until it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import aliased

from ..accounts.models import Team, User
from ..accounts.permissions import visible
from ..cases.models import Child
from ..cases.services import children_for_listing
from ..extensions import db
from .models import CohortMember, Drift, Milestone, TrackerLine
from .services import LIVE

PAGE_SIZE = 50
SORTS = ("child", "team", "worker", "legal_status", "plan_route", "next_due", "drift")
DIRECTIONS = ("asc", "desc")


@dataclass
class TrackerQuery:
    """What the member asked for; every field already validated by the form or schema."""

    body: str | None = None
    team_id: int | None = None
    worker_id: int | None = None
    legal_status: str | None = None
    plan_route: str | None = None
    drift_only: bool = False
    mine_of: int | None = None  # the member's own children: allocated to, managed or reviewed by this user
    sort: str = "next_due"
    direction: str = "asc"
    page: int = 1
    per_page: int = PAGE_SIZE


@dataclass
class TrackerRow:
    child: Child
    legal_status: str | None
    plan_route: str | None
    next_due: date | None
    next_milestone: Milestone | None
    open_drift: list[Drift] = field(default_factory=list)

    @property
    def open_drift_count(self) -> int:
        return len(self.open_drift)

    @property
    def drift_level(self) -> int:
        return max((d.level for d in self.open_drift), default=0)


@dataclass
class TrackerPage:
    rows: list[TrackerRow]
    total: int
    page: int
    pages: int


def _columns():
    """The stored columns, through an outer join: a child with no row yet still lists."""
    return (TrackerLine.legal_status, TrackerLine.plan_route, TrackerLine.next_due,
            func.coalesce(TrackerLine.open_drift, 0))


def tracker_page(query: TrackerQuery, today: date) -> TrackerPage:
    """The page of rows ``query`` asks for, among the children the current member may see."""
    legal_status, plan_route, next_due, drift = _columns()
    worker = aliased(User)
    stmt = visible(select(Child, legal_status.label("legal_status"), plan_route.label("plan_route"),
                          next_due.label("next_due"), drift.label("drift"))
                   .outerjoin(TrackerLine, TrackerLine.child_id == Child.id), Child)
    if query.body:
        stmt = stmt.where(Child.id.in_(select(CohortMember.child_id).where(CohortMember.body_id == query.body)))
    if query.team_id:
        stmt = stmt.where(Child.team_id == query.team_id)
    if query.worker_id:
        stmt = stmt.where(Child.social_worker_id == query.worker_id)
    if query.legal_status:
        stmt = stmt.where(legal_status == query.legal_status)
    if query.plan_route:
        stmt = stmt.where(plan_route == query.plan_route)
    if query.drift_only:
        stmt = stmt.where(TrackerLine.open_drift > 0)
    if query.mine_of:
        me = query.mine_of
        stmt = stmt.where(or_(Child.social_worker_id == me, Child.team_manager_id == me, Child.iro_id == me))
    total = db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()

    key = {"child": None, "team": Team.name, "worker": worker.name, "legal_status": legal_status,
           "plan_route": plan_route, "next_due": next_due, "drift": drift}[query.sort]
    if query.sort == "team":
        stmt = stmt.outerjoin(Team, Team.id == Child.team_id)
    if query.sort == "worker":
        stmt = stmt.outerjoin(worker, worker.id == Child.social_worker_id)
    names = (Child.last_name, Child.first_name, Child.id)
    if key is None:
        order = [c.desc() if query.direction == "desc" else c.asc() for c in names]
    else:
        order = [(key.desc() if query.direction == "desc" else key.asc()).nulls_last(), *names]
    pages = max(1, -(-total // query.per_page))
    page = min(query.page, pages)
    results = db.session.execute(children_for_listing(
        stmt.order_by(*order).limit(query.per_page).offset((page - 1) * query.per_page))).all()
    ids = [r[0].id for r in results]
    nexts: dict[int, Milestone] = {}
    drifts: dict[int, list[Drift]] = {}
    if ids:
        for m in db.session.execute(select(Milestone).where(
                Milestone.child_id.in_(ids), Milestone.status.in_(LIVE)).order_by(
                Milestone.child_id, Milestone.due, Milestone.id)).scalars():
            nexts.setdefault(m.child_id, m)
        for d in db.session.execute(select(Drift).where(
                and_(Drift.child_id.in_(ids), Drift.closed_on.is_(None))).order_by(Drift.due)).scalars():
            drifts.setdefault(d.child_id, []).append(d)
    rows = [TrackerRow(child, status, route, due, nexts.get(child.id), drifts.get(child.id, []))
            for child, status, route, due, _ in results]
    return TrackerPage(rows, total, page, pages)
