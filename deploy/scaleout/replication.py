"""Replication drill: a synchronous standby is promoted after the primary dies, and no write the
client saw committed is lost.

On loopback, in a folder of its own: initdb a primary (port 18432) set for synchronous
replication (``synchronous_standby_names``: a commit returns only once the standby has the WAL),
``pg_basebackup -R`` a standby from it (port 18433), run the app's migrations on the primary,
then write rows continuously from several connections (plain SQL into ``job_outbox``, a table of
the app's schema; each row marked as the drill's and already dispatched, so no relay would take
it), stop the primary in immediate mode (no shutdown checkpoint, as a crash) in the middle of the
writing, promote the standby, and check that every row whose COMMIT returned is on it. Prints a
PASS/FAIL table; exits 0 only if every check passed.

With ``--async`` the standby is asynchronous: the same drill then shows what a crash can lose
(often nothing on loopback, where the standby keeps up; the table says how many).

Run: ``deploy/scaleout/replication-drill`` (as root it runs PostgreSQL as the ``postgres`` OS user).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import psycopg
from psycopg.types.json import Json

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import REPO, Table, as_postgres, give_to_postgres, is_root, pg_tool, python, say  # noqa: E402

PRIMARY_PORT = 18432
STANDBY_PORT = 18433
STANDBY_NAME = "standby1"
MARK = "replication-drill"


def dsn(port: int, dbname: str = "postgres") -> str:
    return f"host=127.0.0.1 port={port} user=postgres dbname={dbname} connect_timeout=5"


def run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(argv, check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)


class Cluster:
    def __init__(self, folder: Path, port: int):
        self.folder, self.port = folder, port
        self.log = folder.parent / f"{folder.name}.log"

    def ctl(self, *args: str) -> subprocess.CompletedProcess:
        return run(as_postgres([pg_tool("pg_ctl"), "-D", str(self.folder), *args]))

    def start(self) -> None:
        self.ctl("-l", str(self.log), "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        if (self.folder / "postmaster.pid").exists():
            try:
                self.ctl("-m", mode, "-w", "-t", "30", "stop")
            except subprocess.CalledProcessError:
                pass

    def query(self, sql: str, dbname: str = "postgres", params=()):
        with psycopg.connect(dsn(self.port, dbname), autocommit=True) as conn:
            cursor = conn.execute(sql, params)
            return cursor.fetchall() if cursor.description else []


def settings(port: int, folder: Path, synchronous: bool) -> str:
    lines = [
        f"port = {port}",
        "listen_addresses = '127.0.0.1'",
        f"unix_socket_directories = '{folder}'",
        "wal_level = replica",
        "max_wal_senders = 5",
        "max_replication_slots = 5",
        "hot_standby = on",
        "shared_buffers = 32MB",
        "synchronous_commit = on",
    ]
    if synchronous:
        lines.append(f"synchronous_standby_names = 'FIRST 1 ({STANDBY_NAME})'")
    return "\n".join(lines) + "\n"


class Writer:
    """Threads inserting one row per transaction; a row counts as committed only once COMMIT
    returned to the client, which is what a user of the app would have been told."""

    def __init__(self, threads: int):
        self.committed: set[int] = set()
        self.attempted = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._loop, args=(n,), daemon=True) for n in range(threads)]

    def start(self):
        for thread in self.threads:
            thread.start()

    def _loop(self, n: int):
        seq = 0
        try:
            with psycopg.connect(dsn(PRIMARY_PORT, "permanence"), autocommit=True) as conn:
                while not self.stop.is_set():
                    seq += 1
                    with self.lock:
                        self.attempted += 1
                    row = conn.execute(
                        "INSERT INTO job_outbox (func, queue, spec, created_at, attempts, dispatched_at) "
                        "VALUES (%s, 'default', %s, now(), 0, now()) RETURNING id",
                        (MARK, Json({"writer": n, "seq": seq}))).fetchone()
                    with self.lock:
                        self.committed.add(row[0])
        except Exception as exc:  # the primary went away: expected once it is stopped
            with self.lock:
                self.errors.append(type(exc).__name__)

    def join(self, seconds: float = 30):
        self.stop.set()
        for thread in self.threads:
            thread.join(seconds)


def drill(work: Path, synchronous: bool, write_seconds: float, threads: int) -> Table:
    table = Table(f"Replication drill ({'synchronous' if synchronous else 'asynchronous'} standby)")
    primary, standby = Cluster(work / "primary", PRIMARY_PORT), Cluster(work / "standby", STANDBY_PORT)
    try:
        say(f"initdb the primary in {primary.folder}")
        run(as_postgres([pg_tool("initdb"), "-D", str(primary.folder), "-U", "postgres", "--auth=trust",
                         "--encoding=UTF8", "--locale=C.UTF-8"]))
        with open(primary.folder / "postgresql.auto.conf", "a") as conf:
            conf.write(settings(PRIMARY_PORT, work, synchronous))
        primary.start()

        say("pg_basebackup -R the standby from the primary")
        run(as_postgres([pg_tool("pg_basebackup"), "-h", "127.0.0.1", "-p", str(PRIMARY_PORT), "-U", "postgres",
                         "-D", str(standby.folder), "-R", "-X", "stream", "-C", "-S", "standby1_slot"]))
        with open(standby.folder / "postgresql.auto.conf", "a") as conf:
            conf.write(settings(STANDBY_PORT, work, synchronous=False))
            conf.write(f"primary_conninfo = 'host=127.0.0.1 port={PRIMARY_PORT} user=postgres "
                       f"application_name={STANDBY_NAME}'\n")
        standby.start()

        deadline = time.monotonic() + 30
        state = []
        expected = "sync" if synchronous else "async"
        while time.monotonic() < deadline:
            state = primary.query("SELECT application_name, state, sync_state FROM pg_stat_replication")
            if state and state[0][1:] == ("streaming", expected):
                break
            time.sleep(0.2)
        table.add("standby streams from the primary", bool(state) and state[0][1:] == ("streaming", expected),
                  f"pg_stat_replication: {state[0] if state else 'no standby'}"
                  + (f"; synchronous_standby_names = 'FIRST 1 ({STANDBY_NAME})'" if synchronous else ""))

        say("create the database and run the app's migrations on the primary")
        primary.query("CREATE DATABASE permanence")
        env = {**os.environ, "PYTHONPATH": str(REPO / "platform"), "SECRET_KEY": "replication-drill",
               "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:{PRIMARY_PORT}/permanence"}
        env.pop("REDIS_URL", None)
        migrated = subprocess.run([python(), "-m", "permanence", "db", "upgrade"], env=env, cwd=REPO,
                                  stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        head = primary.query("SELECT version_num FROM alembic_version", "permanence") if migrated.returncode == 0 else []
        table.add("the app's migrations ran on the primary", migrated.returncode == 0 and bool(head),
                  f"alembic head {head[0][0] if head else '-'}" if migrated.returncode == 0
                  else migrated.stdout[-500:])
        if migrated.returncode != 0:
            return table

        say(f"write rows from {threads} connections for {write_seconds:.0f} s, then stop the primary (immediate)")
        writer = Writer(threads)
        writer.start()
        time.sleep(write_seconds)
        before = len(writer.committed)
        primary.stop("immediate")
        writer.join()
        table.add("primary stopped in immediate mode while writes were committing",
                  before > 0 and len(writer.committed) >= before and not writer.threads[0].is_alive(),
                  f"{len(writer.committed)} commits acknowledged to the client, "
                  f"{writer.attempted - len(writer.committed)} in flight at the stop "
                  f"({', '.join(sorted(set(writer.errors))) or 'no error'})")

        say("promote the standby")
        started = time.monotonic()
        standby.ctl("-w", "-t", "60", "promote")
        in_recovery = standby.query("SELECT pg_is_in_recovery()")[0][0]
        table.add("standby promoted", not in_recovery,
                  f"pg_ctl promote; pg_is_in_recovery() = {in_recovery} after {time.monotonic() - started:.1f} s")

        present = {row[0] for row in standby.query("SELECT id FROM job_outbox WHERE func = %s", "permanence", (MARK,))}
        missing = writer.committed - present
        extra = present - writer.committed
        table.add("every acknowledged commit is on the promoted standby", not missing,
                  f"{len(writer.committed)} acknowledged, {len(present)} on the standby, {len(missing)} lost"
                  + (f", {len(extra)} committed on the primary but unacknowledged when it died" if extra else ""))

        # The standby inherited the primary's synchronous_standby_names (pg_basebackup copies the
        # configuration): with no standby of its own every commit would wait for ever. Until a new
        # standby is attached, the runbook clears it (deploy/README.md, "Replication").
        standby.query("ALTER SYSTEM SET synchronous_standby_names = ''")
        standby.query("SELECT pg_reload_conf()")
        new_id = standby.query("INSERT INTO job_outbox (func, queue, spec, created_at, attempts, dispatched_at) "
                               "VALUES (%s, 'default', '{}', now(), 0, now()) RETURNING id", "permanence", (MARK,))
        table.add("the promoted standby takes writes", bool(new_id),
                  f"row {new_id[0][0]} inserted after clearing synchronous_standby_names")
    except Exception as exc:
        table.add("drill ran to the end", False, f"{type(exc).__name__}: {str(exc)[-500:]}")
        if isinstance(exc, subprocess.CalledProcessError):
            print(exc.stdout, flush=True)
    finally:
        standby.stop("immediate")
        primary.stop("immediate")
    return table


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--async", dest="synchronous", action="store_false",
                        help="an asynchronous standby instead (shows what a crash can lose)")
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to write before the stop")
    parser.add_argument("--threads", type=int, default=4, help="writing connections")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs, data)")
    args = parser.parse_args(argv)
    for tool in ("initdb", "pg_ctl", "pg_basebackup"):
        if pg_tool(tool) is None:
            print(f"FAIL: {tool} (PostgreSQL 15) not found in /usr/lib/postgresql/15/bin or PATH", file=sys.stderr)
            return 2
    work = Path(tempfile.mkdtemp(prefix="permanence-replication-"))
    work.chmod(0o755)
    give_to_postgres(work)
    say(f"working in {work}{' (as the postgres OS user)' if is_root() else ''}")
    try:
        table = drill(work, args.synchronous, args.seconds, args.threads)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    table.print()
    return 0 if table.passed else 1


if __name__ == "__main__":
    sys.exit(main())
