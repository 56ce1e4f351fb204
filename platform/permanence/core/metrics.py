"""Prometheus metrics: requests and jobs counted where they happen, queues and schedules read at
scrape time.

Labels name code, never people: an endpoint (the URL rule's name, never the path, which holds
ids), a method, a status class, a job's function and queue, a queue's name, a periodic job's name.
No label carries a child's name, a case number, an officer's name, a council's slug or any id.

Under gunicorn (several worker processes) and RQ (a forked work horse per job) every process
writes its counts to files in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus_client's multiprocess mode,
chosen by that variable at import) and ``exposition`` adds them up; gunicorn.conf.py's
``child_exit`` marks a dead worker's files. An RQ worker's horses all write to their worker's
files (``share_files_with``), so the folder holds a few files per worker, not one per job.
Without the variable (``permanence run``, tests) the counts live in the one process.

A lower module that has something to report at scrape time gives a function to
``register_scrape`` (``core.jobs``: queue depths; ``core.schedule``: the last good run of each
periodic job), so this module imports nothing of ours but the standard library's.
"""

from __future__ import annotations

from dataclasses import dataclass
import hmac
import ipaddress
import logging
import os
from typing import Callable, Iterable

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess, values
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

REQUESTS = Counter("permanence_http_requests", "HTTP requests answered, by endpoint, method and status class",
                   ["endpoint", "method", "status"])
REQUEST_SECONDS = Histogram("permanence_http_request_duration_seconds",
                            "Time to answer an HTTP request, by endpoint, method and status class",
                            ["endpoint", "method", "status"],
                            buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120))
JOBS = Counter("permanence_job_runs", "Background job runs, by function, queue and outcome (success, failure)",
               ["job", "queue", "outcome"])
JOB_SECONDS = Histogram("permanence_job_duration_seconds", "Time a background job ran, by function, queue and outcome",
                        ["job", "queue", "outcome"],
                        buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600))


@dataclass(frozen=True)
class Gauge:
    """One gauge sample a scrape-time source reports."""

    name: str
    help: str
    labels: dict[str, str]
    value: float


_scrape_sources: list[Callable[[], Iterable[Gauge]]] = []


def register_scrape(source: Callable[[], Iterable[Gauge]]) -> None:
    """``source()`` is called (in the app's context) at each scrape for gauges worked out then."""
    if source not in _scrape_sources:
        _scrape_sources.append(source)


def status_class(status: int) -> str:
    return f"{status // 100}xx"


def record_request(endpoint: str | None, method: str, status: int, seconds: float) -> None:
    labels = (endpoint or "unmatched", method if method in METHODS else "other", status_class(status))
    try:
        REQUESTS.labels(*labels).inc()
        REQUEST_SECONDS.labels(*labels).observe(seconds)
    except Exception:  # noqa: BLE001 - a metric never fails a request (an unwritable multiprocess folder)
        log.warning("request not counted in the metrics", exc_info=True)


def record_job(job: str, queue: str, outcome: str, seconds: float) -> None:
    try:
        JOBS.labels(job, queue, outcome).inc()
        JOB_SECONDS.labels(job, queue, outcome).observe(seconds)
    except Exception:  # noqa: BLE001 - nor a job
        log.warning("job run not counted in the metrics", exc_info=True)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def share_files_with(pid: int) -> None:
    """In multiprocess mode, make this process and the processes it forks write to ``pid``'s files
    (an RQ worker's: its horses run one at a time, each carrying on the counts of the last).
    Call before the first count; without multiprocess mode it does nothing."""
    if multiprocess_mode():
        os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"], exist_ok=True)
        values.ValueClass = values.MultiProcessValue(lambda: pid)


class _ScrapeTime:
    """The registered sources' gauges, as metric families; a source that fails is logged and left out."""

    def collect(self):
        families: dict[str, GaugeMetricFamily] = {}
        for source in _scrape_sources:
            try:
                gauges = list(source())
            except Exception:  # noqa: BLE001 - Redis or the database away: the rest still scrapes
                log.warning("metrics source %s failed at scrape time", getattr(source, "__qualname__", source),
                            exc_info=True)
                continue
            for gauge in gauges:
                family = families.get(gauge.name)
                if family is None:
                    family = families[gauge.name] = GaugeMetricFamily(gauge.name, gauge.help,
                                                                      labels=list(gauge.labels))
                family.add_metric(list(gauge.labels.values()), gauge.value)
        yield from families.values()


class _ThisProcess:
    def collect(self):
        yield from REGISTRY.collect()


def exposition() -> tuple[bytes, str]:
    """The text a Prometheus scrape gets, and its content type: every process's counts (or this
    one's) and the gauges worked out now."""
    registry = CollectorRegistry()
    if multiprocess_mode():
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(_ThisProcess())
    registry.register(_ScrapeTime())
    return generate_latest(registry), CONTENT_TYPE_LATEST


def scrape_allowed(remote_addr: str | None, authorization: str | None, networks: Iterable[str],
                   token: str | None) -> bool:
    """May this caller read the metrics: an address in ``networks`` (addresses or CIDR ranges), or
    ``Authorization: Bearer <token>`` when a token is configured."""
    if token and authorization and hmac.compare_digest(authorization.encode(), f"Bearer {token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(remote_addr or "")
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in ipaddress.ip_network(network, strict=False) for network in networks)

