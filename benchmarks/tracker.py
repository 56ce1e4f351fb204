"""Benchmark: the tracker for a council of N children (default 5,000): the nightly recompute and the
tracker page.

Loads the Permanence Panel and PPTM council (the seed with the most timescales: statutory,
its own and three tracking-meeting cadences) into a fresh database, imports a synthetic SSDA903
extract of N children, then times:

- the nightly job (every child's milestones, cohorts and drift, then the ladder): the first run,
  which creates everything; a re-run the same day, which changes nothing; and the next day's run;
- the tracker page as a chair sees it (every child): the first page in the default order, sorted
  by legal status, filtered to the PPTM's cohort with drift, and a deep page; with the number of
  SQL statements each page runs (fixed, whatever N is).

    .venv/bin/python benchmarks/tracker.py                  # SQLite in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/tracker.py

``BENCH_DATABASE_URL``'s public schema is dropped and re-created: point it at a scratch database.
``BENCH_CHILDREN`` sets N, ``BENCH_ROUNDS`` the requests per page (default 20).
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from _database import fresh_database_url

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
REPO = Path(__file__).resolve().parents[1]
SLUG = "permanence-panel-pptm"


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import event, func, select

    from permanence.accounts import services as accounts
    from permanence.app import create_app
    from permanence.cases.imports import import_903
    from permanence.cases.models import Child
    from permanence.cases.synthetic import EXTRACT_DAY, write_synthetic_903
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.extensions import db
    from permanence.tenancy.models import TenantStatus
    from permanence.tor.services import load_folder
    from permanence.tracker.changes import already_recomputed
    from permanence.tracker.jobs import nightly_tracker_job
    from permanence.tracker.models import Drift, Milestone

    folder = Path(tempfile.mkdtemp())
    url = fresh_database_url(folder)
    header, episodes, reviews, _ = write_synthetic_903(folder / "extract", CHILDREN)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    today = EXTRACT_DAY + timedelta(days=15)
    with app.app_context():
        upgrade()
        tenant, _ = load_folder(REPO / "tenants" / SLUG)
        tenant.status = TenantStatus.ACTIVE
        commit()
        tenant_id = tenant.id
        with tenant_context(tenant_id):
            chair = accounts.create_user("chair@bench.example.org", "Bench Chair", "bench-password-1")
            accounts.add_membership(chair, ["chair"])
            result = import_903(header, episodes, reviews)
            assert result.written and not result.errors, result.errors[:5]
            db.session.flush()
            # Timed below as the nightly run, not as the job this commit would otherwise queue.
            already_recomputed(db.session(), tenant_id, db.session.execute(select(Child.id)).scalars())
            commit()
            chair_id = chair.id
        database = app.config["SQLALCHEMY_DATABASE_URI"].split(":")[0]
        print(f"{CHILDREN} synthetic children in {SLUG}, {database}, today {today:%-d %B %Y}")
        for label, day in (("nightly, first run", today), ("nightly, same day again", today),
                           ("nightly, next day", today + timedelta(days=1))):
            with tenant_context(tenant_id):
                start = time.perf_counter()
                summary = nightly_tracker_job(day.isoformat())
                commit()
                elapsed = time.perf_counter() - start
            print(f"  {label:26} {elapsed:6.2f} s  {CHILDREN / elapsed:6.0f} children/s  "
                  f"({summary['created']} created, {summary['updated']} updated, {summary['removed']} removed, "
                  f"{summary['drift_opened']} drift opened, {summary['drift_closed']} closed)")
        with tenant_context(tenant_id):
            milestones = db.session.execute(select(func.count()).select_from(Milestone)).scalar_one()
            drift = db.session.execute(select(func.count()).select_from(Drift)
                                       .where(Drift.closed_on.is_(None))).scalar_one()
            db.session.rollback()
        print(f"  {milestones} milestones, {drift} open drift")
        engine = db.engine

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(chair_id)
        session["seen"] = time.time()
    pages = {
        "tracker, first page": f"/{SLUG}/tracker/",
        "sorted by legal status": f"/{SLUG}/tracker/?sort=legal_status&direction=desc",
        "PPTM cohort with drift": f"/{SLUG}/tracker/?body=pptm&drift=y",
        "page 60": f"/{SLUG}/tracker/?page=60",
    }
    print(f"  tracker page ({ROUNDS} rounds, as a chair who sees every child)")
    for name, path in pages.items():
        statements = []

        def count(conn, cursor, statement, *args):
            statements.append(statement)

        timings = []
        for n in range(ROUNDS):
            if n == 0:
                event.listen(engine, "before_cursor_execute", count)
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            if n == 0:
                event.remove(engine, "before_cursor_execute", count)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        print(f"    {name:26} median {statistics.median(timings):7.1f} ms   "
              f"p95 {timings[max(0, int(len(timings) * 0.95) - 1)]:7.1f} ms   {len(statements)} SQL statements")


if __name__ == "__main__":
    main()
