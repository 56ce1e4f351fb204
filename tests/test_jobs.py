"""Background jobs: dispatched after the commit, run as their tenant, in-process or through RQ."""

import pytest
from sqlalchemy import select

from permanence.core.context import tenant_context
from permanence.core.jobs import enqueue
from permanence.extensions import db
from permanence.notifications.models import EmailMessage, EmailStatus
from permanence.notifications.services import queue_email


def test_a_queued_email_is_sent_after_the_commit(app, tenant_a, in_tenant, work_jobs, capsys):
    with in_tenant(tenant_a):
        queue_email("someone@example.org", "Agenda published", "The agenda for 3 March is published.")
    work_jobs()
    with app.app_context(), tenant_context(tenant_a.id):
        message = db.session.execute(select(EmailMessage)).scalar_one()
        assert message.status == EmailStatus.SENT and message.sent_at is not None and message.attempts == 1
    assert "Agenda published" in capsys.readouterr().out


def test_a_rolled_back_transaction_sends_nothing(app, tenant_a, work_jobs):
    with app.app_context(), tenant_context(tenant_a.id):
        queue_email("someone@example.org", "Never", "Never sent")
        db.session.rollback()
    work_jobs()
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.execute(select(EmailMessage)).first() is None


def record_tenant_job(label):
    """A job for the test below: writes a row as whatever tenant the job runs as."""
    from permanence.accounts.models import Team

    db.session.add(Team(name=label))


def test_a_job_runs_as_the_tenant_that_queued_it(app, tenant_a, tenant_b, in_tenant, work_jobs):
    from permanence.accounts.models import Team

    with in_tenant(tenant_b):
        enqueue(record_tenant_job, "made by a job")
    work_jobs()
    with app.app_context(), tenant_context(tenant_b.id):
        assert db.session.execute(select(Team.name)).scalars().all() == ["made by a job"]
    with app.app_context(), tenant_context(tenant_a.id):
        assert db.session.execute(select(Team.name)).scalars().all() == []


def count_teams_job():
    """A periodic job for the test below: records that it ran for the current tenant."""
    from permanence.accounts.models import Team

    db.session.add(Team(name="periodic ran here"))


def test_a_periodic_job_fans_out_to_every_open_council(app, make_tenant, work_jobs, monkeypatch):
    from permanence.accounts.models import Team
    from permanence.core import schedule
    from permanence.core.jobs import commit
    from permanence.tenancy.models import TenantStatus

    monkeypatch.setattr(schedule, "_periodic", dict(schedule._periodic))  # the test's job goes with it
    open_a, open_b = make_tenant(), make_tenant()
    draft = make_tenant(status=TenantStatus.DRAFT)
    schedule.register_periodic("test-count-teams", count_teams_job, cron="0 2 * * *")
    with app.app_context():
        assert schedule.run_now("test-count-teams") == 2
        commit()
    work_jobs()
    for tenant, expected in ((open_a, 1), (open_b, 1), (draft, 0)):
        with app.app_context(), tenant_context(tenant.id):
            assert db.session.execute(select(Team).where(Team.name == "periodic ran here")).scalars().all().__len__() == expected


# --- The outbox: a job is written with the change that causes it ---------------------------------

def _team_names(app, tenant):
    from permanence.accounts.models import Team

    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Team.name).order_by(Team.name)).scalars().all()


def _outbox(app):
    from permanence.core.jobs import OutboxJob

    with app.app_context():
        rows = db.session.execute(select(OutboxJob).order_by(OutboxJob.id)).scalars().all()
        db.session.expunge_all()
        return rows


class Crash(BaseException):
    """The process dies here: nothing after this line runs, no handler catches it."""


def test_a_job_queued_in_a_transaction_that_rolls_back_is_never_written(app, tenant_a, work_jobs):
    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(record_tenant_job, "rolled back")
        db.session.rollback()
    work_jobs()
    assert _outbox(app) == [] and _team_names(app, tenant_a) == []


