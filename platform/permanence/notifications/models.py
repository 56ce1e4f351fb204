"""Outgoing e-mail, kept so a council can see what was sent, to whom and when."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..core.db import TenantScoped, Timestamped
from ..extensions import db


class EmailStatus(str, enum.Enum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"
    HELD = "held"  # waiting for the person's daily digest (their choice for its kind)
    DIGESTED = "digested"  # went in a daily digest (``EmailMessage.digest_id``), never sent by itself
    GROUPED = "grouped"  # went in one e-mail with the run's other notices to the address (``digest_id``)


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
    # The kind of notice (``kinds.KINDS``), which says whether it may wait for a daily digest.
    kind: Mapped[str | None] = mapped_column(String(40))
    # The daily digest a held message went in, or the one e-mail a grouped notice went in.
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("email_message.id", ondelete="SET NULL"))


class NotificationPreference(TenantScoped, Timestamped, db.Model):
    """How one person gets one kind of notice in one council: straight away or in the daily
    digest. No row is straight away (the default for everyone)."""

    __audit__ = True
    __table_args__ = (UniqueConstraint("tenant_id", "user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    mode: Mapped[str] = mapped_column(String(10))  # kinds.IMMEDIATE or kinds.DIGEST_MODE
