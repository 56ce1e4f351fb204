"""The web workers' own limits (deploy/gunicorn.conf.py): a runaway request or a worker past its memory
ceiling is killed, a grown worker is recycled after its requests, and the units cap each service."""

from __future__ import annotations

import configparser
import runpy
import signal
import threading
from pathlib import Path
from types import SimpleNamespace

DEPLOY = Path(__file__).resolve().parents[1] / "deploy"


class _Log:
    def __init__(self):
        self.lines = []

    def _say(self, message, *args):
        self.lines.append(message % args)

    debug = info = error = _say


def _config(monkeypatch, rss):
    """The config's names (run_path returns a copy of its globals: patch the functions' own)."""
    conf = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    killed = []
    monkeypatch.setitem(conf["_kill"].__globals__, "_rss_mb", lambda: rss[0])
    monkeypatch.setattr(conf["os"], "kill", lambda pid, sig: killed.append(sig))
    return conf, killed


def test_a_worker_is_recycled_after_its_requests_once_it_has_grown(monkeypatch):
    rss = [100]
    conf, killed = _config(monkeypatch, rss)
    worker = SimpleNamespace(pid=1, alive=True, log=_Log())
    request = SimpleNamespace(method="POST", path="/admin/tenants/1/terms-of-reference")
    conf["pre_request"](worker, request)
    assert conf["_started"][threading.get_ident()][1:] == ("POST", "/admin/tenants/1/terms-of-reference")
    conf["post_request"](worker, request, {}, None)
    assert worker.alive and conf["_started"] == {}
    rss[0] = conf["worker_recycle_mb"] + 1
    conf["post_request"](worker, request, {}, None)
    assert not worker.alive and killed == []


def test_a_runaway_request_or_a_worker_past_its_ceiling_is_killed(monkeypatch):
    rss = [100]
    conf, killed = _config(monkeypatch, rss)
    worker = SimpleNamespace(pid=1, alive=True, log=_Log())
    stop, sleeps = RuntimeError("watchdog stopped"), []

    def sleep_once(_seconds):  # one round of the watchdog, then out of its loop
        sleeps.append(_seconds)
        if len(sleeps) > 1:
            raise stop

    monkeypatch.setattr(conf["time"], "sleep", sleep_once)
    conf["_started"][1] = (conf["time"].monotonic() - conf["request_timeout"] - 1, "POST", "/x/terms-of-reference")
    rss[0] = conf["worker_max_mb"] + 1
    try:
        conf["_watch"](worker)
    except RuntimeError as exc:
        assert exc is stop
    assert killed == [signal.SIGKILL, signal.SIGKILL]
    assert worker.log.lines[0] == "Killing worker 1: POST /x/terms-of-reference has run for more than 120 seconds"
    assert worker.log.lines[1].startswith("Killing worker 1: 1537 MB resident, over 1536 MB, during POST /x/")


def test_each_unit_caps_its_memory_and_the_web_and_worker_survive_an_oom_kill():
    for name, high, top in (("web", "3G", "4G"), ("worker", "1536M", "2G"), ("worker@", "1536M", "2G"),
                            ("scheduler", "384M", "512M")):
        unit = configparser.ConfigParser(strict=False, interpolation=None)
        unit.read(DEPLOY / "systemd" / f"permanence-{name}.service")
        service = unit["Service"]
        assert (service["MemoryHigh"], service["MemoryMax"]) == (high, top)
        assert service.get("OOMPolicy", "stop") == ("stop" if name == "scheduler" else "continue")


def test_the_worker_instances_each_serve_their_group_of_queues():
    """``permanence-worker@interactive``, ``@nightly`` and ``@emails``: the instance's name is the group."""
    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.read(DEPLOY / "systemd" / "permanence-worker@.service")
    assert unit["Service"]["ExecStart"].endswith("permanence jobs worker --queues %i")
    readme = (DEPLOY / "README.md").read_text()
    for instance in ("interactive", "nightly", "emails"):
        assert f"permanence-worker@{instance}" in readme