def test_a_job_left_behind_by_a_crash_after_the_commit_is_handed_on_once(app, tenant_a, work_jobs, travel,
                                                                           monkeypatch):
    from datetime import datetime, timedelta

    from permanence.core import jobs
    from permanence.core.clock import LONDON

    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    travel(start)
    with monkeypatch.context() as crashed:
        crashed.setattr(jobs, "relay", lambda *args, **kwargs: (_ for _ in ()).throw(Crash()))
        with app.app_context(), tenant_context(tenant_a.id), pytest.raises(Crash):
            enqueue(record_tenant_job, "left behind")
            jobs.commit()  # committed, then the process died before handing the job on
    work_jobs()
    [row] = _outbox(app)
    assert row.dispatched_at is None and _team_names(app, tenant_a) == []
    with app.app_context():
        assert jobs.relay() == 0  # a few seconds' grace: its own process may still hand it on
    travel(start + timedelta(seconds=10))
    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(record_tenant_job, "next one")
        jobs.commit()  # a later dispatch sweeps up the one left behind first
        assert jobs.relay() == 0
    work_jobs()
    assert _team_names(app, tenant_a) == ["left behind", "next one"]
    assert [(r.attempts, r.dispatched_at is not None) for r in _outbox(app)] == [(1, True), (1, True)]


def test_a_relay_that_died_holding_a_job_lets_it_go_when_its_claim_runs_out(app, tenant_a, work_jobs, travel,
                                                                             monkeypatch):
    from datetime import datetime, timedelta

    from permanence.core import jobs
    from permanence.core.clock import LONDON

    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    travel(start)
    with monkeypatch.context() as crashed:  # died putting it on Redis, or running it in-process
        crashed.setattr(jobs, "_dispatch", lambda *a, **k: (_ for _ in ()).throw(Crash()))
        with app.app_context(), tenant_context(tenant_a.id), pytest.raises(Crash):
            enqueue(record_tenant_job, "claimed then dropped")
            jobs.commit()
    [row] = _outbox(app)
    assert (row.attempts, row.dispatched_at) == (1, None) and row.lease_until is not None
    travel(start + timedelta(seconds=30))
    with app.app_context():
        assert jobs.relay() == 0  # its claim still runs
    travel(row.lease_until + timedelta(seconds=1))
    with app.app_context():
        assert jobs.relay() == 1 and jobs.relay() == 0
    work_jobs()
    assert _team_names(app, tenant_a) == ["claimed then dropped"]
    [row] = _outbox(app)
    assert row.attempts == 2 and row.dispatched_at is not None


def test_handing_a_row_to_redis_twice_queues_it_once(app, tenant_a, work_jobs):
    from permanence.core import jobs

    if not app.config.get("REDIS_URL"):
        pytest.skip("RQ needs Redis")
    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(record_tenant_job, "once")
        jobs.commit()
        [row] = _outbox(app)
        jobs._dispatch(jobs.JobSpec(**{**row.spec, "outbox_id": row.id}))  # a relay thinking the first one died
        assert jobs.get_queue("default").count == 1
    work_jobs()
    assert _team_names(app, tenant_a) == ["once"]


def _started_by_a_worker_that_dies():
    """An RQ worker takes the next job and starts it, as a work horse would, and is never heard of
    again: the job stays in RQ's started-job registry until its heartbeat runs out."""
    from rq import SimpleWorker

    from permanence.core import jobs

    doomed = SimpleWorker(jobs.all_queues(), connection=jobs.get_redis())
    doomed.register_birth()
    job, queue = doomed.dequeue_job_and_maintain_ttl(timeout=1)
    doomed.prepare_execution(job)
    doomed.prepare_job_execution(job)
    return job, queue


def test_a_job_whose_worker_died_is_retried_and_completes(app, tenant_a, travel):
    """RQ's own machinery: the dead worker's heartbeat runs out in the started-job registry, the
    clean-up our workers run every minute retries the job after a back-off, and it completes."""
    from datetime import datetime, timedelta

    from rq import SimpleWorker
    from rq.job import JobStatus
    from rq.registry import ScheduledJobRegistry

    from permanence.core import jobs
    from permanence.core.clock import LONDON

    if not app.config.get("REDIS_URL"):
        pytest.skip("RQ needs Redis")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    travel(start)
    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(record_tenant_job, "survived its worker")
        jobs.commit()
        # A worker takes the job and starts it, then dies: no result, no failure recorded.
        job, queue = _started_by_a_worker_that_dies()
        assert job.get_status() == JobStatus.STARTED
        jobs.recover_abandoned()
        assert job.get_status() == JobStatus.STARTED  # its heartbeat has not run out yet
    travel(start + timedelta(minutes=7))  # past its first heartbeat's lease (the job's timeout and a minute)
    with app.app_context():
        jobs.recover_abandoned()
        assert job.get_status() == JobStatus.SCHEDULED and job.id in ScheduledJobRegistry(queue=queue).get_job_ids()
        assert _team_names(app, tenant_a) == []
    travel(start + timedelta(minutes=8))  # past the first back-off
    with app.app_context():
        SimpleWorker(jobs.all_queues(), connection=jobs.get_redis()).work(burst=True, with_scheduler=True)
        assert job.get_status() == JobStatus.FINISHED
    assert _team_names(app, tenant_a) == ["survived its worker"]


