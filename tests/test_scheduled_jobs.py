"""The schedule runs by itself: each periodic job's slot is started once however many schedulers
tick (two processes at the same instant included), a new council gets its sittings when its terms
of reference go into force, the web server's own thread runs an overdue nightly, and the central
administrator sees each job's last run, next run, duration and failures."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from html import unescape
import os
from pathlib import Path
import re
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from permanence.accounts.models import Team
from permanence.core import schedule
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.core.jobs import OutboxJob, commit
from permanence.core.schedule import ScheduledRun
from permanence.extensions import db
from test_tor_onboarding import NORTH_SHIRE, _upload
from tracker_support import crafted_children, load_seed

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def only_jobs(monkeypatch):
    """``only_jobs()``: the registry emptied for this test (restored after), so a tick runs only
    the jobs the test registers."""

    def empty():
        monkeypatch.setattr(schedule, "_periodic", {})

    monkeypatch.setattr(schedule, "_periodic", dict(schedule._periodic))
    return empty


def add_team_job():
    """A periodic job for these tests: a row in the council it runs for."""
    db.session.add(Team(name=f"ran {db.session.execute(select(func.count(Team.id))).scalar_one() + 1}"))


def failing_job():
    """A periodic job that always fails."""
    raise LookupError("nothing to find")


def _teams(app, tenant) -> int:
    with app.app_context(), tenant_context(tenant.id):
        return db.session.execute(select(func.count(Team.id))).scalar_one()


def _runs(app, name=None) -> list[ScheduledRun]:
    with app.app_context():
        query = select(ScheduledRun).order_by(ScheduledRun.id)
        if name:
            query = query.where(ScheduledRun.name == name)
        runs = db.session.execute(query).scalars().all()
        db.session.expunge_all()
        return runs


def _tick(app, at=None):
    with app.app_context():
        return schedule.tick(at)


def _text(response) -> str:
    return " ".join(response.get_data(as_text=True).split())


def _plain(html: str) -> str:
    """The words of some HTML, tags gone and spaces single."""
    return re.sub(r"\s+", " ", unescape(re.sub("<[^>]+>", " ", html)))


def _card(page: str, name: str) -> str:
    """The jobs page's card of one job."""
    start = page.index(f'id="job-{name}"')
    end = page.find('class="govuk-summary-card"', start)
    return page[start:end if end > 0 else len(page)]


# --- A new council -----------------------------------------------------------------------------

def test_a_council_onboarded_through_the_pages_has_its_sittings_without_any_command(
        app, client, make_user, login, travel, work_jobs):
    travel(date(2026, 12, 2))
    login(make_user(None, (), platform_admin=True))
    page = client.post("/admin/tenants/new-from-terms-of-reference",
                       data={"slug": "north-shire", "tor_file": _upload(NORTH_SHIRE)},
                       content_type="multipart/form-data")
    preview = client.get(page.headers["Location"]).get_data(as_text=True)
    action = re.search(r'action="([^"]+/activate)"', preview).group(1)
    assert client.post(action).status_code == 302
    work_jobs()  # with Redis, the worker; in-process they ran after the activation's commit
    client.post("/sign-out")
    from permanence.tenancy.models import Tenant

    with app.app_context():
        tenant = db.session.execute(select(Tenant).where(Tenant.slug == "north-shire")).scalar_one()
        db.session.expunge(tenant)
    login(make_user(tenant, ["panel_administrator"]))
    meetings = _text(client.get("/north-shire/meetings/"))
    assert "No meetings are scheduled yet" not in meetings
    # North Shire sits on the second Thursday of the month.
    assert "Thursday 10 December 2026" in meetings and "Thursday 14 January 2027" in meetings


# --- Each slot once ----------------------------------------------------------------------------

