"""What the central administrator's home shows of each council and of the scheduled jobs: counts and
times only, never a child. Each council's figures are read inside its own context, so PostgreSQL's
row-level security applies as for its own members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from ..accounts.models import Membership, User
from ..audit.models import AuditEvent
from ..core import schedule
from ..core.context import tenant_context
from ..extensions import db


@dataclass(frozen=True)
class CouncilActivity:
    users: int  # active memberships
    last_sign_in: datetime | None  # of any of its members
    last_change: datetime | None  # the latest event in its audit log


def council_activity(tenants) -> dict[int, CouncilActivity]:
    result = {}
    for tenant in tenants:
        with tenant_context(tenant.id):
            users, last_sign_in = db.session.execute(
                select(func.count(Membership.id), func.max(User.last_sign_in_at))
                .join(User, User.id == Membership.user_id).where(Membership.active.is_(True))).one()
            last_change = db.session.execute(
                select(func.max(AuditEvent.at)).where(AuditEvent.tenant_id == tenant.id)).scalar_one()
        result[tenant.id] = CouncilActivity(users, last_sign_in, last_change)
    return result


@dataclass(frozen=True)
class JobHealth:
    total: int
    failing: list[str]  # jobs whose last run had a part fail
    never_run: list[str]


def job_health() -> JobHealth:
    statuses = schedule.job_statuses()
    failing = [s.job.name for s in statuses if s.last is not None and (s.last.failed or s.last.last_error)]
    never = [s.job.name for s in statuses if s.last is None]
    return JobHealth(len(statuses), failing, never)
