"""Import runs from the web: check an upload, store it on an ``ImportRun``, run it as a job.

An SSDA903 extract is queued as soon as its three files pass their checks. A tracker
spreadsheet first waits for the user to confirm which of its headings fills which field
(suggested from the council's layout), then is queued. The job (``jobs.run_import_job``)
does the import through ``cases.imports`` or ``imports.tracker_sheet`` and writes the
progress, the error report and the result onto the run. Nothing here commits.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass

from sqlalchemy import select

from ..audit import services as audit
from ..cases.imports import TABLES
from ..cases.models import children_named_in
from ..core.jobs import enqueue
from ..core.tables import ImportFileError, csv_rows
from ..extensions import db
from ..tor.tracker import IMPORT_FIELDS, IMPORT_KEY, TrackerLayout, normalise_heading
from .jobs import JOB_TIMEOUT, TABLES_903, fail_if_stalled, run_import_job
from .models import ImportKind, ImportRun, ImportStatus, pack
from .spreadsheet import SPREADSHEET_TYPES, decode_text, extension, read_table
from .tracker_cells import NOTE

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_TEXT = "10 MB"


class UploadError(ValueError):
    """An upload that cannot be imported; ``field`` names the form field it belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field, self.message = field, message


# --- Checking uploads ----------------------------------------------------------------------------

