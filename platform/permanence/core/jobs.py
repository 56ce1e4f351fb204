"""Background jobs: the one way to enqueue, whichever mode is on.

``enqueue`` records a job against the current database transaction; the job is
dispatched only after that transaction commits (``commit``), so a worker never
sees half-written data and a rolled-back request sends no e-mail. With
``REDIS_URL`` set, dispatch puts the job on an RQ queue for ``permanence jobs
worker``; without it (the embedded default) the job runs in-process straight after
the commit. Either way ``run_job`` sets the tenant and actor, runs the function,
and commits or rolls back: no job can run unscoped by accident.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
import importlib
import logging

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from ..extensions import db
from . import context

log = logging.getLogger(__name__)

QUEUES = ("default", "emails", "periodic", "imports")
_UNSET = object()


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
    retries: int = 0


def _path(func) -> str:
    return f"{func.__module__}:{func.__qualname__}"


def enqueue(func, *args, tenant_id=_UNSET, queue: str = "default", timeout: int = 300, retries: int = 0,
            **kwargs) -> JobSpec:
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
    db.session().info.setdefault("pending_jobs", []).append(spec)
    return spec


@event.listens_for(Session, "after_rollback")
def _forget_pending(session):
    session.info.pop("pending_jobs", None)


def commit() -> None:
    """Commit the session, then dispatch the jobs queued during the transaction."""
    session = db.session()
    session.commit()
    pending = session.info.pop("pending_jobs", [])
    for spec in pending:
        _dispatch(spec)


def _dispatch(spec: JobSpec) -> None:
    redis_url = current_app.config.get("REDIS_URL")
    if not redis_url:
        run_job(asdict(spec))
        return
    from rq import Retry

    queue = get_queue(spec.queue)
    queue.enqueue(
        run_job, asdict(spec),
        job_timeout=spec.timeout, result_ttl=24 * 3600, failure_ttl=7 * 24 * 3600,
        retry=Retry(max=spec.retries, interval=[30, 300, 1800][: spec.retries] or 60) if spec.retries else None,
        meta={"tenant_id": spec.tenant_id, "func": spec.func},
        description=spec.func,
    )


def get_redis():
    from redis import Redis

    return Redis.from_url(current_app.config["REDIS_URL"])


def get_queue(name: str = "default"):
    from rq import Queue

    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "permanence")
    return Queue(f"{prefix}-{name}", connection=get_redis())


def all_queues():
    return [get_queue(name) for name in QUEUES]


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
    with context.tenant_context(job.tenant_id), context.acting_as(actor):
        try:
            result = func(*job.args, **job.kwargs)
            commit()
            return result
        except Exception:
            db.session.rollback()
            if not in_process:
                raise
            log.exception("in-process job %s failed", job.func)
            return None


def run_worker(queue_names=QUEUES, burst: bool = False) -> bool:
    """Work the RQ queues (``permanence jobs worker``); ``burst`` stops when they are empty."""
    from rq import Worker

    global _worker_app
    _worker_app = current_app._get_current_object()  # jobs run in the app that started the worker
    queues = [get_queue(name) for name in queue_names]
    worker = Worker(queues, connection=get_redis())
    return worker.work(burst=burst, with_scheduler=True)
