"""Benchmark: the background jobs of the largest council of a national data set, each timed
interleaved with a floor job in the same run: the quarterly report, the nightly tracker run and an
SSDA903 import of as many children as the council has.

    createdb -h 127.0.0.1 -U postgres -T bench benchd_copy        # a copy: this writes
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/benchd_copy \\
        .venv/bin/python benchmarks/jobs_largest.py

Every job goes through ``core.jobs.run_job``, the body of an RQ work horse (tenant and actor set,
the function, the commit), in this one process. The floor is ``_jobprobe.empty``: a job of one SQL
round trip, the least any job costs; it runs before each timed job, so floor and job alternate.
The jobs they queue (the import's milestone recomputes) go to Redis (``BENCH_REDIS_URL``, default
db 15, emptied before and after) and are not run: the figures are each job on its own, as a worker
runs it.

- **quarterly report**: ``_jobprobe.quarterly_report``: the report of each quarterly reporting duty of
  the council's ToR for the last ended financial quarter (figures, PDF and CSV), as the daily
  ``build-due-reports`` builds it for the head of service, not kept or e-mailed.
- **nightly tracker**: ``tracker.jobs.nightly_tracker_job`` for today; the first run (it creates the
  milestones the generator left) is shown apart from the runs after it, and followed by ``ANALYZE``
  (as autovacuum would be soon after such a write; so is the first import).
- **903 import**: ``imports.jobs.run_import_job`` on a stored run of a synthetic extract
  (``cases.synthetic``) of as many children as the council has, the DfE's rules included; the first
  import creates them (the council then has twice as many); each later one imports the same children
  with other histories (a second extract from another seed, the two in turn), so every child changes.
  The DfE's rules run where ``DFE_903_PYTHON`` (default ``.venv-903`` in the checkout) is.

Does NOT empty the database. ``BENCH_ROUNDS`` (default 10; the import 1 + ``BENCH_IMPORT_ROUNDS``,
default 5) and ``BENCH_SLUG`` (default the largest ``national-`` council).
"""

from __future__ import annotations

import os
from pathlib import Path
import tempfile
import time

from _stats import print_rows

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "10"))
IMPORT_ROUNDS = int(os.environ.get("BENCH_IMPORT_ROUNDS", "5"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def main() -> None:
    from redis import Redis
    from sqlalchemy import func, select

    from permanence.app import create_app
    from permanence.cases.models import Child
    from permanence.cases.synthetic import write_synthetic_903
    from permanence.core.clock import london_today
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit, run_job
    from permanence.demo.national import refresh_statistics
    from permanence.extensions import db
    from permanence.imports.models import ImportKind, ImportRun, ImportStatus, pack
    from permanence.tenancy.models import Tenant

    url = os.environ["BENCH_DATABASE_URL"]
    Redis.from_url(REDIS).flushdb()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_ECHO": False,
                      "REDIS_URL": REDIS})
    today = london_today().isoformat()
    with app.app_context():
        sizes = []
        for tenant in db.session.execute(select(Tenant).where(Tenant.slug.like("national-%"))).scalars().all():
            with tenant_context(tenant.id):
                sizes.append((db.session.execute(select(func.count(Child.id))).scalar_one(), tenant.slug, tenant.id))
        db.session.rollback()
        slug = os.environ.get("BENCH_SLUG")
        children, slug, tenant_id = next(s for s in sizes if s[1] == slug) if slug else max(sizes)
        print(f"{len(sizes)} councils, {sum(s[0] for s in sizes):,} children; {slug} ({children:,} children); "
              f"{db.engine.dialect.name}; today {today}")

        def job(func: str, *args) -> tuple[float, object]:
            spec = {"func": func, "args": list(args), "tenant_id": tenant_id, "actor_label": "benchmark"}
            start = time.perf_counter()
            result = run_job(spec)
            elapsed = time.perf_counter() - start
            db.session.remove()
            return elapsed, result

        def floor() -> float:
            return job("_jobprobe:empty")[0] * 1000

        # The quarterly report.
        floors, times = [], []
        for _ in range(ROUNDS + 1):  # the first round warms caches and is not counted
            floors.append(floor())
            elapsed, result = job("_jobprobe:quarterly_report", today)
            times.append(elapsed * 1000)
        print(f"  quarterly report: {result['reports']} report(s): {', '.join(result['bodies'])}; PDF "
              f"{result['pdf_bytes'] // 1024} KB, CSV {result['csv_bytes'] // 1024} KB")
        print_rows(f"{slug}: quarterly report ({ROUNDS} rounds after one not counted); floor: the empty job",
                   floors[1:], {"quarterly report (figures, PDF, CSV)": times[1:]})

        # The nightly tracker run.
        floors, times = [floor()], []
        first, result = job("permanence.tracker.jobs:nightly_tracker_job", today)
        refresh_statistics()  # after its bulk write, as autovacuum would be soon
        print(f"\n  nightly tracker, first run: {first:.1f} s ({result['created']} created, "
              f"{result['updated']} updated, {result['drift_opened']} drift opened)")
        for _ in range(ROUNDS):
            floors.append(floor())
            elapsed, result = job("permanence.tracker.jobs:nightly_tracker_job", today)
            times.append(elapsed * 1000)
        print_rows(f"{slug}: nightly tracker job, same day again ({ROUNDS} rounds); floor: the empty job",
                   floors[1:], {"nightly tracker (same day again)": times, "first run (1)": [first * 1000]})

        # The 903 import.
        folder = Path(tempfile.mkdtemp())
        extracts = []  # the same children (ids) with two different histories, imported in turn
        for seed in (903, 904):
            paths = write_synthetic_903(folder / str(seed), children, seed=seed)[:3]
            extracts.append({role: (path.name, path.read_bytes())
                             for role, path in zip(("header", "episodes", "reviews"), paths)})
        floors, times, first = [], [], None
        for n in range(1 + IMPORT_ROUNDS):
            with tenant_context(tenant_id):
                blob, names = pack(extracts[n % 2])
                run = ImportRun(kind=ImportKind.SSDA903, status=ImportStatus.QUEUED, all_or_nothing=False,
                                uploads=blob, file_names=names, errors=[])
                db.session.add(run)
                commit()
                run_id = run.id
            db.session.remove()
            floors.append(floor())
            elapsed, _ = job("permanence.imports.jobs:run_import_job", run_id)
            with tenant_context(tenant_id):
                run = db.session.get(ImportRun, run_id)
                assert run.status == ImportStatus.DONE and run.result["written"], (run.status, run.result)
                result = dict(run.result)
                dfe = result["dfe"]
                db.session.rollback()
            print(f"  903 import {n + 1}: {elapsed:.1f} s, {result['created']} created, {result['updated']} updated, "
                  f"DfE rules ran: {dfe['ran']}, {dfe['count']} findings {(dfe['message'] or '')[:50]}")
            if n == 0:
                first = elapsed * 1000
                refresh_statistics()
            else:
                times.append(elapsed * 1000)
        print_rows(f"{slug}: SSDA903 import of {children:,} synthetic children ({IMPORT_ROUNDS} re-imports after "
                   f"the first); floor: the empty job", floors,
                   {"903 re-import (every child changed)": times, "first import (1, creates them)": [first]})
    Redis.from_url(REDIS).flushdb()


if __name__ == "__main__":
    main()
