"""The agenda's own table: each member's papers pack of a sitting as one PDF, as last built."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.clock import utcnow
from ..core.db import TenantScoped
from ..extensions import db
from ..panels.models import Meeting


class PapersPack(TenantScoped, db.Model):
    """One member's papers pack of one sitting (``agenda.pack``): the PDF as built on ``built_at``,
    and the fingerprint of what went into it (the agenda they may read, the papers' versions, the
    sitting's details, their name), so an unchanged pack is not built again and a changed one is
    never served. One row per sitting and member, replaced when rebuilt."""

    __tablename__ = "papers_pack"
    __table_args__ = (UniqueConstraint("tenant_id", "meeting_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    fingerprint: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    pages: Mapped[int]
    size: Mapped[int]
    pdf: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)

    meeting: Mapped[Meeting] = relationship()

    def audit_label(self) -> str:
        return f"Papers pack of meeting {self.meeting_id} for user {self.user_id}"