def check_upload(field: str, filename: str, data: bytes, allowed: tuple[str, ...]) -> None:
    """Size, type and content checks shared by every upload; raises UploadError."""
    ext = extension(filename)
    if ext not in allowed:
        raise UploadError(field, f"The file must be {' or '.join(SPREADSHEET_TYPES[a] for a in allowed)}")
    if not data:
        raise UploadError(field, "The file is empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadError(field, f"The file must be smaller than {MAX_UPLOAD_TEXT}")
    if ext == ".xlsx" and not data.startswith(b"PK\x03\x04"):
        raise UploadError(field, "The file is not an Excel workbook; open it in Excel and save it as .xlsx")
    if ext == ".csv" and b"\x00" in data[:4096]:
        raise UploadError(field, "The file is not a CSV text file; save the table as CSV")


def _csv_within_limits(field: str, filename: str, data: bytes) -> list[str]:
    """Read a CSV upload through (lines, columns, rows within ``cases.imports``' limits, which the job
    checks again) so a runaway file is a form error now; returns its first row."""
    rows = csv_rows(io.StringIO(decode_text(data, filename), newline=""), filename)
    try:
        first = next(rows, [])
        for _ in rows:
            pass
    except ImportFileError as exc:
        raise UploadError(field, f"The file {exc.message}") from None
    return first


def check_903_table(role: str, filename: str, data: bytes) -> None:
    """The 903 table's first line must carry its required columns (the DfE's names)."""
    check_upload(role, filename, data, (".csv",))
    label, table = TABLES_903[role][0], TABLES[role]
    present = {h.strip().lstrip("\ufeff").upper() for h in _csv_within_limits(role, filename, data)}
    missing = [c for c in table.columns if c in table.required and c not in present]
    if missing:
        raise UploadError(role, f"This is not the 903 {label} table: its first line has no "
                                f"{', '.join(missing)} column{'s' if len(missing) > 1 else ''}")


# --- Starting runs -------------------------------------------------------------------------------

def _new_run(kind: ImportKind, files: dict[str, tuple[str, bytes]], *, all_or_nothing: bool,
             created_by_id: int | None, status: ImportStatus) -> ImportRun:
    blob, names = pack(files)
    run = ImportRun(kind=kind, status=status, all_or_nothing=all_or_nothing, uploads=blob, file_names=names,
                    errors=[], created_by_id=created_by_id)
    db.session.add(run)
    db.session.flush()
    return run


def queue_run(run: ImportRun) -> None:
    run.status, run.step = ImportStatus.QUEUED, "Waiting to start"

    enqueue(run_import_job, run.id, queue="imports", timeout=JOB_TIMEOUT)


def start_903_import(files: dict[str, tuple[str, bytes]], *, all_or_nothing: bool,
                     created_by_id: int | None, encoding: str | None = None) -> ImportRun:
    """Check the tables (Header, Episodes and Reviews, and any of the others given: ``{role: (name,
    bytes)}``) and queue their import, read in ``encoding`` (None: worked out); raises UploadError
    naming the bad one."""
    for role, (name, data) in files.items():
        check_903_table(role, name, data)
    run = _new_run(ImportKind.SSDA903, files, all_or_nothing=all_or_nothing, created_by_id=created_by_id,
                   status=ImportStatus.QUEUED)
    run.encoding = encoding
    queue_run(run)
    return run


def start_tracker_upload(filename: str, data: bytes, *, all_or_nothing: bool,
                         created_by_id: int | None, layout: TrackerLayout) -> ImportRun:
    """Store a tracker spreadsheet to be mapped; its headings must be readable now."""
    check_upload("spreadsheet", filename, data, tuple(SPREADSHEET_TYPES))
    if extension(filename) == ".csv":
        _csv_within_limits("spreadsheet", filename, data)
    try:
        read_table(data, filename, sheet=layout.sheet, header_row=layout.reading.header_row, headings_only=True)
    except ImportFileError as exc:
        raise UploadError("spreadsheet", f"The file {exc.message}") from None
    return _new_run(ImportKind.TRACKER, {"spreadsheet": (filename, data)}, all_or_nothing=all_or_nothing,
                    created_by_id=created_by_id, status=ImportStatus.MAPPING)


@dataclass(frozen=True)
class HeadingChoice:
    """A heading of the uploaded file and the field suggested for it ("" = not read)."""

    heading: str
    letter: str
    suggested: str


def headings_of(run: ImportRun, layout: TrackerLayout) -> list[HeadingChoice]:
    """The spreadsheet's headings, each with the field the council's layout maps it to."""
    name, data = run.files()["spreadsheet"]
    table = read_table(data, name, sheet=layout.sheet, header_row=layout.reading.header_row, headings_only=True)
    mapping = layout.import_mapping()
    return [HeadingChoice(h.text, h.letter, mapping.get(normalise_heading(h.text), "")) for h in table.headings]


def check_mapping(mapping: dict[str, str]) -> tuple[dict[str, str], str | None]:
    """Per-heading problems and an overall one (no case number) of a user's mapping."""
    problems: dict[str, str] = {}
    used: dict[str, str] = {}
    for heading, target in mapping.items():
        if not target or target == NOTE:  # any number of columns may be kept as notes
            continue
        if target not in IMPORT_FIELDS:
            problems[heading] = f"Choose a field from the list for “{heading}”"
        elif target in used:
            problems[heading] = (f"“{heading}” and “{used[target]}” both fill "
                                 f"{IMPORT_FIELDS[target].label.lower()}; choose one")
        else:
            used[target] = heading
    overall = None if IMPORT_KEY in used else \
        "Choose which column holds the case number: the import matches children on it"
    return problems, overall


def confirm_mapping(run: ImportRun, mapping: dict[str, str]) -> None:
    """Record the user's mapping and queue the import (the mapping must pass ``check_mapping``)."""
    run.mapping = {heading: target or "" for heading, target in mapping.items()}
    queue_run(run)


def run_again(run: ImportRun) -> bool:
    """Queue a failed run's stored files (and mapping) again; False if it has not failed."""
    fail_if_stalled(run)
    if run.status != ImportStatus.FAILED:
        return False
    run.rows_done, run.rows_total, run.errors, run.result = 0, 0, [], None
    run.started_at = run.finished_at = None
    queue_run(run)
    return True


def recent_runs(limit: int = 20) -> list[ImportRun]:
    return db.session.execute(select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)).scalars().all()


def report_of(run: ImportRun, limit: int | None = None) -> list[dict]:
    """The run's rows to correct (the first ``limit``), noting as read the children they and the
    children left out name by case number: a contradiction quotes the child's record."""
    errors = run.errors[:limit] if limit is not None else run.errors
    texts = [e.get("reason") or "" for e in errors] + list((run.result or {}).get("skipped") or ())
    audit.note_shown(children_named_in(texts))
    return errors


def dfe_report_of(run: ImportRun, limit: int | None = None) -> dict | None:
    """The DfE's rules' report stored on a 903 run, its findings cut to the first ``limit``,
    noting as read the children the findings name (each names its child by case number)."""
    dfe = (run.result or {}).get("dfe")
    if not dfe:
        return None
    findings = dfe.get("findings") or []
    shown = findings[:limit] if limit is not None else findings
    audit.note_shown(children_named_in([f.get("child") or "" for f in shown]))
    return {**dfe, "findings": shown, "not_shown": len(findings) - len(shown) + (dfe.get("more") or 0)}
