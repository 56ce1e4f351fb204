"""Gunicorn settings for the Permanence web process (``permanence.wsgi:app``).

Used by ``deploy/systemd/permanence-web.service``. nginx terminates TLS and
proxies to the address in ``bind``; every value below can be overridden from
the environment (see ``deploy/env.example``).
"""

import multiprocessing
import os


def _int(name, default):
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Sync workers with a few threads each: requests are short and mostly wait on
# PostgreSQL; slow work (imports, e-mail, reminders) goes to the RQ worker.
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 9))
threads = _int("GUNICORN_THREADS", 4)
worker_class = "gthread"
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then so a slow leak can never take the service down.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = 100

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

proc_name = "permanence-web"
