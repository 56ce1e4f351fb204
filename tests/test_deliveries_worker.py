"""A delivery whose work horse is killed mid-delivery, with a real RQ worker (``permanence jobs
worker``'s, run in a forked process): the endpoint has the record and is slow to answer when the
horse is SIGKILLed; RQ retries the job after its back-off under the same idempotency key, and the
endpoint holds exactly one copy. Needs Redis (TEST_REDIS_URL)."""

from __future__ import annotations

from datetime import datetime, timedelta
import os
import signal
import threading

import pytest
from sqlalchemy import select

from deliveries_support import SECRET, Receiver, approve_minutes, https_block, load_council, record_outcomes, \
    register_destinations, sitting
from permanence.core import jobs
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.deliveries.models import DecisionDelivery, DeliveryStatus
from permanence.extensions import db


def _row(app, tenant) -> DecisionDelivery:
    with app.app_context(), tenant_context(tenant.id):
        [row] = db.session.execute(select(DecisionDelivery)).scalars().all()
        db.session.expunge_all()
        return row


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def _worker(app) -> int:
    """A real RQ worker in burst mode (forking a work horse per job), in a child process; its pid."""
    pid = os.fork()
    if pid == 0:  # the worker process
        code = 0
        try:
            with app.app_context():
                db.engine.dispose(close=False)  # the parent's connections stay the parent's
                jobs.run_worker(burst=True)
        except BaseException:  # noqa: BLE001  (reported by the exit code)
            code = 1
        finally:
            os._exit(code)
    return pid


def _wait(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


@pytest.fixture
def receiver(app, tmp_path, monkeypatch):
    if not app.config.get("REDIS_URL"):
        pytest.skip("a real RQ worker needs Redis (TEST_REDIS_URL)")
    register_destinations()
    server = Receiver(tmp_path)
    monkeypatch.setenv("TEST_CASE_RECORD_SECRET", SECRET.decode())
    monkeypatch.setenv("TEST_CASE_RECORD_CA", server.ca)
    yield server
    server.stop()


def test_a_work_horse_killed_mid_delivery_is_retried_and_the_endpoint_holds_one_copy(
        app, receiver, travel, make_user, make_child, tmp_path):
    start = datetime(2027, 3, 1, 10, 0, tzinfo=LONDON)
    travel(start)
    tenant = load_council(app, "redbridge", tmp_path, https_block(receiver.url))
    s = sitting(app, tenant, make_user, make_child, children=1, destination="case_record_https")
    record_outcomes(app, s)
    receiver.hold = threading.Event()
    approve_minutes(app, s, run_jobs=False)  # the delivery job goes to RQ
    assert _row(app, tenant).status == DeliveryStatus.PENDING

    worker = _worker(app)
    assert receiver.holding.wait(60), "the work horse never reached the endpoint"
    horses = _children_of(worker)
    assert len(horses) == 1
    os.kill(horses[0], signal.SIGKILL)  # killed while the endpoint has the record but has not answered
    assert _wait(worker) == 0
    receiver.hold.set()
    row = _row(app, tenant)
    assert row.status == DeliveryStatus.SENDING and row.attempts == 1
    assert len(receiver.documents) == 1

    travel(start + timedelta(minutes=2))  # past RQ's first back-off (30 seconds)
    assert _wait(_worker(app)) == 0
    row = _row(app, tenant)
    assert row.status == DeliveryStatus.ACKNOWLEDGED and row.attempts == 2 and row.reference == "DOC-1"
    assert receiver.posts == [row.idempotency_key, row.idempotency_key]  # the same key both times
    assert len(receiver.documents) == 1  # one copy
