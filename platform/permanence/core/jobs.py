"""Background jobs: the one way to enqueue, whichever mode is on, and a job outlives a crash.

``enqueue`` writes the job as a row of the outbox (``job_outbox``) in the transaction that
causes it, so the job exists exactly when the change does: a rolled-back request queues
nothing, and a process that dies between its commit and the hand-over loses nothing. After the
commit (``commit``) the relay hands the rows on: with ``REDIS_URL`` set to an RQ queue for
``permanence jobs worker``; without it (the embedded default) it runs them in-process straight
away. A row is claimed for a lease before it is handed on, so two relays never both take it,
and one left behind (a crash, Redis down) is taken again by the next sweep (``relay()``: at
each dispatch, and every minute in each worker). ``run_job`` sets the tenant and actor, runs
the function, and commits or rolls back: no job can run unscoped by accident.

On RQ every job carries a ``Retry``: a job that raises, or whose worker died (RQ's started-job
registry, cleaned every minute by our workers), runs again after a back-off. A job's writes and
the jobs it queues commit together or not at all, so running again a job cut short repeats
nothing that stuck; what a job does outside the database (an e-mail) it guards itself. A worker
killed after a job's commit and before RQ recorded it finished does not make it run twice: the job
marks its outbox row completed in its own transaction, and a run of a completed row does nothing
(deploy/README.md, section 6b; deploy/scaleout/drill kills a worker mid-job).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
import importlib
import logging
import os
import time

from flask import current_app, has_app_context
from sqlalchemy import JSON, String, event, inspect, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column

from ..extensions import db
from . import context, logs, metrics
from .clock import utcnow

log = logging.getLogger(__name__)

QUEUES = ("default", "emails", "periodic", "imports")
# The order a worker serving several queues looks at them, taken round-robin (each job taken moves
# that queue to the back), so a night's thousands of e-mails never hold back the councils' periodic
# jobs, nor the periodic jobs a person's import: interactive work first, e-mail last.
WORKER_ORDER = ("default", "periodic", "imports", "emails")
# The deployment deploy/README.md recommends: a worker for each group, so none waits on another's.
QUEUE_GROUPS = {"interactive": ("default",), "nightly": ("periodic", "imports"), "emails": ("emails",)}
DEFAULT_RETRIES = 3  # RQ runs a job that failed or whose worker died this many times more
RETRY_INTERVALS = [30, 300, 1800]  # seconds before each retry (the last repeats)
GRACE = timedelta(seconds=5)  # a row older than this and still not handed on was left behind
HAND_OVER_LEASE = timedelta(seconds=60)  # a claim's life: enough to put a job on Redis
MAX_CLAIMS = 5  # a row claimed this often and never handed on is left for an operator
KEEP_DISPATCHED = timedelta(days=7)
MAINTENANCE_INTERVAL = 60  # seconds between a worker's sweeps (RQ's default is ten minutes)
_UNSET = object()
_PENDING = "pending_jobs"  # the JobSpecs queued in this transaction
_PENDING_ROWS = "pending_outbox"  # and their outbox rows


@dataclass
class JobSpec:
    func: str
    args: list = field(default_factory=list)
    kwargs: dict = field(default_factory=dict)
    tenant_id: int | None = None
    actor_id: int | None = None
    actor_label: str = "system"
    queue: str = "default"
    timeout: int = 300
    retries: int = DEFAULT_RETRIES
    outbox_id: int | None = None  # its row in the outbox, once written


class OutboxJob(db.Model):
    """A job, written in the transaction that causes it and handed on after the commit.

    Not a tenant table: the relay reads every council's rows, and a row holds only a function's
    name and ids (the council's id among them), never the records themselves."""

    __tablename__ = "job_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    func: Mapped[str] = mapped_column(String(200))
    queue: Mapped[str] = mapped_column(String(20))
    tenant_id: Mapped[int | None]
    spec: Mapped[dict] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)  # claims by a relay
    lease_until: Mapped[datetime | None]  # claimed until then; taken again after if not handed on
    dispatched_at: Mapped[datetime | None] = mapped_column(index=True)  # on RQ, or run in-process
    # Written in the job's own transaction: set, the job's work is committed, and a second run of it
    # (its worker killed after that commit, before RQ recorded it finished) does nothing.
    completed_at: Mapped[datetime | None]


