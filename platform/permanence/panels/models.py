"""Panel meetings: the sittings of each panel, generated from the terms of reference's cadence."""

from __future__ import annotations

import enum
import datetime as dt

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import TenantScoped, Timestamped
from ..extensions import db
from ..tor.versions import TorVersion


class MeetingStatus(str, enum.Enum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class Meeting(TenantScoped, Timestamped, db.Model):
    """One sitting of a panel body, under the terms of reference version it was scheduled by.

    ``sitting_date`` is the cadence date a generated meeting stands for (None for one added
    by hand); it never changes, so a moved or cancelled sitting is never generated again.
    """

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "body_id", "sitting_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[str] = mapped_column(String(100))
    tor_version_id: Mapped[int] = mapped_column(ForeignKey("tor_version.id", ondelete="RESTRICT"), index=True)
    sitting_date: Mapped[dt.date | None]
    date: Mapped[dt.date] = mapped_column(index=True)
    starts_at: Mapped[dt.datetime | None]
    ends_at: Mapped[dt.datetime | None]
    venue: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[MeetingStatus] = mapped_column(
        db.Enum(MeetingStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=MeetingStatus.SCHEDULED,
    )
    added_by_hand: Mapped[bool] = mapped_column(default=False)
    moved_from: Mapped[dt.date | None]
    note: Mapped[str] = mapped_column(String(1000), default="")

    tor_version: Mapped[TorVersion] = relationship()

    @property
    def cancelled(self) -> bool:
        return self.status == MeetingStatus.CANCELLED

    def audit_label(self) -> str:
        return f"Meeting of {self.body_id} on {self.date.isoformat()} ({self.status.value})"
