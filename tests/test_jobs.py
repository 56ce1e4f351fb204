"""Background jobs: dispatched after the commit, run as their tenant, in-process or through RQ."""

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


def test_a_periodic_job_fans_out_to_every_open_council(app, make_tenant, work_jobs):
    from permanence.accounts.models import Team
    from permanence.core.jobs import commit
    from permanence.core.schedule import register_periodic, run_now
    from permanence.tenancy.models import TenantStatus

    open_a, open_b = make_tenant(), make_tenant()
    draft = make_tenant(status=TenantStatus.DRAFT)
    register_periodic("test-count-teams", count_teams_job, cron="0 2 * * *")
    with app.app_context():
        assert run_now("test-count-teams") == 2
        commit()
    work_jobs()
    for tenant, expected in ((open_a, 1), (open_b, 1), (draft, 0)):
        with app.app_context(), tenant_context(tenant.id):
            assert db.session.execute(select(Team).where(Team.name == "periodic ran here")).scalars().all().__len__() == expected


def test_the_scheduler_registers_every_periodic_job(app):
    import pytest

    from permanence.core.schedule import build_scheduler, periodic_jobs, register_periodic

    if not app.config.get("REDIS_URL"):
        pytest.skip("the cron scheduler needs Redis")
    register_periodic("test-count-teams", count_teams_job, cron="0 2 * * *")
    with app.app_context():
        scheduler = build_scheduler()
        registered = {job.name: job for job in scheduler.get_jobs()}
    assert set(registered) == {job.name for job in periodic_jobs()}
    assert registered["test-count-teams"].cron == "0 2 * * *"
