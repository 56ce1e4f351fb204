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

from datetime import timedelta
import os
import statistics
import time

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))


def main() -> None:
    from sqlalchemy import event, func, select

    from permanence.accounts.models import User
    from permanence.accounts.roles import ROLES
    from permanence.accounts.services import create_api_token
    from permanence.app import create_app
    from permanence.cases.models import Child, Review
    from permanence.core.clock import london_today
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.extensions import db
    from permanence.panels.models import AgendaItem, ItemStatus, Meeting
    from permanence.tenancy.models import Tenant
    from permanence.tracker.jobs import nightly_tracker_job
    from permanence.tracker.services import recompute_milestones

    url = os.environ["BENCH_DATABASE_URL"]
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "MAIL_ECHO": False,
                      "RATELIMIT_ENABLED": False})
    today = london_today()
    councils = []
    with app.app_context():
        sizes = []
        for tenant in db.session.execute(select(Tenant).where(Tenant.slug.like("national-%"))).scalars().all():
            with tenant_context(tenant.id):
                sizes.append((db.session.execute(select(func.count(Child.id))).scalar_one(), tenant.slug, tenant.id))
        sizes.sort()
        total = sum(n for n, _, _ in sizes)
        chosen = [sizes[-1], sizes[len(sizes) // 10]]  # the largest; one of the smaller tenth
        print(f"{len(sizes)} councils, {total:,} children; measuring {chosen[0][1]} ({chosen[0][0]:,} children) "
              f"and {chosen[1][1]} ({chosen[1][0]:,}); {db.engine.dialect.name}; {ROUNDS} rounds a page")
        for children, slug, tenant_id in chosen:
            with tenant_context(tenant_id):
                if not os.environ.get("BENCH_SKIP_NIGHTLY"):
                    for label in ("first run of the day", "same day again"):
                        start = time.perf_counter()
                        summary = nightly_tracker_job(today.isoformat())
                        commit()
                        elapsed = time.perf_counter() - start
                        print(f"  nightly tracker, {slug}, {label}: {elapsed:7.1f} s, "
                              f"{elapsed / children * 1000:6.1f} ms a child ({summary['created']} created, "
                              f"{summary['updated']} updated)")
                ids = db.session.execute(select(Child.id).order_by(Child.id)).scalars().all()
                timings = []
                for child_id in ids[:: max(1, len(ids) // 40)][:40]:
                    child = db.session.get(Child, child_id)
                    start = time.perf_counter()
                    recompute_milestones(child, today)
                    db.session.flush()
                    timings.append((time.perf_counter() - start) * 1000)
                db.session.rollback()
                print(f"  one child's recompute, {slug}: median {statistics.median(timings):6.1f} ms, "
                      f"max {max(timings):6.1f} ms ({len(timings)} children)")
                users = {role: db.session.execute(select(User).where(
                    User.email == f"{role.replace('_', '.')}@{slug}.example.org")).scalar_one() for role in ROLES}
                busiest = db.session.execute(select(Review.child_id).group_by(Review.child_id).order_by(
                    func.count(Review.id).desc(), Review.child_id).limit(1)).scalar_one()
                agenda = db.session.execute(
                    select(Meeting.id).join(AgendaItem).where(Meeting.date >= today,
                                                              AgendaItem.status == ItemStatus.BOOKED)
                    .order_by(Meeting.date).limit(1)).scalar_one()
                heard = db.session.execute(select(AgendaItem.id).where(AgendaItem.status == ItemStatus.HEARD)
                                           .order_by(AgendaItem.id.desc()).limit(1)).scalar_one()
                _, secret = create_api_token(users["panel_administrator"], "benchmark")
                commit()
                councils.append({"slug": slug, "children": children, "users": {r: u.get_id() for r, u in users.items()},
                                 "child": busiest, "agenda": agenda, "item": heard, "token": secret,
                                 "owner": users["social_worker"].id})
        engine = db.engine

    statements: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cursor, stmt, *a: statements.append(stmt))
    client = app.test_client()

    def as_user(session_id):
        with client.session_transaction() as session:
            session.clear()
            session["_user_id"] = session_id
            session["_fresh"] = True
            session["seen"] = time.time()

    def timed(request):
        statements.clear()
        start = time.perf_counter()
        response = request()
        elapsed = (time.perf_counter() - start) * 1000
        return elapsed, len(statements), response.status_code

    for council in councils:
        slug, users = council["slug"], council["users"]
        pages = [(f"home ({role.replace('_', ' ')})", role, f"/{slug}/") for role in ROLES]
        pages += [
            ("tracker, first page", "chair", f"/{slug}/tracker/"),
            ("tracker, drift filter", "chair", f"/{slug}/tracker/?drift=y&sort=legal_status"),
            ("child record (most reviews)", "panel_administrator", f"/{slug}/children/{council['child']}"),
            ("agenda (next sitting)", "panel_administrator", f"/{slug}/meetings/{council['agenda']}/agenda"),
            ("meetings list", "panel_administrator", f"/{slug}/meetings/"),
            ("referrals", "panel_administrator", f"/{slug}/referrals/"),
        ]
        headers = {"Authorization": f"Bearer {council['token']}"}
        due = (today + timedelta(days=14)).isoformat()
        api = [
            ("API children list", lambda: client.get(f"/{slug}/api/v1/children/", headers=headers)),
            ("API POST action", lambda: client.post(
                f"/{slug}/api/v1/agenda-items/{council['item']}/actions", headers=headers,
                json={"description": "Send the benchmark's placement plan to the IRO by the due date",
                      "owner_id": council["owner"], "due_on": due})),
        ]
        rows = {}
        floor = []
        for n in range(ROUNDS):
            for name, role, path in pages:
                as_user(users[role])
                floor.append(timed(lambda: client.get("/health"))[0])
                rows.setdefault(name, []).append(timed(lambda: client.get(path)))
            for name, request in api:
                floor.append(timed(lambda: client.get("/health"))[0])
                rows.setdefault(name, []).append(timed(request))
        floor_median = statistics.median(floor)
        print(f"\n{slug} ({council['children']:,} children); floor GET /health: median {floor_median:.2f} ms, "
              f"p95 {_p95(floor):.2f} ms")
        print(f"  {'page':34} {'median ms':>10} {'p95 ms':>8} {'x floor':>8} {'SQL':>5}  status")
        for name, samples in rows.items():
            times = [s[0] for s in samples[1:]] or [samples[0][0]]  # the first round warms caches
            statuses = sorted({s[2] for s in samples})
            print(f"  {name:34} {statistics.median(times):10.1f} {_p95(times):8.1f} "
                  f"{statistics.median(times) / floor_median:8.0f} {samples[-1][1]:5}  {statuses}")


def _p95(values):
    values = sorted(values)
    return values[max(0, int(round(len(values) * 0.95)) - 1)]


if __name__ == "__main__":
    main()
