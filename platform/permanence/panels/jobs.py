"""Background jobs of the panels' schedule."""

from __future__ import annotations

from ..core.context import current_tenant_id
from .services import generate_meetings, london_today


def generate_meetings_job() -> int:
    """Create the missing sittings of the job's tenant (periodic, once a day); returns how many."""
    return len(generate_meetings(current_tenant_id(), london_today()))
