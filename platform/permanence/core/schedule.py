"""Periodic jobs: one declarative list, each run on time exactly once for every open council.

A feature registers its periodic job with ``register_periodic`` in its ``init_app``: a name, a
function taking no arguments (run once per open council, as that council), a cron expression
read in **Europe/London wall-clock time** (``"0 3 * * *"`` is 03:00 in London, GMT or BST) and
a plain-English description for the central administrator's jobs page.

One mechanism runs the schedule in every set-up. ``tick(now)`` looks at each job's most recent
slot (the last time its cron names, at or before ``now``) and, if no run of the job has started
at or after that slot, inserts a ``ScheduledRun`` row for it (``scheduled_runs``, unique on the
job's name and slot) and enqueues the job once per open council (``run_part_job``, through
``core.jobs.enqueue``) in the same transaction. The unique constraint decides between
schedulers: a second scheduler ticking the same slot, at the same moment or later, fails to
insert the row and queues nothing, on SQLite as on PostgreSQL. So one scheduler process is
enough and more are harmless. After a stop only each job's most recent slot is run, never a
backlog.

``run_scheduler`` ticks every ``TICK_SECONDS`` until stopped: ``permanence jobs scheduler``
runs it (with ``REDIS_URL``, the parts go to RQ's workers), and on the embedded default (no
``REDIS_URL``) the web server (``permanence run``, ``permanence.wsgi``) starts it in a daemon
thread with ``start_in_process`` (``SCHEDULE_IN_PROCESS`` turns that off or on). ``create_app``
never starts it: the command line and tests start no thread.

Each part records itself on its run: done in its own transaction (so "done" means its work was
committed), failed in a separate one (the job's transaction is rolled back) once it has no
retry left. ``run_now`` starts a run by hand (``permanence jobs run NAME``, the jobs page's
"Run now"), and ``run_on_activation`` runs, for one council, the jobs flagged ``on_activation``
as soon as its terms of reference are put in force. Which councils are open is the tenancy
package's to say: it hands its answer in with ``fan_out_to`` at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
import logging
import os
import signal
import socket
import threading
from typing import Callable, Iterable

from croniter import croniter
from flask import current_app
from sqlalchemy import String, UniqueConstraint, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, aliased, mapped_column

from ..extensions import db
from . import context, metrics
from .clock import LONDON, utcnow
from .jobs import DEFAULT_RETRIES, _path, _resolve, commit, enqueue

log = logging.getLogger(__name__)

TICK_SECONDS = 30  # how often a scheduler looks for a due slot
KEEP_RUNS = timedelta(days=30)  # older runs are deleted, except each job's latest
SCHEDULER = context.Actor(user_id=None, label="scheduler")


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # "module:function", taking no arguments, run once per open council as that council
    cron: str  # five-field cron expression in Europe/London wall-clock time
    description: str = ""
    timeout: int = 1800
    retries: int = DEFAULT_RETRIES
    on_activation: bool = False  # also run for a council as soon as its terms of reference are in force

    def slot_before(self, now: datetime) -> datetime:
        """The most recent slot at or before ``now``, in UTC."""
        at = now.astimezone(LONDON)
        if croniter.match(self.cron, at.replace(second=0, microsecond=0)) and at.second == at.microsecond == 0:
            return at.astimezone(timezone.utc)
        return croniter(self.cron, at).get_prev(datetime).astimezone(timezone.utc)

    def slot_after(self, now: datetime) -> datetime:
        """The first slot after ``now``, in UTC."""
        return croniter(self.cron, now.astimezone(LONDON)).get_next(datetime).astimezone(timezone.utc)

    def in_words(self) -> str:
        """The schedule as a person says it, for the usual shapes; the cron expression otherwise."""
        minute, hour, day, month, weekday = self.cron.split()
        if minute.startswith("*/") and (hour, day, month, weekday) == ("*", "*", "*", "*"):
            return f"Every {minute[2:]} minutes"
        if minute.isdigit() and hour.isdigit() and (day, month) == ("*", "*"):
            at = f"{int(hour):02d}:{int(minute):02d} London time"
            if weekday == "*":
                return f"Every day at {at}"
            days = {"0": "Sunday", "1": "Monday", "2": "Tuesday", "3": "Wednesday", "4": "Thursday",
                    "5": "Friday", "6": "Saturday", "7": "Sunday"}
            if weekday in days:
                return f"Every {days[weekday]} at {at}"
        return f"Cron {self.cron}"


class ScheduledRun(db.Model):
    """One run of a periodic job: its slot, who started it, and how its councils' parts went.

    Not a tenant table (a run spans every open council) and it holds no child's data: names,
    times, counts, and the type of the last error with the council it happened in."""

    __tablename__ = "scheduled_runs"
    __table_args__ = (UniqueConstraint("name", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    due_at: Mapped[datetime]  # the cron slot (UTC); for a run by hand, when it was asked for
    claimed_by: Mapped[str] = mapped_column(String(200))  # "host:pid" of the scheduler, or who ran it by hand
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]  # when its last part was done or failed
    councils: Mapped[int] = mapped_column(default=0)  # parts queued, one per open council
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)  # parts that failed with no retry left
    last_error: Mapped[str | None] = mapped_column(String(300))  # the exception's type; details are in the log
    last_error_council: Mapped[int | None]  # the council whose part it was

    @property
    def duration(self) -> timedelta | None:
        return self.finished_at - self.started_at if self.finished_at is not None else None


_periodic: dict[str, PeriodicJob] = {}
_open_councils: Callable[[], Iterable[int]] | None = None


def fan_out_to(tenant_ids: Callable[[], Iterable[int]]) -> None:
    """Set who periodic jobs run for: a function giving the ids of the open councils."""
    global _open_councils
    _open_councils = tenant_ids


def register_periodic(name: str, func, cron: str, *, description: str = "", timeout: int = 1800,
                      retries: int = DEFAULT_RETRIES, on_activation: bool = False) -> None:
    """Run ``func`` for every open council on ``cron`` (Europe/London wall-clock time).

    ``on_activation``: also run it for one council as soon as its terms of reference are put in
    force (``run_on_activation``), so a new council does not wait for the night."""
    croniter(cron)  # a bad expression fails at start-up, not at the first tick
    _periodic[name] = PeriodicJob(name, _path(func), cron, description, timeout, retries, on_activation)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def get_periodic(name: str) -> PeriodicJob:
    job = _periodic.get(name)
    if job is None:
        raise KeyError(f"no periodic job '{name}'; periodic jobs: {', '.join(sorted(_periodic)) or 'none'}")
    return job


def _councils() -> list[int]:
    if _open_councils is None:
        raise RuntimeError("no council list for periodic jobs: tenancy.init_app sets it")
    return list(_open_councils())


def _start(job: PeriodicJob, due_at: datetime, claimed_by: str) -> ScheduledRun:
    """Insert the run's row and queue one part per open council, in the current transaction.
    Raises ``IntegrityError`` (at the flush) when the slot is already someone else's."""
    tenant_ids = _councils()
    now = utcnow()
    run = ScheduledRun(name=job.name, due_at=due_at.astimezone(timezone.utc), claimed_by=claimed_by[:200],
                       started_at=now, councils=len(tenant_ids), finished_at=None if tenant_ids else now)
    db.session.add(run)
    db.session.flush()
    for tenant_id in tenant_ids:
        enqueue(run_part_job, run.id, job.func, tenant_id=tenant_id, queue="periodic", timeout=job.timeout,
                retries=job.retries)
    return run


