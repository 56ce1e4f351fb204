"""Outgoing e-mail, kept so a council can see what was sent, to whom and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import TenantScoped, Timestamped
from ..extensions import db


class EmailStatus(str, enum.Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class EmailMessage(TenantScoped, Timestamped, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    calendar: Mapped[str | None] = mapped_column(Text)  # an iCalendar invitation, when there is one
    status: Mapped[EmailStatus] = mapped_column(
        db.Enum(EmailStatus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e]),
        default=EmailStatus.QUEUED,
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    sent_at: Mapped[datetime | None]
    # A reminder's identity (kind and subject): the same reminder is never sent twice to one address.
    reminder_key: Mapped[str | None] = mapped_column(String(200), index=True)
