"""The daily job that builds the reports the ToR's reporting duties owe (``core.schedule`` runs it
once per council). ``today`` (ISO) is for running by hand."""

from __future__ import annotations

from datetime import date

from ..core.clock import london_today
from .duties import build_due_reports


def build_due_reports_job(today: str | None = None) -> dict[str, int]:
    return build_due_reports(date.fromisoformat(today) if today else london_today())
