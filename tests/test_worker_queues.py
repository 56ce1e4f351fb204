"""Queues that cannot starve each other: a night's e-mails never hold back the councils' nightly jobs.

At national scale one nightly run queued 116,316 escalation e-mails and a worker serving every
queue (e-mails first) finished 2 of 150 nightly jobs in 3 minutes. Now a worker may be started for
some queues only (``permanence jobs worker --queues periodic,imports``), and a worker serving
several takes them round-robin, periodic before e-mails. With a real RQ worker (``TEST_REDIS_URL``).
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from permanence.core import jobs
from permanence.core.context import tenant_context
from permanence.core.jobs import enqueue
from permanence.extensions import db

E_MAILS = 200


def ran_job(label):
    """A job for the tests below: records that it ran (a team named ``label``, in the order run)."""
    from permanence.accounts.models import Team

    db.session.add(Team(name=label))


def _ran(app, tenant) -> list[str]:
    from permanence.accounts.models import Team

    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(Team.name).order_by(Team.id)).scalars().all()


@pytest.fixture
def the_night(app, tenant_a):
    """200 e-mails queued, then the council's nightly job."""
    if not app.config.get("REDIS_URL"):
        pytest.skip("RQ needs Redis (TEST_REDIS_URL)")
    with app.app_context(), tenant_context(tenant_a.id):
        for n in range(E_MAILS):
            enqueue(ran_job, f"e-mail {n}", queue="emails")
        enqueue(ran_job, "nightly tracker run", queue="periodic")
        jobs.commit()
    with app.app_context():
        assert jobs.get_queue("emails").count == E_MAILS and jobs.get_queue("periodic").count == 1
    return tenant_a


def test_a_worker_for_periodic_and_imports_runs_the_nightly_job_while_the_e_mails_wait(app, the_night):
    with app.app_context():
        jobs.run_worker(jobs.parse_queues("periodic,imports"), burst=True)
        assert jobs.get_queue("emails").count == E_MAILS  # the e-mail worker's, untouched
    assert _ran(app, the_night) == ["nightly tracker run"]


def test_a_worker_of_every_queue_runs_the_nightly_job_first_not_after_the_e_mails(app, the_night):
    with app.app_context():
        jobs.run_worker(burst=True, max_jobs=3)
    assert _ran(app, the_night)[0] == "nightly tracker run"
    assert len(_ran(app, the_night)) == 3


def test_a_worker_takes_its_queues_in_turn_even_when_e_mails_are_named_first(app, the_night):
    with app.app_context():
        jobs.run_worker(jobs.parse_queues("emails,periodic"), burst=True, max_jobs=2)
    assert _ran(app, the_night) == ["e-mail 0", "nightly tracker run"]


def test_the_worker_command_refuses_a_queue_that_does_not_exist(app):
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--queues", "periodic,e-mails"])
    assert result.exit_code == 2
    assert "no queue called 'e-mails': choose from default, emails, periodic, imports" in result.output
    assert jobs.parse_queues(" periodic , imports,periodic") == ("periodic", "imports")
    assert jobs.parse_queues(None) == ("default", "periodic", "imports", "emails")
    # The groups the systemd instance units name (a unit's name holds no comma).
    assert [jobs.parse_queues(g) for g in ("interactive", "nightly", "emails")] == [
        ("default",), ("periodic", "imports"), ("emails",)]
    with pytest.raises(ValueError, match="choose from"):
        jobs.parse_queues(",")
