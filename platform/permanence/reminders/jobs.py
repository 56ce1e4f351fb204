"""The daily reminders job, once per council (``core.schedule`` fans it out). ``today`` (ISO) is
for running by hand."""

from __future__ import annotations

from datetime import date

from ..core.clock import london_today
from .services import send_due_reminders


def _day(today: str | None) -> date:
    return date.fromisoformat(today) if today else london_today()


def send_reminders_job(today: str | None = None) -> dict[str, int]:
    """Queue the reminders due today that were not sent before (once per person and deadline)."""
    return send_due_reminders(_day(today))
