"""Periodic jobs: one declarative list, fanned out to every open council.

A feature registers its periodic job with ``register_periodic`` in its ``init_app``.
``permanence jobs scheduler`` hands the list to RQ's cron scheduler, which enqueues
``fan_out_job`` (through ``run_job``, so what it queues is committed) on time; that job
enqueues the feature's job once per active tenant, so each run is scoped to one council like
any other job. ``permanence jobs run NAME``
runs one now (the embedded default has no scheduler). Which councils are open is the tenancy
package's to say: it hands its answer in with ``fan_out_to`` at start-up.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, Iterable

from .jobs import JobSpec, _path, _resolve, enqueue, get_queue, get_redis, run_job


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # "module:function", taking no arguments, run once per active tenant
    cron: str  # five-field cron expression, Europe/London wall-clock is not assumed: UTC
    timeout: int = 1800


_periodic: dict[str, PeriodicJob] = {}
_open_councils: Callable[[], Iterable[int]] | None = None


def fan_out_to(tenant_ids: Callable[[], Iterable[int]]) -> None:
    """Set who periodic jobs run for: a function giving the ids of the open councils."""
    global _open_councils
    _open_councils = tenant_ids


def register_periodic(name: str, func, cron: str, timeout: int = 1800) -> None:
    _periodic[name] = PeriodicJob(name, _path(func), cron, timeout)


def periodic_jobs() -> list[PeriodicJob]:
    return sorted(_periodic.values(), key=lambda p: p.name)


def fan_out_job(func: str, timeout: int = 1800) -> int:
    """Enqueue ``func`` once for every active tenant; returns how many were queued."""
    if _open_councils is None:
        raise RuntimeError("no council list for periodic jobs: tenancy.init_app sets it")
    target = _resolve(func)
    tenant_ids = list(_open_councils())
    for tenant_id in tenant_ids:
        enqueue(target, tenant_id=tenant_id, queue="periodic", timeout=timeout)
    return len(tenant_ids)


def run_now(name: str) -> int:
    job = _periodic.get(name)
    if job is None:
        raise KeyError(f"no periodic job '{name}'; periodic jobs: {', '.join(_periodic) or 'none'}")
    return fan_out_job(job.func, job.timeout)


def build_scheduler():
    """RQ's cron scheduler with every periodic job registered (needs REDIS_URL)."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=get_redis(), name="permanence")
    for job in periodic_jobs():
        # Through run_job, like every job: it commits, so the per-council jobs fan_out_job writes
        # to the outbox are kept and handed on (called bare, they were never committed).
        spec = JobSpec(func=_path(fan_out_job), args=[job.func, job.timeout], queue="periodic", timeout=job.timeout)
        scheduler.register(run_job, get_queue("periodic").name, args=(asdict(spec),), cron=job.cron,
                           job_timeout=job.timeout, name=job.name)
    return scheduler


def run_scheduler() -> None:
    """Run until stopped (``permanence jobs scheduler``)."""
    build_scheduler().start()