def _latest_start(name: str) -> datetime | None:
    return db.session.execute(select(func.max(ScheduledRun.due_at)).where(ScheduledRun.name == name)).scalar()


def tick(now: datetime | None = None, *, scheduler: str | None = None) -> list[str]:
    """Start every job whose most recent slot has not been run; returns their names.

    Each job's run is its own transaction (the row and its parts, committed together and then
    handed on), in the order of their slots, so the night's jobs keep their order. A slot another
    scheduler took first is skipped."""
    now = (now or utcnow()).astimezone(timezone.utc)  # SQLite keeps no zone: bind UTC only
    scheduler = scheduler or f"scheduler on {whoami()}"
    started = []
    due = sorted(((job.slot_before(now), job) for job in _periodic.values()), key=lambda pair: (pair[0], pair[1].name))
    with context.tenant_context(None), context.acting_as(SCHEDULER):
        for slot, job in due:
            latest = _latest_start(job.name)
            if latest is not None and latest >= slot:
                continue  # this slot (or a run by hand since) is done
            try:
                _start(job, slot, scheduler)
            except IntegrityError:
                db.session.rollback()  # another scheduler has this slot
                continue
            commit()
            started.append(job.name)
        _prune(now)
    return started


def _prune(now: datetime) -> None:
    """Delete runs older than ``KEEP_RUNS``, keeping each job's latest (which says its slot is done)."""
    later = aliased(ScheduledRun)
    db.session.execute(delete(ScheduledRun).where(
        ScheduledRun.due_at < now - KEEP_RUNS,
        select(later.id).where(later.name == ScheduledRun.name, later.due_at > ScheduledRun.due_at).exists(),
    ).execution_options(synchronize_session=False))
    db.session.commit()


