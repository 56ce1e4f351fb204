"""Benchmark: the SSDA903 import, children per second, first import and a re-import.

Generates a synthetic extract of N children (ids only, no names) in a temp folder, then
imports it into a fresh council twice (the second run replaces every imported history),
with the tenant scope, validation and audit in the path, committing as the CLI does.

    .venv/bin/python benchmarks/import_903.py                  # SQLite in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/import_903.py

``BENCH_DATABASE_URL``'s public schema is dropped and re-created: point it at a scratch database.
``BENCH_CHILDREN`` sets N (default 500).
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _database import fresh_database_url

CHILDREN = int(os.environ.get("BENCH_CHILDREN", "500"))


def main() -> None:
    from flask_migrate import upgrade

    from permanence.app import create_app
    from permanence.cases.imports import import_903
    from permanence.cases.synthetic import write_synthetic_903
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.extensions import db
    from permanence.tenancy.models import Tenant, TenantStatus

    folder = Path(tempfile.mkdtemp())
    url = fresh_database_url(folder)
    header, episodes, reviews, _ = write_synthetic_903(folder / "extract", CHILDREN)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        tenant = Tenant(slug="bench", name="Bench", status=TenantStatus.ACTIVE)
        db.session.add(tenant)
        commit()
        print(f"{CHILDREN} synthetic children, {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}")
        for run in ("first import", "re-import"):
            with tenant_context(tenant.id):
                start = time.perf_counter()
                result = import_903(header, episodes, reviews)
                commit()
                elapsed = time.perf_counter() - start
            assert result.written and not result.errors, result.errors[:5]
            print(f"{run:13} {elapsed:6.2f} s  {CHILDREN / elapsed:7.0f} children/second "
                  f"({result.created} created, {result.updated} updated)")


if __name__ == "__main__":
    main()
