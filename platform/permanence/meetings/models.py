"""The meetings feature's own records: the dates a meeting agreed for a child (an outcome's
``sets_dates``), which the tracker measures like any other timescale (``meetings.agreed_dates``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..accounts.models import User
from ..core.db import TenantScoped, Timestamped
from ..extensions import db
from ..panels.models import AgendaItem


class AgreedDate(TenantScoped, Timestamped, db.Model):
    """A date a meeting agreed for one child when it recorded an outcome that sets it ("matching
    report to panel by 14 April 2026"). Every agreement is kept: the latest meeting's date for the
    same body and date id is the one in force; re-recording the item replaces its own rows."""

    __tablename__ = "agreed_date"
    __audit__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id", ondelete="CASCADE"), index=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    body_id: Mapped[str] = mapped_column(String(100))
    date_id: Mapped[str] = mapped_column(String(100))
    label: Mapped[str] = mapped_column(String(300))
    met_by: Mapped[str] = mapped_column(String(40))  # the event of the terms of reference that meets it
    due: Mapped[date]
    agreed_on: Mapped[date]  # the date of the meeting that agreed it
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    agenda_item: Mapped[AgendaItem] = relationship()
    set_by: Mapped[User | None] = relationship()

    def audit_label(self) -> str:
        return f"Date agreed for child {self.child_id}: {self.date_id} by {self.due:%Y-%m-%d}"