def run_now(name: str, *, claimed_by: str = "command line") -> int:
    """Start a run of ``name`` now, by hand; returns how many councils it was queued for.
    The caller commits (the run's row and its parts together)."""
    job = get_periodic(name)
    due_at = utcnow()
    while db.session.execute(select(ScheduledRun.id).where(ScheduledRun.name == name,
                                                           ScheduledRun.due_at == due_at)).first():
        due_at += timedelta(microseconds=1)  # twice in the same instant (a frozen clock in tests)
    with context.acting_as(context.Actor(user_id=context.current_actor().user_id, label=claimed_by)):
        return _start(job, due_at, claimed_by).councils


def record_done(name: str, *, claimed_by: str, councils: int) -> None:
    """Record that ``name``'s work for its current slot was done outside the schedule, for
    ``councils`` councils (the demo load does the night's work itself), so a scheduler starting
    next does not do it again. The caller commits."""
    job = get_periodic(name)
    now = utcnow()
    slot = job.slot_before(now.astimezone(timezone.utc))
    latest = _latest_start(name)
    if latest is not None and latest >= slot:
        return
    db.session.add(ScheduledRun(name=name, due_at=slot, claimed_by=claimed_by[:200], started_at=now,
                                finished_at=now, councils=councils, done=councils))


def run_part_job(run_id: int, func: str):
    """One council's part of a scheduled run: the periodic job's function, counted on its run."""
    try:
        result = _resolve(func)()
        db.session.flush()  # its writes fail here, inside the count, not later at the commit
        db.session.execute(_count(run_id, "done"))  # committed with the part's work, or not at all
        return result
    except Exception as exc:
        final = _final_attempt()
        error = type(exc).__name__ + ("" if final else " (to be retried)")
        db.session.rollback()
        with Session(db.engine) as session:  # the job's own transaction is rolled back
            session.execute(_count(run_id, "failed", error=error) if final else
                            update(ScheduledRun).where(ScheduledRun.id == run_id)
                            .values(last_error=error, last_error_council=context.current_tenant_id()))
            session.commit()
        raise


run_part_job.job_label = lambda run_id, func: func  # core.jobs counts and logs a part as its periodic job


def _count(run_id: int, column: str, *, error: str | None = None):
    """One part done or failed, atomically; the run is finished when its last part is counted."""
    counted = {"done": ScheduledRun.done, "failed": ScheduledRun.failed}[column]
    values = {column: counted + 1,
              "finished_at": case((ScheduledRun.done + ScheduledRun.failed + 1 >= ScheduledRun.councils, utcnow()),
                                  else_=ScheduledRun.finished_at)}
    if error is not None:
        values.update(last_error=error[:300], last_error_council=context.current_tenant_id())
    return (update(ScheduledRun).where(ScheduledRun.id == run_id).values(**values)
            .execution_options(synchronize_session=False))


def _final_attempt() -> bool:
    """In-process a job runs once; on RQ, the attempt after which RQ retries no more."""
    if not current_app.config.get("REDIS_URL"):
        return True
    from rq import get_current_job

    job = get_current_job()
    return job is None or not job.retries_left


# --- On activation ---------------------------------------------------------------------------

def activation_jobs() -> list[PeriodicJob]:
    """The jobs run when a council's terms of reference are put in force, in the order the night
    runs them (by their first time after midnight in London: the recompute before the bookings)."""
    midnight = datetime.combine(datetime(2026, 1, 5).date(), time(0), LONDON)  # a Monday
    return sorted((job for job in _periodic.values() if job.on_activation),
                  key=lambda job: (job.slot_after(midnight), job.name))


def run_on_activation(tenant_id: int) -> list[str]:
    """Queue, for this council only, the jobs flagged ``on_activation`` (in the current
    transaction, so with the activation). Returns their names."""
    names = [job.name for job in activation_jobs()]
    if names:
        enqueue(activation_job, names, tenant_id=tenant_id, queue="periodic",
                timeout=sum(get_periodic(name).timeout for name in names))
    return names


