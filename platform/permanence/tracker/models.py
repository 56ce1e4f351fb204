"""The permanence tracker's records: each child's milestones, the bodies whose cohort the child is
in, and drift with its escalations and acknowledgements.

Milestones and cohort memberships are worked out from the child's histories by
``tracker.services`` (never typed in), so they say which rule of the terms of reference
produced them. Drift is opened by the system when a milestone is overdue and closed by it
when the milestone is met; people acknowledge it and escalate it, and every step is kept.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..cases.models import LegalStatus, PermanencePlan
from ..core.clock import utcnow
from ..core.db import TenantScoped, Timestamped
from ..extensions import db

ORIGIN_LABELS = {"statutory": "Statutory", "tenant": "Terms of reference", "cadence": "Tracking meeting cadence",
                 "agreed": "Agreed for the child"}


def _child_fk():
    return mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)


class Milestone(TenantScoped, Timestamped, db.Model):
    """Where one timescale rule stands for one child: due, achieved, or late.

    Only rules that apply to the child are kept; ``rule_*`` columns say which rule of the
    council's terms of reference produced the milestone (or that it is statutory)."""

    __tablename__ = "milestone"
    __audit__ = True
    __audit_exclude__ = ("computed_at",)  # recomputed nightly: only real changes are worth a record
    __table_args__ = (
        UniqueConstraint("tenant_id", "child_id", "rule_id"),
        Index("ix_milestone_tenant_id_child_id_status", "tenant_id", "child_id", "status", "due"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = _child_fk()
    rule_id: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    rule_origin: Mapped[str] = mapped_column(String(20))  # statutory, tenant, cadence or agreed
    rule_source: Mapped[str] = mapped_column(String(300), default="")  # the ToR section or statute
    rule_text: Mapped[str] = mapped_column(String(500), default="")  # the rule in English
    anchor_event: Mapped[str | None] = mapped_column(String(40))
    anchor_date: Mapped[date | None]
    due: Mapped[date | None]  # None while waiting for the event it is anchored on
    achieved: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20))  # tor.timescales.STATUSES
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def origin_label(self) -> str:
        return ORIGIN_LABELS.get(self.rule_origin, self.rule_origin)

    def audit_label(self) -> str:
        return f"Milestone {self.rule_id} of child {self.child_id}"


class TrackerLine(TenantScoped, db.Model):
    """One child's line of the tracker as the last recompute left it: legal status and plan route on
    that day, the next milestone due and the open drift. The tracker sorts and filters a council of
    thousands on these indexed columns instead of working them out per child per request; the
    recompute (after any change to the child, and nightly) keeps them current. Not audited: it
    repeats what the milestones and drift already record."""

    __tablename__ = "tracker_line"
    __table_args__ = (
        Index("ix_tracker_line_tenant_id_next_due", "tenant_id", "next_due"),
        Index("ix_tracker_line_tenant_id_open_drift", "tenant_id", "open_drift"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), unique=True)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)  # when the recompute last changed it
    legal_status: Mapped[str | None] = mapped_column(String(2))
    plan_route: Mapped[str | None] = mapped_column(String(30))
    next_due: Mapped[date | None]  # the soonest due date of a milestone still to be met
    open_drift: Mapped[int] = mapped_column(default=0)


class CohortMember(TenantScoped, Timestamped, db.Model):
    """A child is in the cohort of a panel or tracking meeting (a body of the terms of reference),
    kept with the milestones so the tracker filters by body without evaluating rules per request."""

    __tablename__ = "cohort_member"
    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "child_id", "body_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = _child_fk()
    body_id: Mapped[str] = mapped_column(String(100), index=True)

    def audit_label(self) -> str:
        return f"Child {self.child_id} in the cohort of {self.body_id}"


