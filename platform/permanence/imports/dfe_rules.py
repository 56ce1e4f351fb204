"""The DfE's own SSDA903 validation rules, run before a 903 import and shown beside the
platform's checks (issue #15).

The rules are the DfE's published validator (``csc-validator-be-903``, import name
``lac_validator``), pinned in ``deploy/dfe903-requirements.txt``. It needs pandas < 2,
numpy < 1.25 and rich < 14, which the platform's own environment cannot hold (schemathesis
pins a newer rich), so ``make install`` builds it a virtualenv of its own (``.venv-903``) and
it runs there as a subprocess (``dfe903_runner.py``): the tables go in as JSON on stdin, the
findings come back as JSON on stdout. The subprocess has a timeout and a memory limit, so a
crash, a hang or a file that upsets it is a line in the report ("The DfE's rules could not be
run: ...") and never stops the import. The council's import policy (``tor.yaml``
``imports.dfe_rules_that_block``) names the rules whose findings keep a child out.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import resource
import signal
import subprocess
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from flask import current_app

from ..cases.imports import Extract, RowError
from ..core.clock import london_today
from ..core.tables import decode_csv
from ..tor import dfe903
from ..tor.services import import_policy

log = logging.getLogger(__name__)

RUNNER = Path(__file__).with_name("dfe903_runner.py")
MAX_STORED_FINDINGS = 5000  # a run keeps the first ones; the rest are counted
# The platform's name for each uploaded table -> the validator's. Any of the validator's own
# table names is also taken as it is.
ROLE_TABLES = {"header": "Header", "episodes": "Episodes", "reviews": "Reviews", "uasc": "UASC",
               "oc2": "OC2", "oc3": "OC3", "ad1": "AD1", "placed_adoption": "PlacedAdoption",
               "prev_perm": "PrevPerm", "missing": "Missing", "sw_episodes": "SWEpisodes", "dolo": "DoLo"}
VALIDATOR_TABLES = frozenset(ROLE_TABLES.values())
# Columns whose dates say which collection year an extract is for.
YEAR_COLUMNS = {"Episodes": ("DECOM", "DEC"), "Reviews": ("REVIEW",)}
NOT_RUN = "The DfE's rules were not run: "
COULD_NOT_RUN = "The DfE's rules could not be run: "


@dataclass(frozen=True)
class DfeFinding:
    """One row a DfE rule flags. ``row`` counts as the platform's reports do (header = row 1)."""

    file: str
    row: int | None
    child: str | None
    rule: str
    description: str
    columns: tuple[str, ...] = ()
    blocks: bool = False

    def as_dict(self) -> dict:
        return {"file": self.file, "row": self.row, "child": self.child, "rule": self.rule,
                "description": self.description, "columns": list(self.columns), "blocks": self.blocks}

    def row_error(self) -> RowError:
        """The platform's error for a blocking finding: its child is left out of the import."""
        return RowError(self.file, self.row or 0, f"DfE rule {self.rule}: {self.description} "
                        "(blocks this child under the council's import policy)", self.child or None,
                        ", ".join(self.columns) or None)


@dataclass
class DfeReport:
    """What the DfE's rules said about an extract, or why they could not say."""

    year: str | None
    ran: bool
    message: str
    findings: list[DfeFinding] = field(default_factory=list)
    rule_pack: str | None = None

    @property
    def year_label(self) -> str | None:
        return dfe903.year_label(self.year) if self.year else None

    def apply_policy(self, blocking: tuple[str, ...] | list[str]) -> list[RowError]:
        """Mark the findings of the council's blocking rules and return them as the platform's
        row errors (which keep their children out); a blocking rule this year's pack lacks is noted."""
        if not self.ran or not blocking:
            return []
        missing = [code for code in blocking if self.year and code not in dfe903.rules(self.year)]
        if missing:
            self.message += (f" The council's import policy names rule{'s' if len(missing) > 1 else ''} "
                             f"{', '.join(missing)}, which the {self.year_label} rule set does not have, "
                             "so {} nothing this year.".format("they block" if len(missing) > 1 else "it blocks"))
        wanted = set(blocking)
        self.findings = [DfeFinding(f.file, f.row, f.child, f.rule, f.description, f.columns, f.rule in wanted)
                         for f in self.findings]
        return [f.row_error() for f in self.findings if f.blocks]

    def as_dict(self, limit: int = MAX_STORED_FINDINGS) -> dict:
        """For ``ImportRun.result["dfe"]``: bounded, the rest counted."""
        return {"year": self.year, "year_label": self.year_label, "rule_pack": self.rule_pack,
                "ran": self.ran, "message": self.message, "count": len(self.findings),
                "findings": [f.as_dict() for f in self.findings[:limit]],
                "more": max(0, len(self.findings) - limit)}


