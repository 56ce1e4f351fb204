"""Benchmark: the pages each role opens daily, on a database the national generator built, for the
largest council and a small one, each page timed interleaved with the floor (``/health``, the
cheapest request the app answers) in the same run; then one child's tracker recompute and the
nightly tracker run over each of the two councils.

    permanence demo national --size national          # DATABASE_URL=the scratch database, once
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
        .venv/bin/python benchmarks/pages.py

Unlike the other benchmarks this one does NOT empty the database: it reads what the generator
wrote. It writes a little: an API token per council, the actions the POST creates, and (first)
the nightly tracker run of the two councils measured, which fills their milestones when the
generator left them to the nightly recompute. Requests go through Flask's test client in one
process (no web server, no network): the figures are the application's own time per request.

``BENCH_ROUNDS`` (default 15) requests per page; ``BENCH_SKIP_NIGHTLY=1`` skips the nightly run.
Prints, per council and page: median and 95th percentile in ms, the ratio of the median to the
floor's median, and the SQL statements the page ran (a SQLAlchemy ``before_cursor_execute`` listener).
"""

from __future__ import annotations

import os
import statistics

from _daily import councils_by_size, daily_requests, prepare, sign_in, timed
from _stats import p95 as _p95

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def main() -> None:
    from sqlalchemy import event

    from permanence.app import create_app
    from permanence.core.clock import london_today
    from permanence.extensions import db

    url = os.environ["BENCH_DATABASE_URL"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_ECHO": False,
                      "RATELIMIT_ENABLED": False})
    today = london_today()
    councils = []
    with app.app_context():
        sizes = councils_by_size(db)
        total = sum(n for n, _, _ in sizes)
        chosen = [sizes[-1], sizes[len(sizes) // 10]]  # the largest; one of the smaller tenth
        print(f"{len(sizes)} councils, {total:,} children; measuring {chosen[0][1]} ({chosen[0][0]:,} children) "
              f"and {chosen[1][1]} ({chosen[1][0]:,}); {db.engine.dialect.name}; {ROUNDS} rounds a page")
        for children, slug, tenant_id in chosen:
            councils.append(prepare(db, slug, tenant_id, children, today,
                                    nightly=not os.environ.get("BENCH_SKIP_NIGHTLY"), recompute=True))
        engine = db.engine

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, stmt, *a: statements.append(stmt))
    client = app.test_client()

    for council in councils:
        slug, users = council["slug"], council["users"]
        requests = daily_requests(client, council, today)
        rows = {}
        floor = []
        for n in range(ROUNDS):
            for name, role, request in requests:
                if role:
                    sign_in(client, users[role])
                floor.append(timed(lambda: client.get("/health"), statements)[0])
                rows.setdefault(name, []).append(timed(request, statements))
        floor_median = statistics.median(floor)
        print(f"\n{slug} ({council['children']:,} children); floor GET /health: median {floor_median:.2f} ms, "
              f"p95 {_p95(floor):.2f} ms")
        print(f"  {'page':34} {'median ms':>10} {'p95 ms':>8} {'x floor':>8} {'SQL':>5}  status")
        for name, samples in rows.items():
            times = [s[0] for s in samples[1:]] or [samples[0][0]]  # the first round warms caches
            statuses = sorted({s[2] for s in samples})
            print(f"  {name:34} {statistics.median(times):10.1f} {_p95(times):8.1f} "
                  f"{statistics.median(times) / floor_median:8.0f} {samples[-1][1]:5}  {statuses}")


if __name__ == "__main__":
    main()
