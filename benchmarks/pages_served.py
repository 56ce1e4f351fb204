"""Benchmark: the daily pages of the largest council served by a real gunicorn (the deploy's
gunicorn.conf.py, 2 workers x 4 threads) to concurrent clients, on a database the national
generator built.

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python benchmarks/pages_served.py

Starts gunicorn on 127.0.0.1:8765 (``SCHEDULE_IN_PROCESS=0``: no periodic jobs in the server),
signs each role in with a session cookie signed by the server's SECRET_KEY, then ``BENCH_CLIENTS``
threads (default 8) each open the pages in turn, for ``BENCH_SECONDS`` (default 60), with
``GET /health`` (the floor) among them. Prints requests per second, and per page the median and
95th percentile as the clients saw them (queueing included) and the ratio to the floor's median.

Then the web process's memory: each gunicorn worker's resident memory (``/proc/<pid>/status``) after
it has answered only ``GET /health`` (the floor: the app loaded, no page rendered), and its peak
(VmHWM) after the run; the master forks the workers and does not load the app (``preload_app`` off).
"""

from __future__ import annotations

import os
from pathlib import Path
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

from _stats import memory_kb

REPO = Path(__file__).resolve().parents[1]
PORT = int(os.environ.get("BENCH_PORT", "8765"))  # another, when two runs share the machine
CLIENTS = int(os.environ.get("BENCH_CLIENTS", "8"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "60"))
SECRET = "bench-served-secret"


def main() -> None:
    from sqlalchemy import func, select

    from permanence.accounts.models import User
    from permanence.accounts.roles import ROLES
    from permanence.app import create_app
    from permanence.cases.models import Child, Review
    from permanence.core.context import tenant_context
    from permanence.extensions import db
    from permanence.tenancy.models import Tenant

    url = os.environ["BENCH_DATABASE_URL"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET})
    with app.app_context():
        sizes = []
        for tenant in db.session.execute(select(Tenant).where(Tenant.slug.like("national-%"))).scalars().all():
            with tenant_context(tenant.id):
                sizes.append((db.session.execute(select(func.count(Child.id))).scalar_one(), tenant.slug, tenant.id))
        children, slug, tenant_id = max(sizes)
        with tenant_context(tenant_id):
            sessions = {role: db.session.execute(select(User).where(
                User.email == f"{role.replace('_', '.')}@{slug}.example.org")).scalar_one().get_id() for role in ROLES}
            child = db.session.execute(select(Review.child_id).group_by(Review.child_id).order_by(
                func.count(Review.id).desc(), Review.child_id).limit(1)).scalar_one()
        serializer = app.session_interface.get_signing_serializer(app)
        cookies = {role: serializer.dumps({"_user_id": sid, "_fresh": True, "seen": time.time() + SECONDS * 2})
                   for role, sid in sessions.items()}
    pages = [(f"home ({role.replace('_', ' ')})", role, f"/{slug}/") for role in ROLES]
    pages += [("tracker, first page", "chair", f"/{slug}/tracker/"),
              ("child record", "panel_administrator", f"/{slug}/children/{child}"),
              ("meetings list", "panel_administrator", f"/{slug}/meetings/"),
              ("referrals", "panel_administrator", f"/{slug}/referrals/")]
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "SCHEDULE_IN_PROCESS": "0", "MAIL_ECHO": "0",
           "GUNICORN_BIND": f"127.0.0.1:{PORT}", "GUNICORN_WORKERS": "2", "GUNICORN_THREADS": "4",
           "GUNICORN_MAX_REQUESTS": "0", "PYTHONPATH": str(REPO / "platform")}
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-c", str(REPO / "deploy/gunicorn.conf.py"),
                               "permanence.wsgi:app"], env=env, cwd=REPO,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for(f"http://127.0.0.1:{PORT}/health")
        for _ in range(50):  # enough for both workers to have answered it (the floor of memory)
            _get("/health", "", None)
        idle = {pid: memory_kb(pid) for pid in _workers(server.pid)}
        cookie_name = app.config["SESSION_COOKIE_NAME"]
        for name, role, path in pages:  # warm each worker a little, and check every page answers
            for _ in range(2):
                status, _ = _get(path, cookie_name, cookies[role])
                assert status == 200, (name, status)
        samples: dict[str, list[float]] = {}
        lock = threading.Lock()
        stop = time.monotonic() + SECONDS

        def client(n: int) -> None:
            order = pages[n % len(pages):] + pages[:n % len(pages)]
            while time.monotonic() < stop:
                for name, role, path in order + [("floor GET /health", None, "/health")]:
                    status, elapsed = _get(path, cookie_name, cookies.get(role))
                    with lock:
                        samples.setdefault(name if status == 200 else f"{name} [{status}]", []).append(elapsed)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        took = time.monotonic() - started
        after = {pid: memory_kb(pid) for pid in _workers(server.pid)}
    finally:
        server.terminate()
        server.wait(timeout=30)
    total = sum(len(v) for v in samples.values())
    floor = statistics.median(samples["floor GET /health"])
    print(f"{slug} ({children:,} children); gunicorn 2 workers x 4 threads; {CLIENTS} concurrent clients for "
          f"{took:.0f} s: {total} requests, {total / took:.1f} a second")
    print(f"  {'page':30} {'n':>5} {'median ms':>10} {'p95 ms':>8} {'x floor':>8}")
    for name, values in sorted(samples.items(), key=lambda kv: statistics.median(kv[1])):
        values.sort()
        print(f"  {name:30} {len(values):5} {statistics.median(values):10.1f} "
              f"{values[max(0, round(len(values) * 0.95) - 1)]:8.1f} {statistics.median(values) / floor:8.1f}")
    print(f"\nmemory of each gunicorn worker (MB): after GET /health only (the floor), and after the run")
    print(f"  {'worker pid':>10} {'RSS floor':>10} {'peak floor':>11} {'RSS after':>10} {'peak after':>11} {'x floor':>8}")
    for pid, end in sorted(after.items()):
        start = idle.get(pid)
        if start is None:  # a worker restarted during the run (memory limit, timeout): no floor of its own
            print(f"  {pid:>10} {'(new)':>10} {'':>11} {end['VmRSS'] / 1024:10.1f} {end['VmHWM'] / 1024:11.1f}")
            continue
        print(f"  {pid:>10} {start['VmRSS'] / 1024:10.1f} {start['VmHWM'] / 1024:11.1f} {end['VmRSS'] / 1024:10.1f} "
              f"{end['VmHWM'] / 1024:11.1f} {end['VmHWM'] / start['VmHWM']:8.2f}")


def _workers(master: int) -> list[int]:
    """The gunicorn master's child processes (its workers)."""
    with open(f"/proc/{master}/task/{master}/children") as children:
        return [int(pid) for pid in children.read().split()]



def _get(path: str, cookie_name: str, cookie: str | None) -> tuple[int, float]:
    request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
    if cookie:
        request.add_header("Cookie", f"{cookie_name}={cookie}")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, (time.perf_counter() - start) * 1000


def _wait_for(url: str) -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("gunicorn did not answer /health within a minute")


if __name__ == "__main__":
    main()
