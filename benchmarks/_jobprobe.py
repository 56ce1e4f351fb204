"""Job functions the benchmarks run through the platform's own job path (``core.jobs.run_job``, in
the benchmark's process or in an RQ work horse): the floor job, the quarterly report, and ``peak``,
which runs any job and says how much memory its process reached.

In ``benchmarks/`` so it never ships; a worker finds it with ``benchmarks`` on its ``PYTHONPATH``."""

from __future__ import annotations

from datetime import date
import importlib
import os
import resource

from sqlalchemy import text

from _stats import memory_kb

from permanence.core.context import current_tenant_id
from permanence.extensions import db
from permanence.panels.services import panel_bodies
from permanence.reports.duties import due_reports
from permanence.reports.panel import Period, as_csv, build_report
from permanence.reports.pdf import report_pdf
from permanence.tor.services import current_tor


def empty() -> dict:
    """The floor: a job that does one SQL round trip in its council's scope and commits nothing
    (what every job pays: the tenant and actor set, a transaction, the commit)."""
    return {"one": db.session.execute(text("SELECT 1")).scalar_one()}


def quarterly_report(today: str) -> dict:
    """The quarterly report a head of service is sent: for each ``quarterly`` reporting duty of the
    council's ToR, its report on each of its bodies for the last ended financial quarter, as
    ``reports.duties.build_due_reports`` builds it (the figures, the PDF, the CSV), without keeping
    it or e-mailing anyone (so it can be run again). A ToR with no quarterly duty: every panel's."""
    tenant_id = current_tenant_id()
    tor = current_tor(tenant_id)
    day = date.fromisoformat(today)
    quarterly = {d.id for d in tor.reporting if d.frequency == "quarterly"}
    wanted = [(due.body_id, due.period) for due in due_reports(tor, day) if due.duty_id in quarterly]
    wanted = wanted or [(body.id, Period.previous_quarter(day)) for body in panel_bodies(tor)]
    out = {"reports": 0, "pdf_bytes": 0, "csv_bytes": 0, "bodies": []}
    for body_id, period in wanted:
        report = build_report(tenant_id, body_id, period)
        out["pdf_bytes"] += len(report_pdf(report))
        out["csv_bytes"] += len(as_csv(report))
        out["reports"] += 1
        out["bodies"].append(f"{body_id} {period.key}")
    return out




def peak(path: str, *args) -> dict:
    """Run the job ``path`` (``module:function``) with ``args`` and return its result with this
    process's memory before and after: VmHWM after it is the peak the process reached (an RQ work
    horse is forked per job, so that is the job's peak, the parent's pages it still shares
    included), and the largest of its finished children's (the DfE rules' subprocess)."""
    module, _, name = path.partition(":")
    function = getattr(importlib.import_module(module), name)
    before = memory_kb()
    result = function(*args)
    after = memory_kb()
    return {"pid": os.getpid(), "hwm_before_kb": before["VmHWM"], "rss_before_kb": before["VmRSS"],
            "hwm_kb": after["VmHWM"], "rss_kb": after["VmRSS"],
            "children_maxrss_kb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "result": result}