def _path(func) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(func, *args, tenant_id=_UNSET, queue: str = "default", timeout: int = 300,
            retries: int = DEFAULT_RETRIES, **kwargs) -> JobSpec:
    """Run ``func(*args, **kwargs)`` in the background once the current transaction commits.

    Arguments must be JSON-serialisable (ids, not objects). The job runs as the current
    tenant unless ``tenant_id`` says otherwise.
    """
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}; queues: {', '.join(QUEUES)}")
    actor = context.current_actor()
    spec = JobSpec(
        func=_path(func), args=list(args), kwargs=kwargs,
        tenant_id=context.current_tenant_id() if tenant_id is _UNSET else tenant_id,
        actor_id=actor.user_id, actor_label=actor.label, queue=queue, timeout=timeout, retries=retries,
    )
    row = OutboxJob(func=spec.func, queue=queue, tenant_id=spec.tenant_id, spec=asdict(spec))
    session = db.session()
    session.add(row)
    session.info.setdefault(_PENDING, []).append(spec)
    session.info.setdefault(_PENDING_ROWS, []).append(row)
    return spec


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop(_PENDING, None)
    session.info.pop(_PENDING_ROWS, None)


def commit() -> None:
    """Commit the session (the jobs queued in it with it), then hand those jobs on."""
    session = db.session()
    session.commit()
    session.info.pop(_PENDING, None)
    pending = session.info.pop(_PENDING_ROWS, [])
    ids = [state.identity[0] for state in map(inspect, pending) if state.identity]
    if not ids:
        return
    try:
        relay()  # first whatever a crashed process left behind, so the order is kept
        relay(ids)
    except Exception:  # the commit stands and the rows wait: the next sweep hands them on
        log.exception("the outbox relay failed after a commit; its jobs wait for the next sweep")


def relay(ids: list[int] | None = None, *, limit: int = 500) -> int:
    """Hand outbox rows on: the rows ``ids`` (just committed, all of them) or, with none, up to
    ``limit`` rows left behind (older than ``GRACE``, no live claim). Returns how many this call
    handed on."""
    now = utcnow()
    query = select(OutboxJob.id, OutboxJob.spec).where(OutboxJob.dispatched_at.is_(None),
                                                       OutboxJob.attempts < MAX_CLAIMS).order_by(OutboxJob.id)
    with Session(db.engine) as session:
        if ids is not None:
            rows = [row for start in range(0, len(ids), limit)
                    for row in session.execute(query.where(OutboxJob.id.in_(ids[start:start + limit])))]
        else:
            rows = session.execute(query.where(
                OutboxJob.created_at <= now - GRACE,
                or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now)).limit(limit)).all()
            session.execute(OutboxJob.__table__.delete().where(OutboxJob.dispatched_at < now - KEEP_DISPATCHED))
            session.commit()
    return sum(_hand_over(row_id, spec) for row_id, spec in rows)


def _claim(row_id: int, lease: timedelta) -> bool:
    """Take the row for ``lease``, unless it is handed on or another relay holds it."""
    now = utcnow()
    with Session(db.engine) as session:
        claimed = session.execute(
            update(OutboxJob)
            .where(OutboxJob.id == row_id, OutboxJob.dispatched_at.is_(None), OutboxJob.attempts < MAX_CLAIMS,
                   or_(OutboxJob.lease_until.is_(None), OutboxJob.lease_until <= now))
            .values(lease_until=now + lease, attempts=OutboxJob.attempts + 1)
            .execution_options(synchronize_session=False)
        ).rowcount
        session.commit()
    return claimed == 1


def _mark_dispatched(row_id: int) -> None:
    now = utcnow()
    with Session(db.engine) as session:
        session.execute(update(OutboxJob).where(OutboxJob.id == row_id).values(dispatched_at=now)
                        .execution_options(synchronize_session=False))
        session.commit()


def _hand_over(row_id: int, stored: dict) -> bool:
    """Claim one row, dispatch its job, and mark it dispatched."""
    spec = JobSpec(**{**stored, "outbox_id": row_id})
    on_rq = bool(current_app.config.get("REDIS_URL"))
    lease = HAND_OVER_LEASE if on_rq else HAND_OVER_LEASE + timedelta(seconds=spec.timeout)
    if not _claim(row_id, lease):
        return False
    try:
        _dispatch(spec)
    except Exception:  # Redis away: the row waits in the outbox, and its claim runs out
        log.exception("job %s (outbox %s) not dispatched; the relay will try again", spec.func, row_id)
        return False
    _mark_dispatched(row_id)
    return True