def test_a_job_whose_worker_died_after_its_commit_is_not_run_again(app, tenant_a, travel):
    """The window the outbox's completed mark closes: the worker ran the job to its commit and died
    before RQ recorded it finished. RQ retries it as it does any job of a dead worker; the retry sees
    the job's work committed and does nothing, so the council gets one row, not two."""
    from datetime import datetime, timedelta

    from rq import SimpleWorker
    from rq.job import JobStatus

    from permanence.core import jobs
    from permanence.core.clock import LONDON

    if not app.config.get("REDIS_URL"):
        pytest.skip("RQ needs Redis")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    travel(start)
    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(record_tenant_job, "committed once")
        jobs.commit()
        job, _ = _started_by_a_worker_that_dies()
        jobs.run_job(*job.args)  # the work horse runs the job to its commit ...
        db.session.remove()
        assert job.get_status() == JobStatus.STARTED  # ... and dies before RQ hears of it
    assert _team_names(app, tenant_a) == ["committed once"]
    [row] = _outbox(app)
    assert row.completed_at is not None
    travel(start + timedelta(minutes=7))
    with app.app_context():
        jobs.recover_abandoned()
    travel(start + timedelta(minutes=8))
    with app.app_context():
        SimpleWorker(jobs.all_queues(), connection=jobs.get_redis()).work(burst=True, with_scheduler=True)
        assert job.get_status() == JobStatus.FINISHED  # retried, and the retry did nothing
    assert _team_names(app, tenant_a) == ["committed once"]


def test_a_job_that_fails_is_not_marked_completed_and_runs_again(app, tenant_a):
    """The mark is written in the job's transaction: a job that raises rolls it back with its work."""
    from permanence.core import jobs

    with app.app_context(), tenant_context(tenant_a.id):
        enqueue(fail_then_record_job, "second time lucky")
        db.session.flush()
        [row] = db.session.execute(select(jobs.OutboxJob)).scalars().all()
        spec = {**row.spec, "outbox_id": row.id}
        db.session.commit()
    for attempt in (1, 2, 3):
        with app.app_context():
            try:
                jobs.run_job(dict(spec))
            except RuntimeError:
                assert attempt == 1
            db.session.remove()
    assert _team_names(app, tenant_a) == ["second time lucky"]  # the third run found it done
    [row] = _outbox(app)
    assert row.completed_at is not None


_failures: list[str] = []


def fail_then_record_job(label):
    """Fails the first time it is run, records ``label`` after."""
    if label not in _failures:
        _failures.append(label)
        raise RuntimeError("the first run fails")
    record_tenant_job(label)


def test_the_worker_hands_on_what_a_crash_left_in_the_outbox(app, tenant_a, travel, monkeypatch):
    """``permanence jobs worker`` sweeps the outbox in its maintenance (at start, then every minute)."""
    from datetime import datetime, timedelta

    from permanence.core import jobs
    from permanence.core.clock import LONDON

    if not app.config.get("REDIS_URL"):
        pytest.skip("RQ needs Redis")
    start = datetime(2026, 3, 2, 9, 0, tzinfo=LONDON)
    travel(start)
    with monkeypatch.context() as crashed:
        crashed.setattr(jobs, "relay", lambda *args, **kwargs: (_ for _ in ()).throw(Crash()))
        with app.app_context(), tenant_context(tenant_a.id), pytest.raises(Crash):
            enqueue(record_tenant_job, "found by the worker")
            jobs.commit()
    travel(start + timedelta(seconds=10))
    with app.app_context():
        jobs.run_worker(burst=True)
    assert _team_names(app, tenant_a) == ["found by the worker"]
    assert _outbox(app)[0].dispatched_at is not None


def test_every_job_of_a_big_commit_is_handed_on_at_once(app, tenant_a, work_jobs, monkeypatch):
    from permanence.core import jobs

    original = jobs.relay
    monkeypatch.setattr(jobs, "relay", lambda ids=None: original(ids, limit=3))  # rows read three at a time
    with app.app_context(), tenant_context(tenant_a.id):
        for n in range(7):
            enqueue(record_tenant_job, f"team {n}")
        jobs.commit()
    work_jobs()
    assert len(_team_names(app, tenant_a)) == 7
    assert all(row.dispatched_at is not None for row in _outbox(app))
