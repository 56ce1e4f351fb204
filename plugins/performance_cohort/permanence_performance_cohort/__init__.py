"""Propose children for agenda parts from a CSV of case numbers (a Power BI or similar export).

Settings (under ``plugins.settings.performance_cohort`` in the council's ``tor.yaml``):

``csv``
    Path of the CSV, relative to the ``TENANTS_FOLDER`` setting and inside it. A council's
    administrator writes the terms of reference, and the file's headings and values come back in
    messages, so no other file of the server can be named (an absolute path, ``..`` or a link
    out of the folder is refused). The file is read within the limits of every uploaded CSV.
``column``
    The column holding case numbers; default ``case_number``.
``parts``
    Agenda part ids a row that names no part proposes its child for.
``part_column``
    The column naming each row's agenda part (a part id); default ``part``. A row with it empty,
    or a CSV without the column, uses ``parts``.
``reason_column``
    A column whose text becomes the proposal's reason (why the extract lists the child); optional.
``label``
    What the extract is called on each proposal, before its file name and row; default
    ``Performance extract`` (Knowsley: ``Power BI extract``).

Each proposal names its source: ``<label> <file name>, row <n>`` (the header is row 1, as a
spreadsheet shows it). A row naming a part that does not take children from cohort rules is an
error naming the file, row and value: when the terms of reference are loaded, and again when
children are proposed (the export is replaced between loads).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from permanence.cases.imports import ImportFileError, csv_rows
from permanence.cases.models import Child
from permanence.extensions import db
from permanence.plugins import Candidate, PluginDataError, hookimpl

NAME = "performance_cohort"
ALLOWED_KEYS = {"csv", "column", "parts", "part_column", "reason_column", "label"}
COHORT_ROUTE = "cohort_rule"


@dataclass(frozen=True)
class Row:
    number: int  # as a spreadsheet numbers it: the header is row 1
    case_number: str
    part: str
    reason: str


def _settings(settings) -> dict:
    return dict((settings or {}).get(NAME) or {})


def csv_path(value: str) -> Path:
    """The CSV file inside the app's ``TENANTS_FOLDER``; raises ValueError for any path that
    leads out of it (absolute, ``..``, or a link pointing elsewhere)."""
    root = Path(current_app.config["TENANTS_FOLDER"]).resolve()
    path = (root / value).resolve()
    if Path(value).is_absolute() or not path.is_relative_to(root):
        raise ValueError(f"{value!r} is not inside the tenants folder: give the CSV's path relative to it, "
                         "for example knowsley/extract.csv")
    return path


def cohort_parts(tor) -> list[str]:
    """Ids of the parts that take children from cohort rules, in every body of the ToR."""
    return [part.id for body in tor.bodies for part in body.agenda_parts if COHORT_ROUTE in part.entry_routes]


def read_rows(path: Path, own: dict) -> tuple[list[str], list[Row]]:
    """The CSV's header and its rows with a case number. Raises OSError, or ValueError when the
    case number column is missing."""
    column = own.get("column", "case_number")
    part_column = own.get("part_column", "part")
    reason_column = own.get("reason_column")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        try:
            table = csv_rows(handle, path.name)
            header = next(table, [])
            if column not in header:
                raise ValueError(f"the CSV has no column {column!r}; columns: {', '.join(header)}")
            rows = []
            for number, values in enumerate(table, start=2):
                record = dict(zip(header, values))
                case = (record.get(column) or "").strip()
                if case:
                    rows.append(Row(number, case, (record.get(part_column) or "").strip(),
                                    (record.get(reason_column) or "").strip() if reason_column else ""))
        except ImportFileError as exc:
            raise ValueError(str(exc)) from None
    return header, rows


def unknown_parts(rows: list[Row], tor, filename: str) -> list[str]:
    """A message for every row naming a part that takes no children from cohort rules."""
    allowed = cohort_parts(tor)
    return [f"{filename}, row {row.number}: unknown agenda part {row.part!r}; parts that take children from "
            f"cohort rules: {', '.join(allowed) or 'none'}" for row in rows if row.part and row.part not in allowed]


@hookimpl
def validate_terms_of_reference(tor, settings):
    """Check the plugin's settings: a readable CSV with the named column, parts that take children
    from cohort rules, and every row's part (when the CSV names one) among them."""
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
    for key in ("column", "part_column", "reason_column", "label"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            errors.append((where + (key,), "expected text"))
    part_ids = {part.id for body in tor.bodies for part in body.agenda_parts}
    allowed = cohort_parts(tor)
    parts = raw.get("parts")
    if not isinstance(parts, list) or not parts:
        errors.append((where + ("parts",), "list the agenda part ids this plugin proposes children for"))
    else:
        for i, part in enumerate(parts):
            if part not in part_ids:
                errors.append((where + ("parts", i), f"no agenda part {part!r}; parts: {', '.join(sorted(part_ids))}"))
            elif part not in allowed:
                errors.append((where + ("parts", i), f"agenda part {part!r} does not take children from cohort "
                                                     f"rules (entry route {COHORT_ROUTE})"))
    if not isinstance(raw.get("csv"), str) or not raw["csv"].strip():
        errors.append((where + ("csv",), "give the CSV file's path, relative to the tenants folder"))
    else:
        try:
            path = csv_path(raw["csv"])
        except ValueError as exc:
            return errors + [(where + ("csv",), str(exc))]
        try:
            _, rows = read_rows(path, raw)
        except (OSError, UnicodeDecodeError):
            errors.append((where + ("csv",), f"cannot read {raw['csv']!r}"))
        except ValueError as exc:
            errors.append((where + ("column",), str(exc)))
        else:
            errors.extend((where + ("csv",), message) for message in unknown_parts(rows, tor, path.name))
    return errors


@hookimpl
def describe_terms_of_reference(tor, settings):
    """The rule this plugin carries out, for the rendered terms of reference: which extract proposes
    children for which parts, and that each proposal names its row."""
    own = _settings(settings)
    label = own.get("label") or "performance extract"
    titles = {part.id: part.title for body in tor.bodies for part in body.agenda_parts}
    parts = [titles.get(p, p) for p in own.get("parts") or ()]
    where = (" for " + " or ".join(parts)) if parts else ""
    return (f"Children listed in the {label} ({Path(str(own.get('csv', ''))).name}) are proposed{where}, or in "
            f"the part a row names (column '{own.get('part_column', 'part')}'); each proposal names the extract "
            "and the row it came from.")


@hookimpl
def cohort_candidates(tenant_id, tor, body, part, settings):
    """This council's children the CSV lists for ``part`` (the row's part, else the configured
    parts), each naming its file and row."""
    own = _settings(settings)
    try:
        path = csv_path(own["csv"])
    except ValueError as exc:
        raise PluginDataError(str(exc)) from None
    try:
        _, rows = read_rows(path, own)
    except (OSError, UnicodeDecodeError):
        raise PluginDataError(f"The extract {path.name} cannot be read") from None
    except ValueError as exc:
        raise PluginDataError(f"{path.name}: {exc}") from None
    problems = unknown_parts(rows, tor, path.name)
    if problems:
        raise PluginDataError("; ".join(problems))
    fallback = own.get("parts") or []
    mine = [row for row in rows if (row.part == part.id if row.part else part.id in fallback)]
    if not mine:
        return []
    # The session is already scoped to the council (tenant_id): another council's child never matches.
    ids = dict(db.session.execute(select(Child.case_number, Child.id)
                                  .where(Child.case_number.in_(sorted({r.case_number for r in mine})))).all())
    label = own.get("label", "Performance extract")
    result, seen = [], set()
    for row in mine:
        child_id = ids.get(row.case_number)
        if child_id is None or child_id in seen:
            continue
        seen.add(child_id)
        result.append(Candidate(child_id, f"{label} {path.name}, row {row.number}", row.reason))
    return result
