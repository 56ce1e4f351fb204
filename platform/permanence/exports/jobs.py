"""The scheduled export of a council's data for its analysts (the periodic ``analytics-export``).

A council's terms of reference ask for it (``exports: {analytics_every: daily|weekly|monthly}``);
the operator says where (``ANALYTICS_EXPORT_DIR``): the ZIP of ``exports.analytics`` is written to
``<ANALYTICS_EXPORT_DIR>/<council slug>/analytics-<slug>-<date>.zip`` once per period (a day, a
week from Monday, a month from the 1st), through a temporary file in the same folder renamed into
place, so a reader never sees half a file. Each one written is in the audit log as an export by
the system, and that record is what says the period is done, so a second run in the period
writes nothing (nor does moving the file away bring it back). A folder that is missing or cannot
be written is logged and fails the council's part of the run (shown on the central
administrator's jobs page, not retried: the operator must fix the folder), and the council's
"Data for analysts" page says what is wrong.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
import logging
import os
from pathlib import Path
import tempfile

from flask import current_app
from sqlalchemy import select

from ..audit import services as audit
from ..audit.models import AuditEvent
from ..cases.models import Child
from ..core import context
from ..core.clock import LONDON, london_today
from ..extensions import db
from ..tenancy.models import Tenant
from ..tor.services import export_policy
from . import analytics

log = logging.getLogger(__name__)

SCHEDULED = "Scheduled export of the data for analysts"  # how each written file's audit record begins
# The owner and the folder's group may read it (a collecting service in that group); nobody else.
FILE_MODE = 0o640
EXPORTER = context.Actor(user_id=None, label="system (scheduled export)")


class ExportFolderError(RuntimeError):
    """The operator's folder is missing or cannot be written."""


def period_start(every: str, today: date) -> date:
    """The first day of the period ``today`` is in: the day, the week's Monday, the month's 1st."""
    if every == "weekly":
        return today - timedelta(days=today.weekday())
    if every == "monthly":
        return today.replace(day=1)
    return today


def next_due(every: str, today: date) -> date:
    """The first day of the period after today's."""
    start = period_start(every, today)
    if every == "weekly":
        return start + timedelta(days=7)
    if every == "monthly":
        return (start + timedelta(days=32)).replace(day=1)
    return start + timedelta(days=1)


def last_written() -> AuditEvent | None:
    """The audit record of the council's latest scheduled export."""
    return db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "export", AuditEvent.summary.like(f"{SCHEDULED}%"))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1)).scalar()


def _london_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(0), LONDON).astimezone(timezone.utc)


def is_due(every: str, today: date) -> bool:
    latest = last_written()
    return latest is None or latest.at < _london_midnight_utc(period_start(every, today))


def folder_problem(folder: str | None, slug: str | None = None) -> str | None:
    """What is wrong with the operator's folder (and the council's own in it, if made already):
    "not set", "missing" or "not writable"; None if nothing."""
    if not folder:
        return "not set"
    path = Path(folder)
    if not path.is_dir():
        return "missing"
    if not os.access(path, os.W_OK | os.X_OK):
        return "not writable"
    own = path / slug if slug else None
    if own is not None and os.path.lexists(own) and not (own.is_dir() and os.access(own, os.W_OK | os.X_OK)):
        return "not writable"
    return None


@dataclass(frozen=True)
class Written:
    path: Path
    counts: dict[str, int]


def write_export(folder: str, slug: str, today: date) -> Written:
    """The ZIP of every child of the council written atomically into ``folder/<slug>/``."""
    problem = folder_problem(folder, slug)
    if problem is not None:
        raise ExportFolderError(f"ANALYTICS_EXPORT_DIR {folder!r} is {problem}")
    target_dir = Path(folder) / slug
    temp_name = None
    try:
        target_dir.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target_dir, prefix=".analytics-", suffix=".part", delete=False) as out:
            temp_name = out.name
            counts = analytics.write_zip(out, analytics.Scope(select(Child), today))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, FILE_MODE)
        target = target_dir / analytics.zip_name(slug, today)
        os.replace(temp_name, target)
    except OSError as exc:
        raise ExportFolderError(f"could not write to {target_dir}: {exc.strerror or exc}") from exc
    finally:  # whatever went wrong, no half-written file is left behind (once renamed, it is gone)
        if temp_name is not None and os.path.exists(temp_name):
            os.unlink(temp_name)
    return Written(target, counts)


def analytics_export_job() -> str:
    """For the council it runs as: write its export if its terms of reference ask for one and the
    period's is not written yet. Returns what it did, in words (for the log and tests)."""
    tenant_id = context.current_tenant_id()
    every = export_policy(tenant_id).analytics_every
    if every is None:
        return "not asked for"
    folder = current_app.config.get("ANALYTICS_EXPORT_DIR")
    if not folder:
        log.warning("council %s asks for a scheduled export of its data for analysts, but ANALYTICS_EXPORT_DIR "
                    "is not set: nothing is written", tenant_id)
        return "no folder"
    today = london_today()
    if not is_due(every, today):
        return "already written"
    slug = db.session.get(Tenant, tenant_id).slug
    try:
        written = write_export(folder, slug, today)
    except ExportFolderError:
        log.exception("the scheduled export of council %s's data for analysts was not written", tenant_id)
        raise
    audit.record("export", entity_type="Child", actor=EXPORTER,
                 summary=f"{SCHEDULED} written: {written.path.name} ({written.counts['children']} children)")
    return f"written {written.path.name}"