def test_a_tick_starts_each_due_slot_once_and_catches_up_one_run_never_a_backlog(
        app, make_tenant, only_jobs, work_jobs):
    only_jobs()
    schedule.register_periodic("test-add-team", add_team_job, "0 2 * * *")
    council = make_tenant()
    june_10 = datetime(2026, 6, 10, 2, 0, tzinfo=LONDON)
    assert _tick(app, june_10 - timedelta(minutes=1)) == ["test-add-team"]  # first start: 9 June's run
    work_jobs()
    assert _teams(app, council) == 1
    assert _tick(app, june_10 - timedelta(seconds=1)) == []  # the same slot: nothing
    assert _tick(app, june_10) == ["test-add-team"]  # 02:00 London (01:00 UTC) on 10 June
    assert _tick(app, june_10 + timedelta(seconds=40)) == []
    work_jobs()
    assert _teams(app, council) == 2
    # Nine days without a scheduler: one run, the most recent slot's.
    assert _tick(app, datetime(2026, 6, 19, 9, 0, tzinfo=LONDON)) == ["test-add-team"]
    work_jobs()
    assert _teams(app, council) == 3
    runs = _runs(app)
    assert [r.due_at for r in runs] == [datetime(2026, 6, 9, 1, 0, tzinfo=timezone.utc),
                                        datetime(2026, 6, 10, 1, 0, tzinfo=timezone.utc),
                                        datetime(2026, 6, 19, 1, 0, tzinfo=timezone.utc)]
    assert all((r.councils, r.done, r.failed) == (1, 1, 0) and r.finished_at is not None for r in runs)
    # A month on, the runs before it are gone; the latest stays, so its slot is not run again.
    assert _tick(app, datetime(2026, 7, 25, 1, 0, tzinfo=LONDON)) == ["test-add-team"]
    assert [r.due_at for r in _runs(app)] == [datetime(2026, 7, 24, 1, 0, tzinfo=timezone.utc)]
    assert _tick(app, datetime(2026, 8, 30, 1, 0, tzinfo=LONDON)) == ["test-add-team"]
    assert [r.due_at for r in _runs(app)] == [datetime(2026, 8, 29, 1, 0, tzinfo=timezone.utc)]


def test_a_run_by_hand_counts_for_the_slot_it_was_run_in(app, make_tenant, only_jobs, work_jobs):
    only_jobs()
    schedule.register_periodic("test-add-team", add_team_job, "0 2 * * *")
    council = make_tenant()
    result = app.test_cli_runner().invoke(args=["jobs", "run", "test-add-team"])
    assert result.exit_code == 0 and "test-add-team queued for 1 council(s)." in result.output
    work_jobs()
    assert _teams(app, council) == 1
    assert [r.claimed_by for r in _runs(app)] == ["command line"]
    assert _tick(app) == []  # today's slot has passed since: the run by hand was it


SCHEDULER = r"""
import sys, time
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from permanence.app import create_app
from permanence.core import schedule
from permanence.extensions import db

url, redis_url, ready, other, at, name = sys.argv[1:]
app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": redis_url or None,
                  "RQ_QUEUE_PREFIX": "permanence-test", "RATELIMIT_STORAGE_URI": "memory://"})
with app.app_context():
    db.session.execute(text("SELECT 1"))
    db.session.remove()
Path(ready).touch()
until = time.monotonic() + 120
while not Path(other).exists() and time.monotonic() < until:
    time.sleep(0.005)
checked = schedule._latest_start


def checked_together(job_name):
    # The worst interleaving: neither inserts a job's run until both have found it not yet run.
    latest = checked(job_name)
    Path(f"{ready}-{job_name}").touch()
    until = time.monotonic() + 60
    while not Path(f"{other}-{job_name}").exists() and time.monotonic() < until:
        time.sleep(0.005)
    return latest


schedule._latest_start = checked_together
with app.app_context():
    print("started:" + ",".join(schedule.tick(datetime.fromisoformat(at), scheduler=name)))
"""


