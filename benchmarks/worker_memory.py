"""Benchmark: the peak memory of the worker process running the largest council's nightly tracker
job and an SSDA903 import of as many children, against the floor of an empty job in the same worker.

    createdb -h 127.0.0.1 -U postgres -T bench benchd_copy        # a copy: this writes
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/benchd_copy \\
        .venv/bin/python benchmarks/worker_memory.py

Starts ``permanence jobs worker --queues nightly`` (periodic and imports, the deploy's worker for the
night's work) on ``BENCH_REDIS_URL`` (default db 15, emptied before and after), and queues through
``core.jobs.enqueue`` and the outbox, one job at a time: rounds of the floor (``_jobprobe.empty``)
then the nightly tracker run for today; then rounds of the floor then a 903 import
(``imports.jobs.run_import_job``; the same extracts as ``jobs_largest.py``, in turn). Each job is wrapped in ``_jobprobe.peak``, which reads
the work horse's ``/proc/self/status``: RQ forks a horse per job, so its VmHWM at the end is that
job's peak resident memory (the worker's pages it shares counted too, as the kernel counts them);
the DfE rules' subprocess is its own process and shown apart (its ``ru_maxrss``). The jobs the import
queues on ``default`` (milestone recomputes) are not served here and are dropped at the end.

``BENCH_ROUNDS`` (default 3), ``BENCH_SLUG`` (default the largest ``national-`` council).
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys
import tempfile
import time

from _stats import median, memory_kb

REPO = Path(__file__).resolve().parents[1]
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")


def main() -> None:
    from redis import Redis
    from rq.job import Job
    from sqlalchemy import select

    from _daily import councils_by_size
    from _jobprobe import peak
    from permanence.app import create_app
    from permanence.cases.synthetic import write_synthetic_903
    from permanence.core.clock import london_today
    from permanence.core.context import tenant_context
    from permanence.core.jobs import OutboxJob, commit, enqueue
    from permanence.extensions import db
    from permanence.imports.models import ImportKind, ImportRun, ImportStatus, pack

    url = os.environ["BENCH_DATABASE_URL"]
    redis = Redis.from_url(REDIS)
    redis.flushdb()
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_ECHO": False,
                      "REDIS_URL": REDIS})
    today = london_today().isoformat()
    env = {**os.environ, "DATABASE_URL": url, "REDIS_URL": REDIS, "SECRET_KEY": "bench", "MAIL_ECHO": "0",
           "PYTHONPATH": f"{REPO / 'platform'}:{REPO / 'benchmarks'}"}
    worker = subprocess.Popen([str(Path(sys.executable).parent / "permanence"), "jobs", "worker", "--queues", "nightly"],
                              env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        with app.app_context():
            children, slug, tenant_id = (next(s for s in councils_by_size(db) if s[1] == os.environ["BENCH_SLUG"])
                                         if os.environ.get("BENCH_SLUG") else councils_by_size(db)[-1])
            print(f"{slug} ({children:,} children); worker pid {worker.pid}: permanence jobs worker --queues nightly")
            folder = Path(tempfile.mkdtemp())
            extracts = []
            for seed in (903, 904):
                paths = write_synthetic_903(folder / str(seed), children, seed=seed)[:3]
                extracts.append({role: (path.name, path.read_bytes())
                                 for role, path in zip(("header", "episodes", "reviews"), paths)})

            def run(queue: str, path: str, *args) -> tuple[float, dict]:
                with tenant_context(tenant_id):
                    enqueue(peak, path, *args, queue=queue, timeout=3600, retries=0)
                    commit()
                    outbox = db.session.execute(select(OutboxJob.id).order_by(OutboxJob.id.desc()).limit(1)).scalar_one()
                    db.session.rollback()
                job_id = f"{app.config.get('RQ_QUEUE_PREFIX', 'permanence')}-outbox-{outbox}"
                start = time.monotonic()
                while True:
                    job = Job.fetch(job_id, connection=redis)
                    status = job.get_status()
                    if status == "finished":
                        return time.monotonic() - start, job.return_value()
                    if status in ("failed", "stopped", "canceled"):
                        raise SystemExit(f"{path} {status}: {job.latest_result().exc_string if job.latest_result() else ''}")
                    if worker.poll() is not None:
                        raise SystemExit("the worker stopped")
                    time.sleep(0.2)

            samples: dict[str, list[dict]] = {"floor (empty job)": [], "nightly tracker": [], "903 import": []}
            first = {}
            # The nightly runs first, all on the council as generated; then the imports (the first one
            # adds the synthetic children to the council). Round 0 of each is shown apart.
            for n in range(ROUNDS + 1):
                _, result = run("periodic", "_jobprobe:empty")
                samples["floor (empty job)"].append(result)
                took, result = run("periodic", "permanence.tracker.jobs:nightly_tracker_job", today)
                print(f"  round {n}: nightly {took:6.1f} s, peak {result['hwm_kb'] / 1024:6.1f} MB "
                      f"(from {result['hwm_before_kb'] / 1024:.1f}); {result['result']['created']} created")
                (samples["nightly tracker"].append(result) if n else first.setdefault("nightly tracker", result))
            for n in range(ROUNDS + 1):
                _, result = run("periodic", "_jobprobe:empty")
                samples["floor (empty job)"].append(result)
                with tenant_context(tenant_id):
                    blob, names = pack(extracts[n % 2])
                    import_run = ImportRun(kind=ImportKind.SSDA903, status=ImportStatus.QUEUED, all_or_nothing=False,
                                           uploads=blob, file_names=names, errors=[])
                    db.session.add(import_run)
                    commit()
                    run_id = import_run.id
                took, result = run("imports", "permanence.imports.jobs:run_import_job", run_id)
                with tenant_context(tenant_id):
                    done = db.session.get(ImportRun, run_id)
                    assert done.status == ImportStatus.DONE and done.result["written"], (done.status, done.result)
                    summary = f"{done.result['created']} created, {done.result['updated']} updated, DfE rules ran: " \
                              f"{done.result['dfe']['ran']}"
                    db.session.rollback()
                print(f"  round {n}: 903 import {took:6.1f} s, peak {result['hwm_kb'] / 1024:6.1f} MB "
                      f"(from {result['hwm_before_kb'] / 1024:.1f}), DfE rules' process "
                      f"{result['children_maxrss_kb'] / 1024:.1f} MB; {summary}")
                (samples["903 import"].append(result) if n else first.setdefault("903 import", result))
            parent = memory_kb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(timeout=60)
        redis.flushdb()
    base = median([s["hwm_kb"] for s in samples["floor (empty job)"]]) / 1024
    print(f"\npeak resident memory (VmHWM) of the work horse, MB; the worker itself (the horses' parent): "
          f"{parent['VmRSS'] / 1024:.1f} MB now, {parent['VmHWM'] / 1024:.1f} MB at most")
    print(f"  {'job':40} {'n':>3} {'median MB':>10} {'max MB':>8} {'x floor':>8} {'DfE rules MB':>13}")
    rows = list(samples.items()) + [(f"{name}, first run", [result]) for name, result in first.items()]
    for name, results in rows:
        if not results:
            continue
        peaks = [r["hwm_kb"] / 1024 for r in results]
        dfe = max(r["children_maxrss_kb"] for r in results) / 1024
        print(f"  {name:40} {len(peaks):>3} {median(peaks):10.1f} {max(peaks):8.1f} {median(peaks) / base:8.2f} "
              f"{dfe:13.1f}")




if __name__ == "__main__":
    main()