# --- The collection year -------------------------------------------------------------------------

def year_of(day: date) -> str:
    """The collection year (by the year it ends, as the validator names it) holding ``day``: the
    903 year runs 1 April to 31 March."""
    return str(day.year + 1 if day.month >= 4 else day.year)


def _dates(text: str, columns: tuple[str, ...]):
    lines = text.lstrip("\ufeff").splitlines()
    if not lines:
        return
    reader = csv.reader(lines)
    header = [h.strip().lstrip("\ufeff").upper() for h in next(reader, [])]
    at = [header.index(c) for c in columns if c in header]
    for values in reader:
        for i in at:
            if i < len(values):
                for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
                    try:
                        yield datetime.strptime(values[i].strip(), fmt).date()
                        break
                    except ValueError:
                        continue


def derive_collection_year(tables: dict[str, tuple[str, str]]) -> str:
    """The year holding the latest DECOM, DEC or REVIEW date of the extract, clamped to the
    years the validator has rules for (no dates: the year holding today)."""
    latest = None
    for role, (_, text) in tables.items():
        for day in _dates(text, YEAR_COLUMNS.get(_table(role) or "", ())):
            latest = day if latest is None or day > latest else latest
    year = year_of(latest or london_today())
    years = dfe903.years()
    return min(max(year, years[0]), years[-1])


def _table(role: str) -> str | None:
    if role in ROLE_TABLES:
        return ROLE_TABLES[role]
    return next((t for t in VALIDATOR_TABLES if t.lower() == role.lower()), None)


# --- Running the validator -----------------------------------------------------------------------

def _limit_memory(megabytes: int):
    def apply() -> None:  # in the child, before it runs Python
        limit = megabytes * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    return apply


def _describe_exit(code: int, stderr: str) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the validator was stopped by {name} (it may have run out of memory)"
    last = next((line.strip() for line in reversed(stderr.splitlines()) if line.strip()), "")
    return f"the validator ended with exit code {code}" + (f" ({last[:300]})" if last else "")


