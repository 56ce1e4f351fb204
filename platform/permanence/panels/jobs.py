"""Background jobs of the panels: the schedule of sittings and children's tracking meetings.
``today`` (ISO) is for running by hand."""

from __future__ import annotations

from datetime import date

from ..core.clock import london_today
from ..core.context import current_tenant_id
from .services import generate_meetings
from .tracking import book_due_tracking_meetings
def generate_meetings_job() -> int:
    """Create the missing sittings of the job's tenant (periodic, once a day); returns how many."""
    return len(generate_meetings(current_tenant_id(), london_today()))


def book_tracking_meetings_job(today: str | None = None) -> int:
    """Book every child's next tracking meeting not booked yet; returns how many were booked.
    Runs after the nightly tracker recompute, whose milestones give the due dates."""
    return len(book_due_tracking_meetings(date.fromisoformat(today) if today else london_today()))