def test_two_schedulers_ticking_the_same_slot_at_once_start_each_run_once(app, make_tenant, tmp_path):
    """Two scheduler processes alive, released together on the same instant, and each waiting for
    the other to find a job's slot free before inserting its run: each job's run is one row and one
    part per open council, whichever process won it (the unique slot decides)."""
    councils = [make_tenant(), make_tenant()]
    at = datetime(2026, 6, 10, 12, 0, tzinfo=LONDON)
    env = {**os.environ, "INSTANCE_PATH": str(tmp_path)}
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    processes = [subprocess.Popen(
        [sys.executable, "-c", SCHEDULER, url, app.config.get("REDIS_URL") or "", str(tmp_path / f"ready-{n}"),
         str(tmp_path / f"ready-{1 - n}"), at.isoformat(), f"scheduler {n}"],
        env=env, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for n in (0, 1)]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=300)
        assert process.returncode == 0, err[-3000:]
        outputs.append(next(line for line in out.splitlines() if line.startswith("started:"))[8:].split(","))
    names = {job.name for job in schedule.periodic_jobs()}
    started = [name for output in outputs for name in output if name]
    assert sorted(started) == sorted(names)  # each job started by one process or the other, never both
    runs = _runs(app)
    assert sorted(r.name for r in runs) == sorted(names)
    assert {r.claimed_by for r in runs} <= {"scheduler 0", "scheduler 1"}
    with app.app_context():
        parts = db.session.execute(select(OutboxJob.spec).where(
            OutboxJob.func == "permanence.core.schedule:run_part_job")).scalars().all()
    by_run = sorted((spec["args"][0], spec["tenant_id"]) for spec in parts)
    assert by_run == sorted((r.id, c.id) for r in runs for c in councils)


# --- The web server's thread -------------------------------------------------------------------

def test_the_web_servers_thread_runs_the_overdue_nightly_and_drift_is_escalated(
        app, client, login, make_team, make_user, travel, work_jobs, monkeypatch):
    travel(datetime(2027, 3, 1, 10, 0, tzinfo=LONDON))  # LATE-1's first review was due on 1 Feb
    tenant = load_seed(app, "waltham-forest")
    work_jobs()
    team = make_team(tenant)
    senior = make_user(tenant, ["senior_manager"])
    with app.app_context(), tenant_context(tenant.id):
        late = next(c for c in crafted_children(team=team.id) if c.case_number == "LATE-1")
        db.session.add(late)
        commit()  # the change's recompute records the drift; only the nightly climbs the ladder
    work_jobs()
    login(senior)
    from permanence.tracker.models import Drift

    with app.app_context(), tenant_context(tenant.id):
        drift_id = db.session.execute(select(Drift.id).where(Drift.rule_id == "first-review")).scalar_one()
    assert "No step taken yet." in _text(client.get(f"/waltham-forest/tracker/drift/{drift_id}"))

    monkeypatch.setitem(app.config, "SCHEDULE_IN_PROCESS", True)
    loop = schedule.start_in_process(app)
    try:
        assert loop.ticked.wait(timeout=300), "the scheduler thread never ticked"
    finally:
        loop.stop()
        loop.thread.join(timeout=300)
    assert not loop.thread.is_alive()
    work_jobs()
    page = _text(client.get(f"/waltham-forest/tracker/drift/{drift_id}"))
    assert "Step 1 reached: Corporate Parenting Management Team." in page


def test_the_web_server_leaves_the_schedule_to_the_scheduler_process_when_told(app, monkeypatch):
    monkeypatch.setitem(app.config, "SCHEDULE_IN_PROCESS", False)
    assert schedule.start_in_process(app) is None
    monkeypatch.setitem(app.config, "SCHEDULE_IN_PROCESS", None)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")  # Redis: 'permanence jobs scheduler'
    assert schedule.schedule_in_process(app) is False


# --- The central administrator's page ----------------------------------------------------------

