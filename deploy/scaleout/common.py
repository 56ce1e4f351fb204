"""What both drills share: finding the tools, starting processes that can be killed whole, waiting
for a port, running a command as the ``postgres`` OS user when we are root, and the PASS/FAIL table.

Plain standard library: the drills run with the repository's virtualenv but start the app only as
separate processes (gunicorn, ``permanence jobs ...``), the way systemd would.
"""

from __future__ import annotations

import os
from pathlib import Path
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time

REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
PG_BIN_DIRS = ("/usr/lib/postgresql/15/bin", "/usr/local/bin", "/usr/bin")


def find_tool(name: str, dirs=("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin")) -> str | None:
    """The tool's path, from PATH or the usual Debian folders (nginx and pgbouncer live in /usr/sbin,
    which a non-root PATH may lack)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in dirs:
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def pg_tool(name: str) -> str | None:
    """A PostgreSQL 15 program (initdb, pg_ctl, pg_basebackup, postgres)."""
    return find_tool(name, PG_BIN_DIRS)


def is_root() -> bool:
    return os.geteuid() == 0


def as_postgres(argv: list[str]) -> list[str]:
    """``argv`` run as the ``postgres`` OS user when we are root (initdb and pgbouncer refuse root)."""
    if is_root():
        return ["runuser", "-u", "postgres", "--", *argv]
    return argv


def give_to_postgres(path: Path) -> None:
    """Make ``path`` the postgres user's (when we are root), so the programs run as it can write."""
    if is_root():
        entry = pwd.getpwnam("postgres")
        os.chown(path, entry.pw_uid, entry.pw_gid)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def wait_for_port(port: int, what: str, seconds: float = 60, process: "Proc | None" = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if port_open(port):
            return
        if process is not None and process.popen.poll() is not None:
            raise RuntimeError(f"{what} exited with code {process.popen.returncode}; see {process.log}")
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {seconds:.0f} s")


class Proc:
    """A started process in a session of its own, so a kill reaches its children too (gunicorn's
    workers, RQ's work horse), as the loss of a host or a unit's cgroup would."""

    def __init__(self, name: str, argv: list[str], log: Path, env: dict | None = None, cwd: Path = REPO):
        self.name = name
        self.log = log
        self.handle = open(log, "ab")
        self.popen = subprocess.Popen(argv, stdout=self.handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      env=env, cwd=cwd, start_new_session=True)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Signal the whole process group (the process and everything it forked)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def descendants(self) -> list[int]:
        """Every process forked from this one, at any depth, including those that left its process
        group (RQ's work horse calls setpgrp), read from /proc."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                except (OSError, IndexError, ValueError):
                    continue
                children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.popen.pid]
        while todo:
            for child in children.get(todo.pop(), []):
                found.append(child)
                todo.append(child)
        return found

    def kill_tree(self) -> list[int]:
        """SIGKILL this process and everything it forked, as the loss of its host or an OOM kill of
        its whole unit would; returns the pids killed."""
        pids = [self.popen.pid, *self.descendants()]
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.kill()
        return pids

    def stop(self, grace: float = 10) -> None:
        if self.alive():
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(grace)
            except subprocess.TimeoutExpired:
                pass
        self.kill(signal.SIGKILL)  # stragglers of the group, even when the leader has gone
        try:
            self.popen.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.handle.close()


class Table:
    """The drill's verdicts, printed as a table at the end."""

    def __init__(self, title: str):
        self.title = title
        self.rows: list[tuple[str, bool | None, str]] = []

    def add(self, check: str, passed: bool | None, detail: str) -> bool | None:
        """A check, or with ``passed`` None a fact shown for what it is (INFO), never a verdict."""
        self.rows.append((check, passed, detail))
        print(f"  {self._word(passed)}  {check}: {detail}", flush=True)
        return passed

    @staticmethod
    def _word(passed: bool | None) -> str:
        return "INFO" if passed is None else "PASS" if passed else "FAIL"

    @property
    def checks(self) -> list[bool]:
        return [ok for _, ok, _ in self.rows if ok is not None]

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(self.checks)

    def print(self) -> None:
        width = max(len(check) for check, _, _ in self.rows) if self.rows else 10
        print(f"\n{self.title}")
        print(f"{'check'.ljust(width)}  result  detail")
        print(f"{'-' * width}  ------  ------")
        for check, ok, detail in self.rows:
            print(f"{check.ljust(width)}  {self._word(ok):6}  {detail}")
        print(f"\n{'PASS' if self.passed else 'FAIL'}: {sum(self.checks)} of {len(self.checks)} checks passed",
              flush=True)


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def python() -> str:
    return sys.executable
