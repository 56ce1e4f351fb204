"""Daily jobs, once per council (``core.schedule`` fans them out): book the tracking meetings
that are due and send the reminders that are due. ``today`` (ISO) is for running by hand."""

from __future__ import annotations

from datetime import date

from ..panels.services import london_today
from ..panels.tracking import book_due_tracking_meetings
from .services import send_due_reminders


def _day(today: str | None) -> date:
    return date.fromisoformat(today) if today else london_today()


def book_tracking_meetings_job(today: str | None = None) -> int:
    """Book every child's next tracking meeting not booked yet; returns how many were booked.
    Runs after the nightly tracker recompute, whose milestones give the due dates."""
    return len(book_due_tracking_meetings(_day(today)))


def send_reminders_job(today: str | None = None) -> dict[str, int]:
    """Queue the reminders due today that were not sent before (once per person and deadline)."""
    return send_due_reminders(_day(today))