def test_the_jobs_page_shows_each_jobs_next_run_in_london_time(app, client, make_user, login, travel):
    login(make_user(None, (), platform_admin=True))
    travel(datetime(2026, 6, 10, 12, 0, tzinfo=LONDON))  # a Wednesday, in British Summer Time
    page = _text(client.get("/admin/jobs"))
    nightly = _plain(_card(page, "tracker-nightly"))
    assert "Recomputes every child's milestones and drift, and escalates overdue drift." in nightly
    assert "Every day at 01:30 London time" in nightly and "Not run yet" in nightly
    assert "Next run 11 June 2026 at 01:30" in nightly
    review = _plain(_card(page, "tor-review-reminders"))
    assert "Every Monday at 07:00 London time" in review and "Next run 15 June 2026 at 07:00" in review
    stalled = _plain(_card(page, "fail-stalled-imports"))
    assert "Next run 10 June 2026 at 12:10" in stalled


def test_a_failing_part_is_shown_on_the_jobs_page_and_run_now_starts_a_run(
        app, client, make_tenant, make_user, login, only_jobs, travel, work_jobs):
    only_jobs()
    schedule.register_periodic("test-fails", failing_job, "0 2 * * *", retries=0,
                               description="Fails, for the test.")
    schedule.register_periodic("test-add-team", add_team_job, "0 2 * * *", description="Adds a team.")
    council_a, council_b = make_tenant(name="Council A"), make_tenant(name="Council B")
    travel(datetime(2026, 6, 10, 9, 0, tzinfo=LONDON))
    assert sorted(_tick(app)) == ["test-add-team", "test-fails"]
    work_jobs()
    admin = make_user(None, (), platform_admin=True, name="Pat Central")
    login(admin)
    page = client.get("/admin/jobs")
    assert page.status_code == 200
    failing = _plain(_card(_text(page), "test-fails"))
    assert "2 failed" in failing and "0 of 2 councils done, 2 failed" in failing
    assert "Last error LookupError in Council " in failing
    assert "Last run 10 June 2026 at 09:00, started by scheduler on " in failing
    assert "; it was due 10 June 2026 at 02:00" in failing  # the scheduler was down at 02:00
    fine = _plain(_card(_text(page), "test-add-team"))
    assert "Done" in fine and "2 of 2 councils done" in fine and "failed" not in fine
    assert "Duration Under a second" in fine  # the clock stands still in this test

    travel(datetime(2026, 6, 10, 9, 30, tzinfo=LONDON))
    response = client.post("/admin/jobs/test-add-team/run")
    assert response.status_code == 302
    work_jobs()
    page = _text(client.get(response.headers["Location"]))
    assert "test-add-team is started for 2 open councils." in page
    fine = _plain(_card(page, "test-add-team"))
    assert "Last run 10 June 2026 at 09:30, started by run now by Pat Central" in fine
    assert _teams(app, council_a) == _teams(app, council_b) == 2
    assert client.post("/admin/jobs/no-such-job/run").status_code == 404


def test_only_the_central_administrator_sees_the_jobs_page(app, client, make_tenant, make_user, login):
    council = make_tenant()
    login(make_user(council, ["tenant_admin"]))
    assert client.get("/admin/jobs").status_code in (403, 404)
    assert client.post("/admin/jobs/tracker-nightly/run").status_code in (403, 404)
    assert _runs(app) == []


def test_work_done_outside_the_schedule_is_not_done_again_at_the_next_start(
        app, make_tenant, only_jobs, work_jobs, travel):
    """The demo load does the night's work itself and says so: the scheduler starting next
    leaves that slot alone, and runs the job at its next slot as usual."""
    only_jobs()
    schedule.register_periodic("test-add-team", add_team_job, "0 2 * * *")
    council = make_tenant()
    travel(datetime(2026, 6, 10, 9, 0, tzinfo=LONDON))
    with app.app_context():
        schedule.record_done("test-add-team", claimed_by="the demo load", councils=1)
        db.session.commit()
    assert _tick(app, datetime(2026, 6, 10, 9, 1, tzinfo=LONDON)) == []
    work_jobs()
    assert _teams(app, council) == 0
    assert _tick(app, datetime(2026, 6, 11, 2, 0, tzinfo=LONDON)) == ["test-add-team"]
