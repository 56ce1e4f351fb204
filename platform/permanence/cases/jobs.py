"""Background jobs of the child's record."""

from __future__ import annotations

from .imports import import_903


def import_903_job(header_path: str, episodes_path: str, reviews_path: str, all_or_nothing: bool = True) -> dict:
    """Import an SSDA903 extract saved on disk into the job's tenant (enqueue on the ``imports``
    queue); returns what was done, with every bad row, for the job's result."""
    return import_903(header_path, episodes_path, reviews_path, all_or_nothing=all_or_nothing).as_dict()
