"""Background jobs of the tracker: recompute after a change, and the nightly run."""

from __future__ import annotations

from datetime import date

from ..core.clock import london_today
from ..core.context import current_tenant_id
from ..tor.services import current_tor
from .drift import climb_ladders
from .services import recompute_children, recompute_council


def recompute_children_job(child_ids: list[int]) -> dict:
    """Recompute the milestones, cohorts and drift of children whose record changed (queued once
    per commit by ``tracker.changes``)."""
    return recompute_children(child_ids).as_dict()


def nightly_tracker_job(today: str | None = None) -> dict:
    """Every child of the job's council recomputed, then open drift climbs its escalation ladder
    and the next level is e-mailed (periodic, once a night). ``today`` (ISO) is for running by hand."""
    day = date.fromisoformat(today) if today else london_today()
    tor = current_tor(current_tenant_id())
    result = recompute_council(day).as_dict()
    result["escalations"] = len(climb_ladders(tor, day))
    return result
