"""Benchmark: the tracker spreadsheet import and export, rows per second.

Builds a synthetic workbook of N rows (case numbers and made-up names only) in seed 001's
layout (tenants/permanence-panel-pptm), imports it into a fresh council, imports it again
(nothing changes), imports a copy where every child's legal status moved on, and exports the
tracker as XLSX, with the tenant scope, checks and audit in the path, committing as the CLI does.

    .venv/bin/python benchmarks/import_tracker.py                  # SQLite in a temp folder
    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench .venv/bin/python benchmarks/import_tracker.py

``BENCH_DATABASE_URL``'s public schema is dropped and re-created: point it at a scratch database.
``BENCH_ROWS`` sets N (default 2000).
"""

from __future__ import annotations

import io
import os
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from _database import fresh_database_url

ROWS = int(os.environ.get("BENCH_ROWS", "2000"))
REPO = Path(__file__).resolve().parents[1]
HEADINGS = ["FWi number", "Child's name", "Date of birth", "Date became looked after", "Legal status",
            "Legal status date", "Permanence plan", "Parallel plan", "Plan agreed", "Placement type"]


def workbook(moved_on: bool = False) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Permanence tracker")
    sheet.append(HEADINGS)
    for n in range(ROWS):
        entered = date(2023, 1, 2) + timedelta(days=n % 500)
        status = ("Placement Order", entered + timedelta(days=300)) if moved_on else ("Care Order", entered)
        sheet.append([f"FWI-{n:06d}", f"Child{n} Fictional", date(2012, 1, 1) + timedelta(days=n % 3000), entered,
                      status[0], status[1], "Adoption", "SGO", entered + timedelta(days=40), "U6"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def main() -> None:
    from flask_migrate import upgrade

    from permanence.app import create_app
    from permanence.cases.models import Child
    from permanence.core.context import tenant_context
    from permanence.core.jobs import commit
    from permanence.exports.services import as_xlsx, children_for_export, tracker_rows
    from permanence.extensions import db
    from permanence.imports.tracker_sheet import import_tracker
    from permanence.tor.services import load_folder, tracker_layout
    from sqlalchemy import select

    folder = Path(tempfile.mkdtemp())
    url = fresh_database_url(folder)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    first, later = workbook(), workbook(moved_on=True)
    with app.app_context():
        upgrade()
        tenant, _ = load_folder(REPO / "tenants" / "permanence-panel-pptm", slug="bench")
        tenant_id = tenant.id
        commit()
        print(f"{ROWS} synthetic rows ({len(first) // 1024} KB), {url.split(':')[0]}")
        with tenant_context(tenant_id):
            layout = tracker_layout(tenant_id)
        for run, data in (("first import", first), ("re-import", first), ("moved on", later)):
            with tenant_context(tenant_id):
                start = time.perf_counter()
                result = import_tracker(data, "tracker.xlsx", layout)
                commit()
                elapsed = time.perf_counter() - start
            assert result.written and not result.errors, [str(e) for e in result.errors[:5]]
            print(f"{run:13} {elapsed:6.2f} s  {ROWS / elapsed:7.0f} rows/second "
                  f"({result.created} created, {result.updated} updated, {result.unchanged} unchanged)")
        with tenant_context(tenant_id):
            start = time.perf_counter()
            rows = tracker_rows(children_for_export(select(Child)), layout, date.today())
            data = as_xlsx(layout, rows)
            elapsed = time.perf_counter() - start
            db.session.rollback()
        print(f"{'export xlsx':13} {elapsed:6.2f} s  {len(rows) / elapsed:7.0f} rows/second ({len(data) // 1024} KB)")


if __name__ == "__main__":
    main()
