"""The pages each role opens daily, as ``pages.py`` and ``alone_vs_among.py`` request them: finding
a council's people and records, signing in through the test client, timing one request with the SQL
statements it ran."""

from __future__ import annotations

from datetime import timedelta
import time


def councils_by_size(db) -> list[tuple[int, str, int]]:
    """``(children, slug, tenant id)`` of every ``national-`` council, smallest first."""
    from sqlalchemy import func, select

    from permanence.cases.models import Child
    from permanence.core.context import tenant_context
    from permanence.tenancy.models import Tenant

    sizes = []
    for tenant in db.session.execute(select(Tenant).where(Tenant.slug.like("national-%"))).scalars().all():
        with tenant_context(tenant.id):
            sizes.append((db.session.execute(select(func.count(Child.id))).scalar_one(), tenant.slug, tenant.id))
    return sorted(sizes)


def prepare(db, slug: str, tenant_id: int, children: int, today, *, nightly: bool, recompute: bool,
            echo=print) -> dict:
    """In the council's scope: the nightly tracker run (twice: the first run of the day and again,
    timed and printed) and one child's recompute (40 children), when asked; then its people, its
    child with the most reviews, its next sitting with booked items, a heard item and an API token
    (committed). Returns what ``daily_requests`` needs."""
    import statistics

    from sqlalchemy import func, select

    from permanence.accounts.models import User
    from permanence.accounts.roles import ROLES
    from permanence.accounts.services import create_api_token
    from permanence.cases.models import Child, Review
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.panels.models import AgendaItem, ItemStatus, Meeting
    from permanence.tracker.jobs import nightly_tracker_job
    from permanence.tracker.services import recompute_milestones

    out = {"slug": slug, "children": children, "nightly": []}
    with tenant_context(tenant_id):
        if nightly:
            for label in ("first run of the day", "same day again"):
                start = time.perf_counter()
                summary = nightly_tracker_job(today.isoformat())
                commit()
                elapsed = time.perf_counter() - start
                out["nightly"].append(elapsed)
                echo(f"  nightly tracker, {slug}, {label}: {elapsed:7.1f} s, "
                     f"{elapsed / children * 1000:6.1f} ms a child ({summary['created']} created, "
                     f"{summary['updated']} updated)")
        if recompute:
            ids = db.session.execute(select(Child.id).order_by(Child.id)).scalars().all()
            timings = []
            for child_id in ids[:: max(1, len(ids) // 40)][:40]:
                child = db.session.get(Child, child_id)
                start = time.perf_counter()
                recompute_milestones(child, today)
                db.session.flush()
                timings.append((time.perf_counter() - start) * 1000)
            db.session.rollback()
            echo(f"  one child's recompute, {slug}: median {statistics.median(timings):6.1f} ms, "
                 f"max {max(timings):6.1f} ms ({len(timings)} children)")
        users = {role: db.session.execute(select(User).where(
            User.email == f"{role.replace('_', '.')}@{slug}.example.org")).scalar_one() for role in ROLES}
        busiest = db.session.execute(select(Review.child_id).group_by(Review.child_id).order_by(
            func.count(Review.id).desc(), Review.child_id).limit(1)).scalar_one()
        agenda = db.session.execute(
            select(Meeting.id).join(AgendaItem).where(Meeting.date >= today, AgendaItem.status == ItemStatus.BOOKED)
            .order_by(Meeting.date).limit(1)).scalar_one()
        heard = db.session.execute(select(AgendaItem.id).where(AgendaItem.status == ItemStatus.HEARD)
                                   .order_by(AgendaItem.id.desc()).limit(1)).scalar_one()
        _, secret = create_api_token(users["panel_administrator"], "benchmark")
        commit()
        out.update(users={r: u.get_id() for r, u in users.items()}, child=busiest, agenda=agenda, item=heard,
                   token=secret, owner=users["social_worker"].id)
    return out


def daily_requests(client, council: dict, today) -> list[tuple[str, str | None, object]]:
    """``(name, role signed in or None, request)`` for each daily page: every role's home, the
    tracker, the child record, the agenda, the meetings list, referrals, and two API calls."""
    from permanence.accounts.roles import ROLES

    slug = council["slug"]
    pages = [(f"home ({role.replace('_', ' ')})", role, f"/{slug}/") for role in ROLES]
    pages += [
        ("tracker, first page", "chair", f"/{slug}/tracker/"),
        ("tracker, drift filter", "chair", f"/{slug}/tracker/?drift=y&sort=legal_status"),
        ("child record (most reviews)", "panel_administrator", f"/{slug}/children/{council['child']}"),
        ("agenda (next sitting)", "panel_administrator", f"/{slug}/meetings/{council['agenda']}/agenda"),
        ("meetings list", "panel_administrator", f"/{slug}/meetings/"),
        ("referrals", "panel_administrator", f"/{slug}/referrals/"),
    ]
    out = [(name, role, (lambda path=path: client.get(path))) for name, role, path in pages]
    headers = {"Authorization": f"Bearer {council['token']}"}
    due = (today + timedelta(days=14)).isoformat()
    out += [
        ("API children list", None, lambda: client.get(f"/{slug}/api/v1/children/", headers=headers)),
        ("API POST action", None, lambda: client.post(
            f"/{slug}/api/v1/agenda-items/{council['item']}/actions", headers=headers,
            json={"description": "Send the benchmark's placement plan to the IRO by the due date",
                  "owner_id": council["owner"], "due_on": due})),
    ]
    return out


def sign_in(client, session_id) -> None:
    with client.session_transaction() as session:
        session.clear()
        session["_user_id"] = session_id
        session["_fresh"] = True
        session["seen"] = time.time()


def timed(request, statements: list) -> tuple[float, int, int]:
    """``(ms, SQL statements, status)`` of one request; ``statements`` is the list an engine's
    ``before_cursor_execute`` listener appends to."""
    statements.clear()
    start = time.perf_counter()
    response = request()
    elapsed = (time.perf_counter() - start) * 1000
    return elapsed, len(statements), response.status_code