def _dispatch(spec: JobSpec) -> None:
    """Put the job on RQ, or run it here (the embedded default). On RQ its id is made from its
    outbox row's, so a row handed on twice is queued once."""
    if not current_app.config.get("REDIS_URL"):
        run_job(asdict(spec))
        return
    from rq import Retry
    from rq.job import Job

    queue = get_queue(spec.queue)
    job_id = None
    if spec.outbox_id is not None:
        job_id = f"{current_app.config.get('RQ_QUEUE_PREFIX', 'permanence')}-outbox-{spec.outbox_id}"
        if Job.exists(job_id, connection=queue.connection):
            return
    queue.enqueue(
        run_job, asdict(spec), job_id=job_id,
        job_timeout=spec.timeout, result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
        retry=Retry(max=spec.retries, interval=RETRY_INTERVALS) if spec.retries else None,
        meta={"tenant_id": spec.tenant_id, "func": spec.func, "outbox_id": spec.outbox_id},
        description=spec.func,
    )


def get_redis(timeout: float | None = None):
    """The Redis of ``REDIS_URL``; ``timeout`` bounds connecting and each command (seconds)."""
    from redis import Redis

    if timeout is None:
        return Redis.from_url(current_app.config["REDIS_URL"])
    return Redis.from_url(current_app.config["REDIS_URL"], socket_timeout=timeout, socket_connect_timeout=timeout)


def ping_redis(timeout: float) -> None:
    """Raises unless Redis answers PING within ``timeout`` seconds (the readiness probe)."""
    client = get_redis(timeout)
    try:
        client.ping()
    finally:
        client.close()


def get_queue(name: str = "default"):
    from rq import Queue

    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "permanence")
    return Queue(f"{prefix}-{name}", connection=get_redis())


def all_queues():
    return [get_queue(name) for name in QUEUES]


def queue_gauges():
    """At scrape time, with Redis: each queue's waiting jobs and failed jobs (those out of retries,
    kept for a week). Read with a short timeout, so a scrape never hangs on Redis."""
    if not current_app.config.get("REDIS_URL"):
        return []
    from rq import Queue

    connection = get_redis(timeout=2)
    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "permanence")
    gauges = []
    try:
        for name in QUEUES:
            queue = Queue(f"{prefix}-{name}", connection=connection)
            gauges.append(metrics.Gauge("permanence_queue_jobs", "Jobs waiting in an RQ queue", {"queue": name},
                                        queue.count))
            gauges.append(metrics.Gauge("permanence_queue_failed_jobs", "Jobs in an RQ queue's failed registry "
                                        "(out of retries; kept seven days)", {"queue": name},
                                        queue.failed_job_registry.count))
    finally:
        connection.close()
    return gauges


metrics.register_scrape(queue_gauges)


def recover_abandoned() -> None:
    """Jobs whose worker died (their heartbeat ran out in RQ's started-job registry) are
    retried, or failed once out of retries: RQ's own clean-up, which our workers run every
    minute; exposed for the command line and tests."""
    from rq.registry import StartedJobRegistry

    for queue in all_queues():
        StartedJobRegistry(queue=queue).cleanup()


def _resolve(path: str):
    module, _, name = path.partition(":")
    target = importlib.import_module(module)
    for part in name.split("."):
        target = getattr(target, part)
    return target


_worker_app = None  # the app whose CLI started this worker (``run_worker``); its forks inherit it


def run_job(spec: dict):
    """Run one job as its tenant and actor, committing on success and rolling back on failure."""
    if not has_app_context():
        if _worker_app is None:
            raise RuntimeError("a job ran outside the app: start workers with 'permanence jobs worker'")
        with _worker_app.app_context():
            try:
                return run_job(spec)
            finally:
                db.session.remove()
    job = JobSpec(**spec)
    func = _resolve(job.func)
    actor = context.Actor(user_id=job.actor_id, label=f"{job.actor_label} (background job)")
    in_process = not current_app.config.get("REDIS_URL")
    # A job that runs another function by name (a periodic job's part) is counted and logged as that one.
    labelled = getattr(func, "job_label", None)
    name = labelled(*job.args, **job.kwargs) if labelled else job.func
    started = time.perf_counter()
    outcome = "failure"
    with context.tenant_context(job.tenant_id), context.acting_as(actor), \
            logs.bound(job_id=_job_id(job), job=name):
        if _completed(job.outbox_id):
            log.warning("job %s (outbox %s) committed its work before; not run again", job.func, job.outbox_id)
            outcome = "already_done"
            metrics.record_job(name, job.queue, outcome, time.perf_counter() - started)
            return None
        try:
            result = func(*job.args, **job.kwargs)
            _mark_completed(job.outbox_id)
            commit()
            outcome = "success"
            return result
        except Exception:
            db.session.rollback()
            if not in_process:
                raise
            log.exception("in-process job %s failed", job.func)
            return None
        finally:
            metrics.record_job(name, job.queue, outcome, time.perf_counter() - started)


