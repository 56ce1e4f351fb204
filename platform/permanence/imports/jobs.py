"""The import job: does a queued run through ``cases.imports`` or ``imports.tracker_sheet`` and
writes its progress, error report and result onto the run (``services`` checks and queues).
A run whose job died (a worker killed mid-import) is found by ``fail_stalled_runs_job`` or when
its page is viewed, and marked failed with its progress kept; ``services.run_again`` queues its
stored files again."""

from __future__ import annotations

import io
import logging
import time
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..cases.imports import TABLES, ImportFileError, import_903, read_903
from ..core.clock import london_today, utcnow
from ..extensions import db
from ..tor.services import tracker_layout
from .dfe_rules import check_extract
from .models import ImportKind, ImportRun, ImportStatus
from .tracker_sheet import import_tracker

log = logging.getLogger(__name__)

# Every table of the return, by form field: (the DfE's name, its columns); Header, Episodes and Reviews
# are needed, the others optional.
TABLES_903 = {role: (table.name, table.columns) for role, table in TABLES.items()}
FAILED_MESSAGE = ("The import stopped because of a fault in the platform, so nothing was imported. "
                  "Try again; if it happens again, tell your platform's support team.")
STOPPED_MESSAGE = ("The import stopped before it finished (the job doing it ended without finishing), so "
                   "nothing was imported. The files you uploaded are kept: run it again.")
NEVER_STARTED_MESSAGE = ("The import never started, so nothing was imported. The files you uploaded are kept: "
                         "run it again.")
JOB_TIMEOUT = 3600
# RQ stops a job at its timeout, so a run with no word from its job for longer has no job left.
STALLED_AFTER = timedelta(seconds=JOB_TIMEOUT + 300)
NEVER_STARTED_AFTER = timedelta(days=1)  # queued for longer: every retry of its job has gone


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
        with Session(db.engine) as session:  # updated_at is the heartbeat fail_stalled_runs reads
            session.execute(update(ImportRun).where(ImportRun.id == self.run_id)
                            .values(**self.values, updated_at=utcnow()))
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
    files = run.files()  # bytes: cases.ssda903 detects the encoding and reports a bad byte's row and column
    streams = {role: io.BytesIO(data) for role, (_, data) in files.items()}
    try:
        extract = read_903(others=streams, names={role: name for role, (name, _) in files.items()},
                           encoding=run.encoding)
    except ImportFileError as exc:
        return {"written": False, "created": 0, "updated": 0, "skipped": []}, [
            {"file": exc.file, "row": 0, "column": None, "reason": exc.message}]
    report("Checking against the DfE's rules", 0, 1)
    dfe = check_extract(run.tenant_id, files, extract, encoding=run.encoding)
    report("Checking against the DfE's rules", 1, 1)
    clean = len(extract.clean_children())
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        report("Writing children", done, clean)

    def before_writing(checked) -> None:  # an all-or-nothing refusal is said before anything is written
        if checked.refusal and run.all_or_nothing:
            report(checked.refusal[0].upper() + checked.refusal[1:], 0, 0)
        else:
            report("Writing children", 0, clean)

    result = import_903(all_or_nothing=run.all_or_nothing, extract=extract, progress=progress,
                        before_writing=before_writing)
    summary = result.as_dict()
    summary.pop("errors")
    summary["refusal"] = result.refusal if run.all_or_nothing else None
    summary["total"] = len(extract.children) + len({e.child for e in extract.errors} - set(extract.children))
    summary["dfe"] = dfe.as_dict()
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


def stalled_message(run: ImportRun) -> str | None:
    """Why a run that is not finished has no job left, or None while it may still have one."""
    quiet_for = utcnow() - run.updated_at
    if run.status == ImportStatus.RUNNING and quiet_for > STALLED_AFTER:
        return STOPPED_MESSAGE
    if run.status == ImportStatus.QUEUED and quiet_for > NEVER_STARTED_AFTER:
        return NEVER_STARTED_MESSAGE
    return None


def fail_if_stalled(run: ImportRun) -> bool:
    """Mark a run whose job died failed, keeping how far it got; True if it was."""
    message = stalled_message(run)
    if message is None:
        return False
    log.warning("import run %s (%s) has had no job for too long: marked failed", run.id, run.status.value)
    run.status, run.finished_at = ImportStatus.FAILED, utcnow()
    run.result = {"written": False, "message": message, "stalled": True}
    return True


def fail_stalled_runs_job() -> int:
    """Periodic, per council: runs whose job died are marked failed (see ``stalled_message``)."""
    runs = db.session.execute(select(ImportRun).where(
        ImportRun.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]))).scalars()
    return sum(fail_if_stalled(run) for run in runs)
