"""Propose children for an agenda part from a CSV of case numbers (a Power BI or similar export).

Settings (under ``plugins.settings.performance_cohort`` in the council's ``tor.yaml``):

``csv``
    Path of the CSV, relative to the ``TENANTS_FOLDER`` setting (absolute paths also work).
``column``
    The column holding case numbers; default ``case_number``.
``parts``
    Agenda part ids the plugin proposes children for.
"""

from __future__ import annotations

import csv
from pathlib import Path

from permanence.plugins import hookimpl

NAME = "performance_cohort"
ALLOWED_KEYS = {"csv", "column", "parts"}


def _settings(settings) -> dict:
    return dict((settings or {}).get(NAME) or {})


def csv_path(value: str) -> Path:
    """The CSV file, relative to the app's ``TENANTS_FOLDER`` unless absolute."""
    from flask import current_app

    path = Path(value)
    return path if path.is_absolute() else Path(current_app.config["TENANTS_FOLDER"]) / path


def read_case_numbers(path: Path, column: str) -> set[str]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return {row[column].strip() for row in csv.DictReader(handle) if (row.get(column) or "").strip()}


@hookimpl
def validate_terms_of_reference(tor, settings):
    """Check the plugin's settings: a readable CSV with the named column, and parts that exist."""
    where = ("plugins", "settings", NAME)
    raw = (settings or {}).get(NAME)
    if not isinstance(raw, dict):
        return [(("plugins", "settings"), f"'{NAME}' is enabled: give its settings under "
                                          f"plugins.settings.{NAME} (csv, column, parts)")]
    errors = []
    unknown = set(raw) - ALLOWED_KEYS
    if unknown:
        errors.append((where + (sorted(unknown)[0],),
                       f"unknown key {sorted(unknown)[0]!r}; allowed keys: {', '.join(sorted(ALLOWED_KEYS))}"))
    part_ids = {part.id for body in tor.bodies for part in body.agenda_parts}
    parts = raw.get("parts")
    if not isinstance(parts, list) or not parts:
        errors.append((where + ("parts",), "list the agenda part ids this plugin proposes children for"))
    else:
        for i, part in enumerate(parts):
            if part not in part_ids:
                errors.append((where + ("parts", i), f"no agenda part {part!r}; parts: {', '.join(sorted(part_ids))}"))
    column = raw.get("column", "case_number")
    if not isinstance(raw.get("csv"), str) or not raw["csv"].strip():
        errors.append((where + ("csv",), "give the CSV file's path, relative to the tenants folder"))
    else:
        path = csv_path(raw["csv"])
        try:
            with path.open(newline="", encoding="utf-8-sig") as handle:
                header = next(csv.reader(handle), [])
        except OSError:
            errors.append((where + ("csv",), f"cannot read {raw['csv']!r}"))
        else:
            if column not in header:
                errors.append((where + ("column",), f"the CSV has no column {column!r}; columns: {', '.join(header)}"))
    return errors


@hookimpl
def cohort_candidates(tenant_id, body, part, settings):
    """Ids of this council's children whose case numbers are in the CSV, for the configured parts."""
    from sqlalchemy import select

    from permanence.cases.models import Child
    from permanence.extensions import db

    own = _settings(settings)
    if part.id not in (own.get("parts") or []):
        return []
    numbers = read_case_numbers(csv_path(own["csv"]), own.get("column", "case_number"))
    if not numbers:
        return []
    # The session is already scoped to the council (tenant_id): another council's child never matches.
    return list(db.session.execute(select(Child.id).where(Child.case_number.in_(sorted(numbers)))).scalars())
