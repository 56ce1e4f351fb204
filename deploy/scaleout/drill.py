"""Scale-out drill: two web instances behind nginx, pgbouncer in front of PostgreSQL, two RQ workers
and two schedulers, on loopback, and what must hold when one of each dies.

It installs nothing (nginx, pgbouncer, redis-server and PostgreSQL must be there: `make install`
puts nginx and pgbouncer on a Debian host). It creates a scratch database (``scale_drill_<pid>``) on
the PostgreSQL at ``--pg`` (default 127.0.0.1:5432 as ``postgres``), migrates it and loads the demo
directly, then starts, with the configuration it writes to a temporary folder:

- redis-server on 127.0.0.1:18094 (its own, so nothing else's queues are touched);
- pgbouncer on 127.0.0.1:18093 in transaction pooling, in front of the scratch database; the app
  reaches PostgreSQL only through it, with ``DATABASE_PREPARE_THRESHOLD=none`` (pgbouncer 1.18
  cannot carry psycopg's server-side prepared statements across transactions);
- gunicorn A on 127.0.0.1:18091 and B on 127.0.0.1:18092 (deploy/gunicorn.conf.py, the same
  ``SECRET_KEY`` and ``REDIS_URL``, each its own instance folder);
- nginx on 127.0.0.1:18090 with an upstream over A and B and the ``location /`` block of
  deploy/nginx/permanence.conf, word for word;
- two workers (``permanence jobs worker``, every queue) and two schedulers
  (``permanence jobs scheduler``, the second on purpose).

Then the drills, each a row of the PASS/FAIL table printed at the end:

1. a session made by signing in on A is good on B;
2. a paper uploaded through A downloads through B, byte for byte;
3. each periodic job due is started once although two schedulers tick together, and each
   council's part of each run is done once;
4. a steady stream of requests through nginx while web instance A is killed with SIGKILL
   (its master and workers): every GET answers 2xx; the POSTs are counted and shown as they are;
5. jobs queued while worker 1 is killed with SIGKILL (with its work horse, mid-job): every job
   completes exactly once, the one it was running after RQ's abandoned-job clean-up.

Everything is stopped and the scratch database dropped at the end (``--keep`` keeps the folder).
Exit code 0 only if every check passed. Run: ``deploy/scaleout/drill``.
"""

from __future__ import annotations

import argparse
from collections import Counter
import concurrent.futures
import os
from pathlib import Path
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
from redis import Redis
import requests
from rq import Worker
from rq.job import Job

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (HERE, REPO, Proc, Table, as_postgres, find_tool, give_to_postgres, port_open,  # noqa: E402
                    python, say, wait_for_port)
from drill_jobs import TABLE  # noqa: E402

REDIS_PORT, PGBOUNCER_PORT, WEB_A, WEB_B, NGINX_PORT = 18094, 18093, 18091, 18092, 18090
COUNCIL = "knowsley"
USER = f"panel.administrator@{COUNCIL}.example.org"
PASSWORD = "demo-password-2027"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def site_location_block() -> str:
    """The ``location / { ... }`` block of deploy/nginx/permanence.conf, so the drill proxies as
    production does (timeouts, buffering, retries to the next upstream)."""
    text = (REPO / "deploy" / "nginx" / "permanence.conf").read_text()
    start = text.index("    location / {\n        proxy_pass")
    end = text.index("\n    }\n", start) + len("\n    }\n")
    return text[start:end]


def nginx_conf(work: Path) -> str:
    user = "user nobody nogroup;\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 2;
