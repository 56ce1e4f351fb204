"""The import job: does a queued run through ``cases.imports`` or ``imports.tracker_sheet`` and
writes its progress, error report and result onto the run (``services`` checks and queues)."""

from __future__ import annotations

import io
import logging
import time

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..cases.imports import EPISODE_COLUMNS, HEADER_COLUMNS, REVIEW_COLUMNS, ImportFileError, import_903, read_903
from ..core.clock import london_today, utcnow
from ..extensions import db
from ..tor.services import tracker_layout
from .models import ImportKind, ImportRun, ImportStatus
from .spreadsheet import decode_text
from .tracker_sheet import import_tracker

log = logging.getLogger(__name__)

TABLES_903 = {"header": ("Header", HEADER_COLUMNS), "episodes": ("Episodes", EPISODE_COLUMNS),
              "reviews": ("Reviews", REVIEW_COLUMNS)}
FAILED_MESSAGE = ("The import stopped because of a fault in the platform, so nothing was imported. "
                  "Try again; if it happens again, tell your platform's support team.")


def run_import_job(import_run_id: int) -> None:
    """Import the files stored on one run (queued on the ``imports`` queue by ``services.queue_run``);
    the run records its progress, its error report and what it did."""
    execute_run(import_run_id)


class ProgressReport:
    """Writes a run's progress where its page can read it while the import's own transaction is
    still open. PostgreSQL: in a short transaction of its own, at most twice a second. SQLite
    allows one writer at a time, so there (the embedded, in-process mode) progress lands on the
    row with the result."""

    INTERVAL = 0.5

    def __init__(self, run: ImportRun):
        self.run = run
        self.run_id = run.id
        self.separate = db.session.get_bind().dialect.name == "postgresql"
        self.values: dict = {}
        self._last = 0.0

    def _write(self, force: bool = False, **values) -> None:
        changed = "step" in values and values["step"] != self.values.get("step")
        self.values.update(values)
        if not self.separate:
            for key, value in values.items():
                setattr(self.run, key, value)
            return
        now = time.monotonic()
        force = force or changed or values.get("rows_done", 0) >= values.get("rows_total", 1)
        if not force and now - self._last < self.INTERVAL:
            return
        self._last = now
        with Session(db.engine) as session:
            session.execute(update(ImportRun).where(ImportRun.id == self.run_id).values(**self.values))
            session.commit()

    def start(self) -> None:
        self._write(force=True, status=ImportStatus.RUNNING, started_at=utcnow(), step="Checking the file",
                    rows_done=0, rows_total=0)

    def __call__(self, step: str, done: int, total: int) -> None:
        self._write(step=step, rows_done=done, rows_total=total)

    def finish(self, result: dict, errors: list) -> None:
        run = self.run
        for key, value in self.values.items():
            setattr(run, key, value)
        run.status, run.step, run.finished_at = ImportStatus.DONE, "Finished", utcnow()
        run.result, run.errors = result, errors


def _run_903(run: ImportRun, report: ProgressReport) -> tuple[dict, list]:
    files = run.files()
    streams = [io.StringIO(decode_text(files[role][1], files[role][0])) for role in TABLES_903]
    names = tuple(files[role][0] for role in TABLES_903)
    try:
        extract = read_903(*streams, names=names)
    except ImportFileError as exc:
        return {"written": False, "created": 0, "updated": 0, "skipped": []}, [
            {"file": exc.file, "row": 0, "column": None, "reason": exc.message}]
    clean = len(extract.clean_children())
    done = 0
    report("Writing children", 0, clean)

    def progress(n: int) -> None:
        nonlocal done
        done += n
        report("Writing children", done, clean)

    result = import_903(*streams, all_or_nothing=run.all_or_nothing, extract=extract, progress=progress)
    summary = result.as_dict()
    summary.pop("errors")
    summary["total"] = len(extract.children) + len({e.child for e in extract.errors} - set(extract.children))
    return summary, [e.as_dict() for e in result.errors]


def _run_tracker(run: ImportRun, report: ProgressReport) -> tuple[dict, list]:
    name, data = run.files()["spreadsheet"]
    mapping = run.mapping if run.mapping is not None else None
    result = import_tracker(data, name, tracker_layout(run.tenant_id), mapping=mapping, all_or_nothing=run.all_or_nothing,
                            progress=report, today=london_today())
    summary = result.as_dict()
    summary.pop("errors")
    return summary, [e.as_dict() for e in result.errors]


def execute_run(run_id: int) -> None:
    """Do a queued import (the job's body); a run not queued is left alone, so a retried job
    never imports twice."""
    run = db.session.execute(select(ImportRun).where(ImportRun.id == run_id)).scalar_one_or_none()
    if run is None or run.status != ImportStatus.QUEUED:
        return
    report = ProgressReport(run)
    report.start()
    try:
        summary, errors = (_run_903 if run.kind == ImportKind.SSDA903 else _run_tracker)(run, report)
    except Exception:
        log.exception("import run %s failed", run_id)
        db.session.rollback()
        run = db.session.execute(select(ImportRun).where(ImportRun.id == run_id)).scalar_one()
        run.status, run.step, run.finished_at = ImportStatus.FAILED, "Stopped", utcnow()
        run.result = {"written": False, "message": FAILED_MESSAGE}
        return
    report.finish(summary, errors)
