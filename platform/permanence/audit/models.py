"""Append-only audit events.

Rows are written with Core inserts from the ORM flush and from ``record``, never
updated or deleted by the application; on PostgreSQL a trigger and revoked
privileges enforce that (see the migration).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..core.clock import utcnow
from ..core.db import TenantScoped
from ..extensions import db


class AuditEvent(TenantScoped, db.Model):
    """One thing that happened. ``tenant_id`` is empty only for platform-level events
    (signing in, onboarding a council), which the tenant scope therefore never shows."""

    __tablename__ = "audit_event"
    # No RETURNING: row-level security lets a tenant-less session write platform events it may not read.
    __table_args__ = (Index("ix_audit_event_tenant_at", "tenant_id", "at"), {"implicit_returning": False})

    id: Mapped[int] = mapped_column(primary_key=True)
    tenant_id: Mapped[int | None] = mapped_column(ForeignKey("tenant.id", ondelete="RESTRICT"), nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    actor_label: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str | None] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(40), index=True)
    entity_type: Mapped[str | None] = mapped_column(String(60), index=True)
    entity_id: Mapped[str | None] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(String(500), default="")
    changes: Mapped[dict | None] = mapped_column(JSON)