def activation_job(names: list[str]) -> None:
    """The council's activation jobs, one after the other, each committed on its own: a failure
    is logged and the rest still run; then it raises, so RQ runs them all again (each is safe to
    run twice)."""
    failed = []
    for name in names:
        try:
            _resolve(get_periodic(name).func)()
            commit()
        except Exception:
            db.session.rollback()
            log.exception("%s failed on activation for council %s", name, context.current_tenant_id())
            failed.append(name)
    if failed:
        raise RuntimeError(f"on activation, failed: {', '.join(failed)}")


# --- What the central administrator sees -----------------------------------------------------

@dataclass(frozen=True)
class JobStatus:
    job: PeriodicJob
    last: ScheduledRun | None
    next_at: datetime


def job_statuses(now: datetime | None = None) -> list[JobStatus]:
    """Each periodic job with its last run (if any) and its next slot."""
    now = now or utcnow()
    statuses = []
    for job in periodic_jobs():
        last = db.session.execute(select(ScheduledRun).where(ScheduledRun.name == job.name)
                                  .order_by(ScheduledRun.started_at.desc(), ScheduledRun.id.desc()).limit(1)).scalar()
        statuses.append(JobStatus(job, last, job.slot_after(now)))
    return statuses


def last_success_gauges() -> list[metrics.Gauge]:
    """At scrape time: when each periodic job last finished a run with no council's part failed
    (Unix seconds, UTC), for an alert on "the nightly run has not succeeded for 26 hours"."""
    with Session(db.engine) as session:  # its own transaction: a failure here cannot spoil the request's
        rows = session.execute(
            select(ScheduledRun.name, func.max(ScheduledRun.finished_at))
            .where(ScheduledRun.finished_at.is_not(None), ScheduledRun.failed == 0).group_by(ScheduledRun.name)).all()
    return [metrics.Gauge("permanence_scheduled_job_last_success_timestamp_seconds",
                          "When a periodic job last finished a run with no part failed (Unix time)",
                          {"job": name}, finished.replace(tzinfo=finished.tzinfo or timezone.utc).timestamp())
            for name, finished in rows if name in _periodic]


metrics.register_scrape(last_success_gauges)


# --- The loop --------------------------------------------------------------------------------

def whoami() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class SchedulerLoop:
    """Ticks every ``interval`` seconds in ``app`` until ``stop()``; ``ticked`` is set after each
    tick (tests wait on it)."""

    def __init__(self, app, interval: float = TICK_SECONDS, name: str | None = None):
        self.app = app
        self.interval = interval
        self.name = name or f"scheduler on {whoami()}"
        self.stopping = threading.Event()
        self.ticked = threading.Event()
        self.thread: threading.Thread | None = None  # when started by start_in_process

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.app.app_context():
                try:
                    tick(scheduler=self.name)
                except Exception:
                    log.exception("the scheduler's tick failed; it runs again in %s seconds", self.interval)
                finally:
                    db.session.remove()
            self.ticked.set()
            self.stopping.wait(self.interval)

    def stop(self, *_args) -> None:
        self.stopping.set()


def run_scheduler(interval: float = TICK_SECONDS) -> None:
    """Tick until SIGTERM or Ctrl-C (``permanence jobs scheduler``)."""
    loop = SchedulerLoop(current_app._get_current_object(), interval)
    signal.signal(signal.SIGTERM, loop.stop)
    log.info("%s: periodic jobs are started here (every %s s); other schedulers are harmless",
             loop.name, interval)
    try:
        loop.run()
    except KeyboardInterrupt:
        pass
    log.info("%s stopped", loop.name)


def schedule_in_process(app) -> bool:
    """``SCHEDULE_IN_PROCESS``, or when unset: on without ``REDIS_URL``."""
    setting = app.config.get("SCHEDULE_IN_PROCESS")
    return not app.config.get("REDIS_URL") if setting is None else bool(setting)


def start_in_process(app, interval: float = TICK_SECONDS) -> SchedulerLoop | None:
    """For the web server: run the schedule in a daemon thread of this process when
    ``schedule_in_process``; log which way the schedule runs either way."""
    if not schedule_in_process(app):
        log.info("periodic jobs are not started by this process: %s",
                 "'permanence jobs scheduler' starts them" if app.config.get("REDIS_URL")
                 else "SCHEDULE_IN_PROCESS is off, so nothing runs them on time")
        return None
    loop = SchedulerLoop(app, interval)
    loop.thread = threading.Thread(target=loop.run, name="permanence-scheduler", daemon=True)
    loop.thread.start()
    log.info("periodic jobs run in this process (a scheduler thread, every %s s%s)", interval,
             ", queued to RQ" if app.config.get("REDIS_URL") else ", jobs in-process")
    return loop
