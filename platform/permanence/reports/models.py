"""Reports the platform built for a ToR's reporting duty, kept so the audience reads the same
figures the day they were told as a year later."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.db import TenantScoped, Timestamped
from ..extensions import db


class BuiltReport(TenantScoped, Timestamped, db.Model):
    """One reporting duty's report on one body for one period: its PDF and CSV as built, and who
    was told. Unique per duty, body and period, so a duty's report is built (and told) once."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "duty_id", "body_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    duty_id: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))  # the duty's label, as the ToR said it then
    body_id: Mapped[str] = mapped_column(String(100))
    body_name: Mapped[str] = mapped_column(String(300))
    period_start: Mapped[date]
    period_end: Mapped[date]  # inclusive
    period_label: Mapped[str] = mapped_column(String(200))
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    csv: Mapped[str] = mapped_column(Text)
    told: Mapped[str] = mapped_column(Text, default="")  # the addresses e-mailed, one a line

    @property
    def filename(self) -> str:
        return f"{self.duty_id}-{self.body_id}-{self.period_start.isoformat()}"

    def audit_label(self) -> str:
        return f"Report {self.duty_id} on {self.body_id} for {self.period_label}"