def _completed(outbox_id: int | None) -> bool:
    if outbox_id is None:
        return False
    return db.session.execute(select(OutboxJob.completed_at).where(OutboxJob.id == outbox_id)).scalar() is not None


def _mark_completed(outbox_id: int | None) -> None:
    """The job's outbox row marked done, in the job's own transaction: it commits with the job's
    work or not at all."""
    if outbox_id is not None:
        db.session.execute(update(OutboxJob).where(OutboxJob.id == outbox_id).values(completed_at=utcnow())
                           .execution_options(synchronize_session=False))


def _job_id(job: JobSpec) -> str | None:
    """The id a job's log lines carry: its RQ job id (made from its outbox row's), the same in-process."""
    if job.outbox_id is None:
        return None
    return f"{current_app.config.get('RQ_QUEUE_PREFIX', 'permanence')}-outbox-{job.outbox_id}"


def parse_queues(text: str | None) -> tuple[str, ...]:
    """The queues a worker is asked to serve, checked: queue names (``default``,
    ``periodic,imports``) or groups of ``QUEUE_GROUPS`` (``nightly``: what the systemd instance units
    pass, a unit's name holding no comma), separated by commas, in the order given (repeats
    dropped). None or empty: every queue, in ``WORKER_ORDER``. Raises ``ValueError`` naming what is
    unknown and the choices."""
    if text is None or not text.strip():
        return WORKER_ORDER
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in QUEUES and name not in QUEUE_GROUPS]
    if unknown or not names:
        raise ValueError(f"no queue called {', '.join(repr(n[:40]) for n in unknown) or repr(text[:40])}: "
                         f"choose from {', '.join(QUEUES)} (several separated by commas), or a group: "
                         + ", ".join(f"{group} ({'+'.join(queues)})" for group, queues in QUEUE_GROUPS.items()))
    expanded = [queue for name in names for queue in (QUEUE_GROUPS.get(name, (name,)) if name not in QUEUES
                                                      else (name,))]
    return tuple(dict.fromkeys(expanded))


def run_worker(queue_names=WORKER_ORDER, burst: bool = False, max_jobs: int | None = None) -> bool:
    """Work the RQ queues (``permanence jobs worker``); ``burst`` stops when they are empty.

    The queues are taken round-robin (RQ's ``dequeue_strategy="round_robin"``) from
    ``WORKER_ORDER``: a worker serving every queue takes one job from each non-empty queue in turn,
    so 100,000 queued e-mails delay a council's nightly run by one e-mail per job, never by hours.
    Every minute the worker also does RQ's clean-up (jobs of dead workers are retried) and
    relays the outbox rows a crashed process left behind."""
    from rq import Worker
    from rq.worker import DequeueStrategy

    global _worker_app
    _worker_app = current_app._get_current_object()  # jobs run in the app that started the worker
    metrics.share_files_with(os.getpid())  # each work horse adds to this worker's counts

    class RelayingWorker(Worker):
        def run_maintenance_tasks(self):
            super().run_maintenance_tasks()
            with _worker_app.app_context():
                try:
                    relay()
                except Exception:
                    log.exception("the outbox relay failed; it runs again in a minute")
                finally:
                    db.engine.dispose()  # a forked work horse must not share the parent's connections

    for name in queue_names:
        if name not in QUEUES:
            raise ValueError(f"unknown queue {name!r}; queues: {', '.join(QUEUES)}")
    queues = [get_queue(name) for name in queue_names]
    # An idle worker looks at its maintenance only when a wait for a job times out, which is
    # its ttl less 15 seconds: so the ttl is what makes "every minute" true.
    worker = RelayingWorker(queues, connection=get_redis(), maintenance_interval=MAINTENANCE_INTERVAL,
                            worker_ttl=MAINTENANCE_INTERVAL + 15)
    return worker.work(burst=burst, with_scheduler=True, max_jobs=max_jobs,
                       dequeue_strategy=DequeueStrategy.ROUND_ROBIN)
