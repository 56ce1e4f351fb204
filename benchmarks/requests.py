"""Benchmark: how long the pages a member opens most take, with the tenant scope, object rules
and audit in the path.

Creates two councils of N synthetic children each in a fresh database, then times the home page,
the children list and a child's record (an audited read) through the test client.

    .venv/bin/python benchmarks/requests.py                   # SQLite in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/requests.py

Prints the median and 95th percentile per page in milliseconds.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path

from _database import fresh_database_url

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "5000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "50"))


def main() -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert, text

    from permanence.accounts.models import Membership, User
    from permanence.app import create_app
    from permanence.cases.models import Child
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.extensions import db
    from permanence.tenancy.models import Tenant, TenantStatus

    url = fresh_database_url(Path(tempfile.mkdtemp()))
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        tenants = [Tenant(slug=f"bench-{n}", name=f"Bench {n}", status=TenantStatus.ACTIVE) for n in (1, 2)]
        db.session.add_all(tenants)
        user = User(email="bench@example.org", name="Bench", password_hash="x")
        db.session.add(user)
        commit()
        for tenant in tenants:
            with tenant_context(tenant.id):
                db.session.execute(insert(Child), [
                    {"tenant_id": tenant.id, "case_number": f"B{n:06d}", "first_name": "Fictional",
                     "last_name": f"Child{n}", "date_of_birth": date(2015, 1, 1), "social_worker_id": user.id}
                    for n in range(CHILDREN)])
                membership = Membership(user_id=user.id)
                db.session.add(membership)
                db.session.flush()
                membership.set_roles(["social_worker"])
                commit()
        with tenant_context(tenants[0].id):
            child_id = db.session.execute(text("SELECT min(id) FROM child")).scalar_one()
            db.session.rollback()
        user_id = user.id
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(user_id)
        session["seen"] = time.time()
    pages = {"home": "/bench-1/", "children list": "/bench-1/children/?page=3",
             "child record (audited read)": f"/bench-1/children/{child_id}"}
    print(f"{CHILDREN} children per council, 2 councils, {ROUNDS} rounds, {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
    for name, path in pages.items():
        timings = []
        for _ in range(ROUNDS):
            start = time.perf_counter()
            response = client.get(path)
            timings.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        timings.sort()
        print(f"  {name:30} median {statistics.median(timings):7.1f} ms   p95 {timings[int(len(timings) * 0.95) - 1]:7.1f} ms")


if __name__ == "__main__":
    main()
