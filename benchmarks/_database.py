"""The database a benchmark runs on: ``BENCH_DATABASE_URL`` (its public schema emptied first) or a
new SQLite file in ``folder``."""

from __future__ import annotations

import os
from pathlib import Path


def fresh_database_url(folder: Path) -> str:
    from sqlalchemy import create_engine, text

    url = os.environ.get("BENCH_DATABASE_URL")
    if not url:
        return f"sqlite:///{folder}/bench.sqlite"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    return url
