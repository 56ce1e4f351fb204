"""Background jobs of imports."""

from __future__ import annotations

from .services import execute_run


def run_import_job(import_run_id: int) -> None:
    """Import the files stored on one run (queued on the ``imports`` queue by ``queue_run``);
    the run records its progress, its error report and what it did."""
    execute_run(import_run_id)
