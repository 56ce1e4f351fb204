"""Readiness: may a load balancer send this process requests? (``GET /health/ready``.)

Liveness (``GET /health``) asks only whether the process answers. Readiness asks what a request
needs: the database answers, its schema is the one this code was written for (the Alembic head
of the migrations folder: a process started before ``permanence db upgrade`` ran is not ready),
and Redis answers when ``REDIS_URL`` is set. Each check is bounded by ``READINESS_TIMEOUT``
seconds, reads no council's rows, and says what failed in words with no secret in them (no
address, user or password, no traceback: the exception's type at most).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import logging

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from ..extensions import db
from . import jobs

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


@lru_cache(maxsize=4)
def code_heads(migrations_dir: str) -> frozenset[str]:
    """The Alembic head(s) of the migrations this code ships; read once per process."""
    return frozenset(ScriptDirectory(migrations_dir).get_heads())


@lru_cache(maxsize=4)
def _probe_engine(url, timeout: float) -> Engine:
    """An engine of its own for the probe, apart from the app's pool (a pool the pages have used up
    does not make the process unready, nor does the probe wait behind them): one connection, tested
    before each use and made again within a connect timeout; a second probe at the same moment
    waits at most ``timeout`` for it. One connection per process, however often probes come."""
    if url.get_backend_name() == "postgresql":
        args = {"connect_timeout": max(1, round(timeout))}
    elif url.get_backend_name() == "sqlite":
        args = {"timeout": timeout}
    else:
        args = {}
    return create_engine(url, pool_size=1, max_overflow=0, pool_timeout=timeout, pool_pre_ping=True,
                         connect_args=args)


def _database_checks(timeout: float, migrations_dir: str) -> list[Check]:
    try:
        with _probe_engine(db.engine.url, timeout).connect() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text(f"SET statement_timeout = {int(timeout * 1000)}"))
            conn.execute(text("SELECT 1"))
            database = Check("database", True, "answered")
            try:
                at = frozenset(conn.execute(text("SELECT version_num FROM alembic_version")).scalars())
            except Exception as exc:  # noqa: BLE001 - no table: never migrated
                log.warning("readiness: alembic_version unreadable (%s)", type(exc).__name__)
                return [database, Check("schema", False, "no migration recorded: run `permanence db upgrade`")]
    except Exception as exc:  # noqa: BLE001 - down, refused, timed out: not ready, and why in one word
        log.warning("readiness: the database did not answer (%s)", type(exc).__name__)
        return [Check("database", False, f"did not answer within {timeout:g} s ({type(exc).__name__})"),
                Check("schema", False, "not checked: no database")]
    expected = code_heads(migrations_dir)
    if at == expected:
        return [database, Check("schema", True, f"at {', '.join(sorted(at))}")]
    return [database, Check("schema", False, f"database at {', '.join(sorted(at)) or 'nothing'}, code expects "
                                             f"{', '.join(sorted(expected))}: run `permanence db upgrade`")]


def _redis_check(timeout: float) -> Check:
    try:
        jobs.ping_redis(timeout)
        return Check("redis", True, "answered")
    except Exception as exc:  # noqa: BLE001
        log.warning("readiness: Redis did not answer (%s)", type(exc).__name__)
        return Check("redis", False, f"did not answer within {timeout:g} s ({type(exc).__name__})")


def readiness() -> list[Check]:
    """Every check, in the app's context: the database, its schema, and Redis when configured."""
    timeout = float(current_app.config.get("READINESS_TIMEOUT", 2))
    checks = _database_checks(timeout, current_app.extensions["migrate"].directory)
    if current_app.config.get("REDIS_URL"):
        checks.append(_redis_check(timeout))
    return checks
