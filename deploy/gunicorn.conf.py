"""Gunicorn settings for the Permanence web process (``permanence.wsgi:app``).

Used by ``deploy/systemd/permanence-web.service``. nginx terminates TLS and
proxies to the address in ``bind``; every value below can be overridden from
the environment (see ``deploy/env.example``).
"""

import multiprocessing
import os
import signal
import threading
import time


def _int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers with a few threads each: requests are short and mostly wait on
# PostgreSQL; slow work (imports, e-mail, reminders) goes to the RQ worker.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
# With threads, `timeout` only catches a worker whose main loop is stuck: the loop
# keeps heart-beating while a request thread runs away. The watchdog below limits
# each request's time and each worker's memory; the systemd unit caps the service.
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak can never take the service down;
# the jitter stops every worker restarting at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 100)

# A request still running after this many seconds has run away (uploads are
# parsed within limits; slow work is a job): its worker is killed and replaced,
# as a sync worker's would be by `timeout`. Its other threads' requests fail too.
request_timeout = _int("GUNICORN_REQUEST_TIMEOUT", 120)
# A worker above this resident size (MB) finishes its requests and is replaced...
worker_recycle_mb = _int("GUNICORN_WORKER_RECYCLE_MB", 512)
# ...and one above this is killed at once, before it takes the host's memory.
worker_max_mb = _int("GUNICORN_WORKER_MAX_MB", 1536)
WATCH_EVERY = 1.0  # seconds

# The app is created in each worker, never in the master: create_app() does not
# touch the database, but per-process connection pools must not be shared
# across a fork.
preload_app = False

# Trust X-Forwarded-Proto only from nginx on this host.
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Heartbeat files in RAM rather than on disk.
if os.path.isdir("/dev/shm"):
    worker_tmp_dir = "/dev/shm"

# Logs to stdout/stderr, collected by journald.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No query strings in access logs: they can hold names or case references.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s"'

if os.environ.get("LOG_FORMAT", "text").strip().lower() == "json":
    # JSON lines (the deployment's default: the systemd unit sets LOG_FORMAT=json). The app writes
    # one access line per request itself, with its request id, council and user id (core.logs,
    # web/observe.py), so gunicorn's own access line is dropped; gunicorn's error log (start-up,
    # workers booted and killed) is JSON too. The root logger is left without a handler here: each
    # worker's create_app() gives it the app's.
    logconfig_dict = {
        "root": {"level": "INFO", "handlers": []},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["json"], "propagate": False},
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
        "handlers": {"json": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}},
        "formatters": {"json": {"()": "permanence.core.logs.JsonFormatter"}},
    }

proc_name = "permanence-web"


# --- Watchdog: each request's time and each worker's memory ------------------------

_started = {}  # request thread -> (monotonic start, method, path)


def _rss_mb():
    """This process's resident memory in MB (Linux), or 0 where /proc cannot say."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)
    except (OSError, ValueError, IndexError):
        return 0


def _kill(worker, reason):
    worker.log.error("Killing worker %s: %s", worker.pid, reason)
    os.kill(os.getpid(), signal.SIGKILL)  # the master replaces it; stuck threads cannot stop a SIGKILL


def _watch(worker):
    while True:
        time.sleep(WATCH_EVERY)
        now = time.monotonic()
        for started, method, path in list(_started.values()):
            if now - started > request_timeout:
                _kill(worker, f"{method} {path} has run for more than {request_timeout} seconds")
        rss = _rss_mb()
        if rss > worker_max_mb:
            requests = ", ".join(f"{m} {p}" for _, m, p in list(_started.values())) or "no request"
            _kill(worker, f"{rss:.0f} MB resident, over {worker_max_mb} MB, during {requests}")


# --- Prometheus metrics across workers (core.metrics) ------------------------------------

def on_starting(server):
    """Each worker writes its counts to files in PROMETHEUS_MULTIPROC_DIR; a new master starts the
    folder empty (the counters start again, which Prometheus expects of a restart)."""
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if folder:
        os.makedirs(folder, exist_ok=True)
        for name in os.listdir(folder):
            if name.endswith(".db"):
                os.remove(os.path.join(folder, name))


def child_exit(server, worker):
    """A dead worker's live gauges are dropped; its counts stay in the sum."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker):
    threading.Thread(target=_watch, args=(worker,), name="permanence-watchdog", daemon=True).start()


def pre_request(worker, req):
    worker.log.debug("%s %s", req.method, req.path)
    _started[threading.get_ident()] = (time.monotonic(), req.method, req.path)


def post_request(worker, req, environ, resp):
    _started.pop(threading.get_ident(), None)
    rss = _rss_mb()
    if rss > worker_recycle_mb and worker.alive:
        worker.log.info("Recycling worker %s after its requests: %.0f MB resident, over %s MB",
                        worker.pid, rss, worker_recycle_mb)
        worker.alive = False