class Drift(TenantScoped, Timestamped, db.Model):
    """A milestone gone past its due date: open until the milestone is met or stops applying (the
    child left care, ...; ``close_reason`` says which), climbing the council's escalation ladder
    meanwhile. ``level`` is the ladder step reached (0: not escalated yet)."""

    __tablename__ = "drift"
    __audit__ = True
    __table_args__ = (
        # One open drift per child and rule, whoever opens it.
        Index("uq_drift_one_open", "tenant_id", "child_id", "rule_id", unique=True,
              sqlite_where=text("closed_on IS NULL"), postgresql_where=text("closed_on IS NULL")),
        Index("ix_drift_tenant_id_closed_on", "tenant_id", "closed_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = _child_fk()
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("milestone.id", ondelete="SET NULL"), index=True)
    rule_id: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    due: Mapped[date]  # the due date that was missed
    opened_on: Mapped[date]
    closed_on: Mapped[date | None]
    close_reason: Mapped[str] = mapped_column(String(300), default="")
    ladder_id: Mapped[str | None] = mapped_column(String(100))
    level: Mapped[int] = mapped_column(default=0)
    escalated_to: Mapped[str | None] = mapped_column(String(100))  # role id of the step reached

    milestone: Mapped[Milestone | None] = relationship()
    escalations: Mapped[list["Escalation"]] = relationship(
        back_populates="drift", cascade="all, delete-orphan", passive_deletes=True, order_by="Escalation.id")
    acknowledgements: Mapped[list["DriftAcknowledgement"]] = relationship(
        back_populates="drift", cascade="all, delete-orphan", passive_deletes=True,
        order_by="DriftAcknowledgement.id")

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def days_overdue(self, today: date) -> int:
        return max(0, ((self.closed_on or today) - self.due).days)

    def audit_label(self) -> str:
        return f"Drift on {self.rule_id} of child {self.child_id}"


class Escalation(TenantScoped, db.Model):
    """One step of a drift up the escalation ladder: by the system when the ToR's time ran out, or
    by a person with a reason; who was told."""

    __tablename__ = "escalation"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    drift_id: Mapped[int] = mapped_column(ForeignKey("drift.id", ondelete="CASCADE"), index=True)
    level: Mapped[int]
    role: Mapped[str] = mapped_column(String(100))
    role_label: Mapped[str] = mapped_column(String(200))
    escalated_on: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    manual: Mapped[bool] = mapped_column(Boolean, default=False)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_label: Mapped[str] = mapped_column(String(254))  # "system" or the person's name
    reason: Mapped[str] = mapped_column(String(2000))
    notified: Mapped[str] = mapped_column(Text, default="")  # e-mail addresses told, one a line

    drift: Mapped[Drift] = relationship(back_populates="escalations")

    @property
    def notified_list(self) -> list[str]:
        return [a for a in self.notified.splitlines() if a]

    def audit_label(self) -> str:
        return f"Escalation of drift {self.drift_id} to level {self.level} ({self.role})"


class DriftAcknowledgement(TenantScoped, db.Model):
    """Someone has seen the drift and recorded what was decided."""

    __tablename__ = "drift_acknowledgement"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    drift_id: Mapped[int] = mapped_column(ForeignKey("drift.id", ondelete="CASCADE"), index=True)
    acknowledged_on: Mapped[date]
    at: Mapped[datetime] = mapped_column(default=utcnow)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_label: Mapped[str] = mapped_column(String(254))
    decision: Mapped[str] = mapped_column(String(30))  # DECISIONS
    note: Mapped[str] = mapped_column(String(2000))

    drift: Mapped[Drift] = relationship(back_populates="acknowledgements")

    def audit_label(self) -> str:
        return f"Acknowledgement of drift {self.drift_id} ({self.decision})"


DECISIONS = {
    "action_agreed": "Action agreed to get the plan back on track",
    "delay_accepted": "Delay accepted for a reason recorded in the note",
    "record_to_correct": "The record is wrong and will be corrected",
    "other": "Other decision, explained in the note",
}


# The tracker asks, for every child of a council at once, "the status and plan on this day": with
# only single-column indexes the planner may search by tenant and scan the council's whole history
# once per child. These put the child next to the tenant.
Index("ix_legal_status_tenant_id_child_id_start", LegalStatus.tenant_id, LegalStatus.child_id, LegalStatus.start)
Index("ix_permanence_plan_tenant_id_child_id_agreed_on", PermanencePlan.tenant_id, PermanencePlan.child_id,
      PermanencePlan.agreed_on)
