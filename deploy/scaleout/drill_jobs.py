"""The job the scale-out drill queues (deploy/scaleout/drill.py), run by the real workers through
``core.jobs``: it takes a moment, then writes one row naming its number and the work horse that ran
it. The row commits with the job (``core.jobs.run_job``), so one row per number means the job
completed exactly once; the drill's table is made by the drill in its scratch database only."""

from __future__ import annotations

import os
import time

from sqlalchemy import text

from permanence.extensions import db

TABLE = "scaleout_drill_runs"


def write_row(n: int, seconds: float = 0.5) -> None:
    time.sleep(seconds)
    db.session.execute(text(f"INSERT INTO {TABLE} (n, pid) VALUES (:n, :pid)"), {"n": n, "pid": os.getpid()})
