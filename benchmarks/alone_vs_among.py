"""Benchmark: the same council's daily pages alone in its database and among the others of a national
data set, interleaved in one run, each against the floor (``GET /health``) of its own database.

    permanence demo national --size national --only largest     # DATABASE_URL=benchd_alone: the council alone
    createdb -h 127.0.0.1 -U postgres -T bench benchd_copy       # the national set (copied: this writes)
    BENCH_ALONE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/benchd_alone \\
    BENCH_AMONG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/benchd_copy \\
        .venv/bin/python benchmarks/alone_vs_among.py

``--only`` builds the council of the same number, size, ToR and rows (same seed, same day) as in the
whole set, so the two differ only in the other councils around it. Two apps in one process, each on
its database; every round opens each page in both, the floor before each page, alone first in even
rounds and among first in odd ones. Before timing, the council's nightly tracker run in each database
(twice, printed: it writes the milestones the generator left to it) then ``ANALYZE`` (as autovacuum
would after such a write; the two databases compared on fresh planner statistics), an API token, and
the POST's actions: both databases are written to, so the national one must be a copy.

``BENCH_ROUNDS`` (default 15; the first not counted); ``BENCH_SLUG`` (default the council alone).
Prints per page: median and p95 in each database, each median's ratio to its own floor, the ratio
among / alone, and the SQL statements of the last round in each.
"""

from __future__ import annotations

import os

from _daily import councils_by_size, daily_requests, prepare, sign_in, timed
from _stats import median, p95

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def main() -> None:
    from sqlalchemy import event

    from permanence.app import create_app
    from permanence.core.clock import london_today
    from permanence.demo.national import refresh_statistics
    from permanence.extensions import db

    today = london_today()
    sides = {}
    for side, variable in (("alone", "BENCH_ALONE_URL"), ("among", "BENCH_AMONG_URL")):
        app = create_app({"SQLALCHEMY_DATABASE_URI": os.environ[variable], "SECRET_KEY": "bench",
                          "MAIL_ECHO": False, "RATELIMIT_ENABLED": False})
        with app.app_context():
            sizes = councils_by_size(db)
            slug = os.environ.get("BENCH_SLUG") or (sides["alone"]["slug"] if side == "among" else sizes[-1][1])
            children, slug, tenant_id = next(s for s in sizes if s[1] == slug)
            print(f"{side}: {len(sizes)} councils, {sum(s[0] for s in sizes):,} children; {slug} "
                  f"({children:,} children); {db.engine.dialect.name}")
            council = prepare(db, slug, tenant_id, children, today, nightly=True, recompute=False)
            refresh_statistics()  # the nightly run wrote the milestones: both databases planned on fresh statistics
            statements: list[str] = []
            event.listen(db.engine, "before_cursor_execute",
                         lambda conn, cursor, stmt, *a, statements=statements: statements.append(stmt))
        client = app.test_client()
        sides[side] = {"slug": slug, "council": council, "client": client, "statements": statements,
                       "requests": daily_requests(client, council, today), "floor": [], "rows": {}}
    if sides["alone"]["council"]["children"] != sides["among"]["council"]["children"]:
        print("NOTE: the council has a different number of children in the two databases")

    names = [name for name, _, _ in sides["alone"]["requests"]]
    for n in range(ROUNDS):
        order = ("alone", "among") if n % 2 == 0 else ("among", "alone")
        for index in range(len(names)):
            for side in order:
                s = sides[side]
                name, role, request = s["requests"][index]
                client = s["client"]
                if role:
                    sign_in(client, s["council"]["users"][role])
                floor = timed(lambda: client.get("/health"), s["statements"])[0]
                sample = timed(request, s["statements"])
                if n:  # the first round warms caches
                    s["floor"].append(floor)
                    s["rows"].setdefault(name, []).append(sample)

    alone, among = sides["alone"], sides["among"]
    fa, fm = median(alone["floor"]), median(among["floor"])
    print(f"\n{alone['slug']} ({alone['council']['children']:,} children), {ROUNDS - 1} rounds counted; floor GET "
          f"/health: alone median {fa:.2f} ms (p95 {p95(alone['floor']):.2f}), among median {fm:.2f} ms "
          f"(p95 {p95(among['floor']):.2f})")
    print(f"  {'page':30} {'alone med':>10} {'p95':>8} {'x floor':>8} {'among med':>10} {'p95':>8} {'x floor':>8} "
          f"{'among/alone':>12} {'SQL alone/among':>16}  status")
    for name in names:
        a = [t for t, _, _ in alone["rows"][name]]
        m = [t for t, _, _ in among["rows"][name]]
        statuses = sorted({s for _, _, s in alone["rows"][name]} | {s for _, _, s in among["rows"][name]})
        print(f"  {name:30} {median(a):10.1f} {p95(a):8.1f} {median(a) / fa:8.1f} {median(m):10.1f} {p95(m):8.1f} "
              f"{median(m) / fm:8.1f} {median(m) / median(a):12.2f} "
              f"{str(alone['rows'][name][-1][1]) + '/' + str(among['rows'][name][-1][1]):>16}  {statuses}")


if __name__ == "__main__":
    main()