def run_validator(request: dict, *, python: str, timeout: float, memory_mb: int) -> dict:
    """The runner's JSON answer to ``request``; raises RuntimeError saying why there is none."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "HOME": os.environ.get("HOME", "/tmp")}
    try:  # a session of its own, so a timeout stops whatever it started too
        process = subprocess.Popen([python, "-I", str(RUNNER)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=env, cwd=str(RUNNER.parent),
                                   preexec_fn=_limit_memory(memory_mb), start_new_session=True)
    except OSError as exc:
        raise RuntimeError(f"the validator could not be started ({exc.strerror or exc})") from None
    try:
        stdout, stderr = process.communicate(json.dumps(request), timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        raise RuntimeError(f"the validator did not finish within {timeout:g} seconds, so it was stopped") from None
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    if process.returncode != 0:
        raise RuntimeError(_describe_exit(process.returncode, stderr))
    try:
        answer = json.loads(stdout)
    except ValueError:
        raise RuntimeError("the validator's answer could not be read") from None
    if not isinstance(answer, dict):
        raise RuntimeError("the validator's answer could not be read")
    if not answer.get("ok"):
        raise RuntimeError(f"the validator reported an error ({str(answer.get('error'))[:500]})")
    return answer


def check_with_dfe_rules(tables: dict[str, tuple[str, str]], collection_year: str | None = None, *,
                         local_authority: str | None = None) -> DfeReport:
    """Run the DfE's rules on ``tables`` (the platform's table name, or the validator's -> (file
    name, text)); ``collection_year`` ("2026" = 2025-26) is derived from the data when None.
    Never raises for the validator's sake: a report says what went wrong."""
    config = current_app.config
    python = config.get("DFE_903_PYTHON") or ""
    year = collection_year or derive_collection_year(tables)
    if year not in dfe903.years():
        return DfeReport(year, False, NOT_RUN + f"the validator has no rules for the collection year ending "
                                                f"March {year}; it has {', '.join(map(dfe903.year_label, dfe903.years()))}.")
    if not python or not Path(python).exists():
        return DfeReport(year, False, NOT_RUN + f"the validator is not installed on this server (no {python or 'interpreter'}"
                                                "; `make install` builds it).")
    known = {role: _table(role) for role in tables}
    request = {"year": year, "local_authority": local_authority or "",
               "tables": {known[role]: {"name": name, "text": text}
                          for role, (name, text) in tables.items() if known[role]}}
    try:
        answer = run_validator(request, python=python, timeout=config.get("DFE_903_TIMEOUT", 300),
                               memory_mb=config.get("DFE_903_MEMORY_MB", 2048))
        findings = [DfeFinding(str(f["file"]), f.get("row"), f.get("child") or None, str(f["rule"]),
                               str(f.get("description") or ""), tuple(f.get("columns") or ()))
                    for f in answer.get("findings") or ()]
    except (RuntimeError, KeyError, TypeError, ValueError) as exc:
        log.warning("the DfE's 903 rules could not be run: %s", exc)
        return DfeReport(year, False, COULD_NOT_RUN + f"{exc}. The import went ahead with the platform's own checks.")
    label = dfe903.year_label(year)
    message = (f"The DfE's {label} rules ({dfe903.package()}, rule pack {answer.get('rule_pack')}) "
               f"found {len(findings):,} problem{'s' if len(findings) != 1 else ''}.")
    failed = answer.get("rules_failed") or []
    if failed:
        message += f" Rule{'s' if len(failed) > 1 else ''} {', '.join(map(str, failed))} could not run on this extract."
    missing = answer.get("missing_columns") or {}
    for name, columns in missing.items():
        message += f" {name} has no {', '.join(columns)} column{'s' if len(columns) > 1 else ''}: the rules read them as blank."
    if not local_authority:
        message += (" The terms of reference give no ONS code for the council (imports.local_authority_code), so "
                    "rules on placements inside or outside its area cannot tell which are inside.")
    return DfeReport(year, True, message, findings, answer.get("rule_pack"))


def findings_csv_rows(dfe: dict) -> list[list]:
    """A stored report's findings as CSV rows (File, Row, Child, Rule, What the rule says, Columns, Blocks import?)."""
    return [[f["file"], f["row"] or "", f["child"] or "", f["rule"], f["description"], ", ".join(f["columns"]),
             "Yes" if f["blocks"] else "No"] for f in (dfe or {}).get("findings") or ()]



def check_extract(tenant_id: int, files: dict[str, tuple[str, bytes]], extract: Extract, *,
                  encoding: str | None = None) -> DfeReport:
    """Run the DfE's rules on a 903 import's files (``{table: (file name, bytes)}``) under the
    council's import policy; its blocking findings join ``extract``'s errors, so their children are
    left out (partial) or nothing is written (all or nothing). The web job and the CLI both use it."""
    tables = {role: (name, decode_csv(data, name, encoding)) for role, (name, data) in files.items()}
    policy = import_policy(tenant_id)
    report = check_with_dfe_rules(tables, local_authority=policy.local_authority_code)
    blocking = report.apply_policy(policy.dfe_rules_that_block)
    if blocking:
        names = [name for name, _ in files.values()]
        extract.errors.extend(blocking)
        extract.errors.sort(key=lambda e: (names.index(e.file) if e.file in names else len(names), e.row))
    return report
