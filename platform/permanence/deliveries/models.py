"""The delivery log: one row per decision record (a heard item) and destination, with its state,
attempts, last error, the receiving system's reference and the idempotency key every attempt uses."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.db import TenantScoped, Timestamped
from ..extensions import db
from ..panels.models import AgendaItem


class DeliveryStatus(str, enum.Enum):
    PENDING = "pending"  # queued, not yet tried
    SENDING = "sending"  # an attempt began (a job killed here is retried under the same key)
    SENT = "sent"  # the destination took it (a folder, a mailbox)
    FAILED = "failed"  # the last attempt failed (retried by the queue while retries last; else send again)
    ACKNOWLEDGED = "acknowledged"  # the receiving system answered with its reference

    @property
    def delivered(self) -> bool:
        return self in (DeliveryStatus.SENT, DeliveryStatus.ACKNOWLEDGED)


# How the log names each destination plugin to a panel administrator (another plugin: its own name).
DESTINATION_LABELS = {
    "case_record_folder": "Drop folder",
    "case_record_https": "Secure web link (HTTPS)",
    "case_record_smtp": "Secure mailbox",
}


class DecisionDelivery(TenantScoped, Timestamped, db.Model):
    """A decision record's delivery to one destination (a plugin's name). ``generation`` rises when
    the panel administrator sends a delivered record again on purpose, which makes a new key (a second
    copy is then what was asked for); a retry, or sending again a record not yet delivered, keeps it."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "agenda_item_id", "destination"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    destination: Mapped[str] = mapped_column(String(100))
    trigger: Mapped[str] = mapped_column(String(40))  # minutes_approved, outcome_recorded, sent_again
    status: Mapped[DeliveryStatus] = mapped_column(
        db.Enum(DeliveryStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=DeliveryStatus.PENDING, index=True)
    generation: Mapped[int] = mapped_column(default=1)
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    reference: Mapped[str] = mapped_column(String(300), default="")
    pdf_sha256: Mapped[str] = mapped_column(String(64), default="")
    last_attempt_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    agenda_item: Mapped[AgendaItem] = relationship()
    requested_by: Mapped[User | None] = relationship()

    @property
    def destination_label(self) -> str:
        return DESTINATION_LABELS.get(self.destination, self.destination.replace("_", " "))

    def audit_label(self) -> str:
        return f"Delivery {self.id} of item {self.agenda_item_id} to {self.destination} ({self.status.value})"