pid {work}/nginx/nginx.pid;
error_log {work}/nginx/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {work}/nginx/access.log;
    client_body_temp_path {work}/nginx/tmp/body;
    proxy_temp_path {work}/nginx/tmp/proxy;
    fastcgi_temp_path {work}/nginx/tmp/fastcgi;
    uwsgi_temp_path {work}/nginx/tmp/uwsgi;
    scgi_temp_path {work}/nginx/tmp/scgi;
    client_max_body_size 21m;
    upstream permanence_web {{
        server 127.0.0.1:{WEB_A};
        server 127.0.0.1:{WEB_B};
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{NGINX_PORT};
        server_name localhost;
{site_location_block()}    }}
}}
"""


class Stack:
    """The processes of the drill, started and stopped together."""

    def __init__(self, work: Path, admin_dsn: str):
        self.work = work
        self.admin_dsn = admin_dsn
        self.dbname = f"scale_drill_{os.getpid()}"
        self.procs: dict[str, Proc] = {}
        self.db_created = False
        conninfo = psycopg.conninfo.conninfo_to_dict(admin_dsn)
        self.pg_host, self.pg_port = conninfo.get("host", "127.0.0.1"), int(conninfo.get("port", 5432))
        self.pg_user = conninfo.get("user", "postgres")
        self.direct_url = f"postgresql+psycopg://{self.pg_user}@{self.pg_host}:{self.pg_port}/{self.dbname}"
        self.pooled_url = f"postgresql+psycopg://{self.pg_user}@127.0.0.1:{PGBOUNCER_PORT}/{self.dbname}"
        self.secret = secrets.token_urlsafe(48)

    # -- environment ---------------------------------------------------------------------------

    def env(self, database_url: str | None = None, **extra) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "TEST_"))}
        env.update({
            "PYTHONPATH": f"{REPO / 'platform'}{os.pathsep}{HERE}",
            "DATABASE_URL": database_url or self.pooled_url,
            "DATABASE_PREPARE_THRESHOLD": "none",
            "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
            "SECRET_KEY": self.secret,
            "BASE_URL": f"http://127.0.0.1:{NGINX_PORT}",
            "SESSION_COOKIE_SECURE": "false",
            "PROXY_COUNT": "1",
            "SCHEDULE_IN_PROCESS": "false",
            "INSTANCE_PATH": str(self.work / "instance"),
        })
        env.update(extra)
        return env

    def sql(self, query: str, params=(), *, admin: bool = False):
        dsn = self.admin_dsn if admin else f"{self.admin_dsn} dbname={self.dbname}"
        with psycopg.connect(dsn, autocommit=True) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else []

    def start(self, name: str, argv: list[str], env: dict | None = None) -> Proc:
        proc = Proc(name, argv, self.work / "logs" / f"{name}.log", env=env)
        self.procs[name] = proc
        return proc

    # -- set-up ----------------------------------------------------------------------------------

    def up(self) -> None:
        (self.work / "logs").mkdir()
        say(f"redis-server on 127.0.0.1:{REDIS_PORT}")
        (self.work / "redis").mkdir()
        redis = self.start("redis", [find_tool("redis-server"), "--port", str(REDIS_PORT), "--bind", "127.0.0.1",
                                     "--save", "", "--appendonly", "no", "--dir", str(self.work / "redis")])
        wait_for_port(REDIS_PORT, "redis-server", 20, redis)

        say(f"scratch database {self.dbname}: migrate and load the demo (directly, as the owner would)")
        self.sql(f'CREATE DATABASE "{self.dbname}"', admin=True)
        self.db_created = True
        direct = self.env(self.direct_url)
        for argv in (["db", "upgrade"], ["demo", "load"]):
            done = subprocess.run([python(), "-m", "permanence", *argv], env=direct, cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            (self.work / "logs" / f"{'-'.join(argv)}.log").write_text(done.stdout)
            if done.returncode:
                raise RuntimeError(f"permanence {' '.join(argv)} failed:\n{done.stdout[-2000:]}")
        self.sql(f"CREATE TABLE {TABLE} (n integer NOT NULL, pid integer NOT NULL, at timestamptz DEFAULT now())")
        self.sql(f"GRANT SELECT, INSERT ON {TABLE} TO permanence_app")

        say(f"pgbouncer on 127.0.0.1:{PGBOUNCER_PORT} (transaction pooling)")
        bouncer = self.work / "pgbouncer"
        bouncer.mkdir()
        (bouncer / "userlist.txt").write_text(f'"{self.pg_user}" ""\n')
        (bouncer / "pgbouncer.ini").write_text(f"""[databases]
{self.dbname} = host={self.pg_host} port={self.pg_port} dbname={self.dbname}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {PGBOUNCER_PORT}
unix_socket_dir =
auth_type = trust
auth_file = {bouncer}/userlist.txt
admin_users = {self.pg_user}
pool_mode = transaction
default_pool_size = 20
max_client_conn = 400
server_reset_query =
ignore_startup_parameters = extra_float_digits,options
pidfile = {bouncer}/pgbouncer.pid
logfile = {bouncer}/pgbouncer.log
""")
        give_to_postgres(bouncer)
        proc = self.start("pgbouncer", as_postgres([find_tool("pgbouncer"), str(bouncer / "pgbouncer.ini")]))
        wait_for_port(PGBOUNCER_PORT, "pgbouncer", 20, proc)

        for name, port in (("web-a", WEB_A), ("web-b", WEB_B)):
            say(f"gunicorn {name} on 127.0.0.1:{port}")
            self.start(name, [python(), "-m", "gunicorn", "-c", str(REPO / "deploy" / "gunicorn.conf.py"),
                              "permanence.wsgi:app"],
                       self.env(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2", GUNICORN_THREADS="4",
                                INSTANCE_PATH=str(self.work / f"instance-{name}")))
        for name in ("worker-1", "worker-2"):
            say(f"RQ {name} (every queue)")
            self.start(name, [python(), "-m", "permanence", "jobs", "worker"], self.env())

        say(f"nginx on 127.0.0.1:{NGINX_PORT}, upstream A and B")
        (self.work / "nginx" / "tmp").mkdir(parents=True)
        (self.work / "nginx" / "tmp").chmod(0o777)
        conf = self.work / "nginx" / "nginx.conf"
        conf.write_text(nginx_conf(self.work))
        nginx = self.start("nginx", [find_tool("nginx"), "-p", str(self.work / "nginx"), "-c", str(conf),
                                     "-g", "daemon off;"])
        wait_for_port(NGINX_PORT, "nginx", 20, nginx)
        for name, port in (("web-a", WEB_A), ("web-b", WEB_B)):
            wait_for_port(port, f"gunicorn {name}", 90, self.procs[name])
            self.wait_healthy(f"http://127.0.0.1:{port}")

    def wait_healthy(self, base: str, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/health", timeout=5).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"{base}/health did not answer 200 within {seconds:.0f} s")

    def down(self) -> None:
        for proc in reversed(list(self.procs.values())):
            proc.stop()
        if self.db_created:
            try:
                self.sql(f'DROP DATABASE IF EXISTS "{self.dbname}" WITH (FORCE)', admin=True)
            except Exception as exc:  # noqa: BLE001 - said, then left for the operator
                say(f"could not drop {self.dbname}: {exc}")


# -- the drills ------------------------------------------------------------------------------------


def sign_in(base: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/sign-in", timeout=10)
    token = CSRF.search(page.text).group(1)
    answer = session.post(f"{base}/sign-in", data={"email": USER, "password": PASSWORD, "csrf_token": token},
                          allow_redirects=False, timeout=10)
    if answer.status_code != 302 or "sign-in" in answer.headers.get("Location", ""):
        raise RuntimeError(f"sign-in on {base} answered {answer.status_code} {answer.headers.get('Location')}")
    return session


def drill_session(stack: Stack, table: Table) -> requests.Session:
    a, b = f"http://127.0.0.1:{WEB_A}", f"http://127.0.0.1:{WEB_B}"
    on_a = sign_in(a)
    name = stack.sql('SELECT name FROM "user" WHERE email = %s', (USER,))[0][0]
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)
    home = on_b.get(f"{b}/{COUNCIL}/", allow_redirects=False, timeout=10)
    table.add("session made on A is good on B", home.status_code == 200 and name in home.text,
              f"signed in on A (:{WEB_A}); GET /{COUNCIL}/ on B (:{WEB_B}) with A's cookie: {home.status_code}, "
              f"{'names' if name in home.text else 'does not name'} the user")
    return on_a


def drill_upload(stack: Stack, table: Table, on_a: requests.Session) -> None:
    a, b = f"http://127.0.0.1:{WEB_A}", f"http://127.0.0.1:{WEB_B}"
    child_id = stack.sql("SELECT c.id FROM child c JOIN tenant t ON t.id = c.tenant_id WHERE t.slug = %s "
                         "ORDER BY c.id LIMIT 1", (COUNCIL,))[0][0]
    url = f"{a}/{COUNCIL}/papers/upload?subject_type=child&subject_id={child_id}"
    token = CSRF.search(on_a.get(url, timeout=10).text).group(1)
    content = ("Scale-out drill paper (fictional).\n" + secrets.token_hex(2048) + "\n").encode()
    filename = f"drill-{secrets.token_hex(4)}.txt"
    posted = on_a.post(url, data={"csrf_token": token, "paperwork_id": "other", "title": "Scale-out drill"},
                       files={"file": (filename, content, "text/plain")}, allow_redirects=False, timeout=30)
    on_b = requests.Session()
    on_b.cookies.update(on_a.cookies)
    page = on_b.get(f"{b}/{COUNCIL}/children/{child_id}", timeout=10).text
    links = re.findall(rf'href="(/{COUNCIL}/papers/[A-Za-z0-9_\-]+)"[^>]*>[^<]*{re.escape(filename)}', page)
    if not links:  # the link text may be the title: take the link next to the file name
        at = page.find(filename)
        links = re.findall(rf'href="(/{COUNCIL}/papers/(?!upload)[A-Za-z0-9_\-]+)"', page[max(0, at - 2000):at + 2000])
    got = on_b.get(f"{b}{links[0]}", timeout=10) if links else None
    same = got is not None and got.status_code == 200 and got.content == content
    table.add("paper uploaded through A downloads through B", posted.status_code == 302 and same,
              f"POST upload on A: {posted.status_code}; GET on B: {got.status_code if got is not None else 'no link'}, "
              f"{len(got.content) if got is not None else 0} bytes, {'equal' if same else 'NOT equal'} to the "
              f"{len(content)} sent")


def drill_schedulers(stack: Stack, table: Table, started_at: float) -> None:
    deadline = time.monotonic() + 240
    runs = []
    while time.monotonic() < deadline:
        runs = stack.sql("SELECT id, name, due_at, claimed_by, councils, done, failed, finished_at FROM scheduled_runs "
                         "WHERE claimed_by LIKE %s ORDER BY id", ("scheduler on %",))
        if runs and all(run[7] is not None for run in runs) and time.monotonic() - started_at > 35:
            break  # every run started by the schedulers has finished, after at least one tick each
        time.sleep(1)
    per_slot = Counter((run[1], run[2]) for run in runs)
    parts = dict(stack.sql(
        "SELECT (spec::jsonb -> 'args' ->> 0)::int, count(*) FROM job_outbox "
        "WHERE func = 'permanence.core.schedule:run_part_job' GROUP BY 1"))
    schedulers = Counter(run[3] for run in runs)
    once = [run for run in runs if per_slot[(run[1], run[2])] == 1 and parts.get(run[0]) == run[4]
            and run[5] + run[6] == run[4] and run[7] is not None]
    failed = sum(run[6] for run in runs)
    both = all(stack.procs[name].alive() for name in ("scheduler-1", "scheduler-2"))
    ticked = time.monotonic() - started_at
    table.add("two schedulers: each job started once per slot, each part run once",
              bool(runs) and len(once) == len(runs) and both,
              f"both schedulers {'up' if both else 'NOT both up'} for {ticked:.0f} s (a tick at start, then every "
              f"30 s); {len(runs)} runs of {len(set(r[1] for r in runs))} jobs, one row per job and slot; claimed by "
              + ", ".join(f"scheduler pid {who.split(':')[-1]} x{count}" for who, count in schedulers.items())
              + f"; parts queued = councils and done + failed = councils for {len(once)} of {len(runs)}"
              + (f" ({failed} parts failed, each once)" if failed else ""))


def drill_web_kill(stack: Stack, table: Table, on_a: requests.Session, total: int, threads: int) -> None:
    base = f"http://127.0.0.1:{NGINX_PORT}"
    form = CSRF.search(on_a.get(f"http://127.0.0.1:{WEB_A}/{COUNCIL}/account/notices", timeout=10).text)
    token = form.group(1) if form else ""
    cookies = on_a.cookies.get_dict()  # after the page above, which may have added the form's token
    results: list[tuple[str, int | str, float]] = []
    lock = threading.Lock()
    count = iter(range(total))
    killed_at = threading.Event()

    def client():
        session = requests.Session()
        session.cookies.update(cookies)
        for n in count:
            if n == total // 4 and not killed_at.is_set():
                killed_at.set()
                stack.procs["web-a"].kill_tree()  # SIGKILL to gunicorn A's master and workers
            method = "POST" if n % 10 == 9 else "GET"
            started = time.monotonic()
            try:
                if method == "GET":
                    answer = session.get(f"{base}/{COUNCIL}/", allow_redirects=False, timeout=30)
                else:  # a form post that changes nothing: signing in again while signed in (302 home)
                    answer = session.post(f"{base}/sign-in", data={"csrf_token": token}, allow_redirects=False,
                                          timeout=30)
                status = answer.status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                results.append((method, status, time.monotonic() - started))

    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(client) for _ in range(threads)]:
            future.result()
    gets = [status for method, status, _ in results if method == "GET"]
    posts = [status for method, status, _ in results if method == "POST"]
    good = lambda status: isinstance(status, int) and 200 <= status < 400  # noqa: E731
    a_dead = not stack.procs["web-a"].alive() and not port_open(WEB_A)
    table.add(f"kill -9 web A during {total} requests through nginx ({threads} clients)",
              a_dead and len(results) == total and all(s == 200 for s in gets),
              f"A {'dead' if a_dead else 'STILL UP'} after request {total // 4}; GETs: {len(gets)}, "
              f"{dict(Counter(gets))}; slowest {max(t for _, _, t in results):.2f} s")
    table.add("  the POSTs in that stream, as they came back", None,
              f"{len(posts)} POSTs: {dict(Counter(posts))}, {sum(map(good, posts))} answered 2xx/3xx (nginx passes "
              "a POST to B only if A never got it; one A had received when it was killed answers 502, never "
              "sent twice)")


def drill_worker_kill(stack: Stack, table: Table, jobs: int, seconds: float) -> None:
    enqueue = (
        "import drill_jobs\n"
        "from permanence.app import create_app\n"
        "from permanence.core.jobs import commit, enqueue\n"
        "app = create_app()\n"
        "with app.app_context():\n"
        f"    for n in range({jobs}):\n"
        f"        enqueue(drill_jobs.write_row, n, {seconds}, tenant_id=None)\n"
        "    commit()\n")
    done = subprocess.run([python(), "-c", enqueue], env=stack.env(), cwd=REPO, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    if done.returncode:
        table.add(f"kill -9 worker 1 with {jobs} jobs queued", False, f"enqueue failed: {done.stdout[-800:]}")
        return
    redis = Redis(port=REDIS_PORT)
    worker_pid = stack.procs["worker-1"].pid
    started, holding = time.monotonic(), None
    while time.monotonic() - started < 60:
        if stack.sql(f"SELECT count(*) FROM {TABLE}")[0][0] >= jobs // 5:
            mine = [w for w in Worker.all(connection=redis) if w.pid == worker_pid]
            holding = mine[0].get_current_job_id() if mine else None
            if holding:
                break  # worker 1 is in the middle of a job: kill it now
        time.sleep(0.05)
    before = stack.sql(f"SELECT count(*) FROM {TABLE}")[0][0]
    pids = stack.procs["worker-1"].kill_tree()  # SIGKILL to the worker and its work horse, mid-job
    killed = time.monotonic()
    held = None
    if holding:
        job = Job.fetch(holding, connection=redis)
        held = job.args[0]["args"][0] if job.args else None
    say(f"worker 1 killed ({len(pids)} processes) after {before} of {jobs} jobs, while running job {held}; "
        "waiting for RQ's clean-up "
        "to retry it")
    recovered = None
    rows = []
    while time.monotonic() - killed < 300:
        rows = stack.sql(f"SELECT n, count(*) FROM {TABLE} GROUP BY n")
        if recovered is None and held is not None and any(n == held for n, _ in rows):
            recovered = time.monotonic() - killed
        if len(rows) == jobs:
            break
        time.sleep(1)
    last = time.monotonic() - killed
    time.sleep(3)  # a straggler that ran twice would show now
    rows = dict(stack.sql(f"SELECT n, count(*) FROM {TABLE} GROUP BY n"))
    twice = sorted(n for n, c in rows.items() if c > 1)
    missing = sorted(set(range(jobs)) - set(rows))
    table.add(f"kill -9 worker 1 (and its work horse) with {jobs} jobs queued",
              held is not None and not missing and not twice and not stack.procs["worker-1"].alive(),
              f"killed after {before} done, mid-job (job {held}, retried and done {recovered or 0:.0f} s later); "
              f"all {len(rows)} of {jobs} done {last:.0f} s after the kill; "
              f"ran twice: {twice or 'none'}; lost: {missing or 'none'}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg", default="host=127.0.0.1 port=5432 user=postgres dbname=postgres",
                        help="libpq connection string of a PostgreSQL superuser (a scratch database is made)")
    parser.add_argument("--requests", type=int, default=200, help="requests through nginx in the web drill")
    parser.add_argument("--clients", type=int, default=4, help="concurrent clients in the web drill")
    parser.add_argument("--jobs", type=int, default=50, help="jobs queued in the worker drill")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (configs, logs)")
    args = parser.parse_args(argv)

    missing = [tool for tool in ("nginx", "pgbouncer", "redis-server") if find_tool(tool) is None]
    if missing:
        print(f"FAIL: not installed: {', '.join(missing)} (make install, or apt-get install nginx-light "
              "pgbouncer redis-server)", file=sys.stderr)
        return 2
    busy = [port for port in (REDIS_PORT, PGBOUNCER_PORT, WEB_A, WEB_B, NGINX_PORT) if port_open(port)]
    if busy:
        print(f"FAIL: ports already in use on 127.0.0.1: {busy} (another drill running?)", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="permanence-scaleout-"))
    work.chmod(0o755)
    say(f"working in {work}")
    table = Table("Scale-out drill")
    stack = Stack(work, args.pg)
    started = time.monotonic()
    try:
        stack.up()
        say("two schedulers, started together")
        schedulers_started = time.monotonic()
        for name in ("scheduler-1", "scheduler-2"):
            stack.start(name, [python(), "-m", "permanence", "jobs", "scheduler"], stack.env())
        say("drill: session across instances")
        on_a = drill_session(stack, table)
        say("drill: upload through A, download through B")
        drill_upload(stack, table, on_a)
        say("drill: the schedulers' runs (waiting for every part to finish)")
        drill_schedulers(stack, table, schedulers_started)
        say("drill: kill -9 web A under load")
        drill_web_kill(stack, table, on_a, args.requests, args.clients)
        say("drill: kill -9 worker 1 with jobs queued")
        drill_worker_kill(stack, table, args.jobs, 0.5)
    except Exception as exc:  # noqa: BLE001 - the table says it, the logs say more
        table.add("drill ran to the end", False, f"{type(exc).__name__}: {str(exc)[-800:]}")
        print(f"logs: {work / 'logs'}", flush=True)
    finally:
        say("stopping everything")
        stack.down()
        if not args.keep and table.passed:
            shutil.rmtree(work, ignore_errors=True)
        elif not table.passed:
            say(f"kept {work} for its logs")
    table.print()
    print(f"drill took {time.monotonic() - started:.0f} s")
    return 0 if table.passed else 1


if __name__ == "__main__":
    sys.exit(main())
