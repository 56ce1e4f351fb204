"""Running on more than one host (deploy/scaleout): what the drills rely on, and the replication
drill itself.

The scale-out drill (deploy/scaleout/drill: nginx, pgbouncer, two web instances, two workers, two
schedulers) takes five minutes on a 2-core machine, most of it RQ noticing a killed worker's job,
so it is run by hand (deploy/README.md, "Running on several hosts"); the replication drill takes
about 35 seconds and runs here, in CI's PostgreSQL run.
"""

from __future__ import annotations

import os
from pathlib import Path
import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text

from permanence.config import load_config, normalise_database_url

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")

REPO = Path(__file__).resolve().parents[1]
SCALEOUT = REPO / "deploy" / "scaleout"
sys.path.insert(0, str(SCALEOUT))
import common  # noqa: E402  (deploy/scaleout is not a package: the drills are scripts)
import drill  # noqa: E402


def test_prepared_statements_are_off_only_when_asked(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql://permanence_app:pw@127.0.0.1:6432/permanence")
    monkeypatch.delenv("DATABASE_PREPARE_THRESHOLD", raising=False)
    assert load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "none")
    assert load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": None}
    monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", "10")
    assert load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {"prepare_threshold": 10}
    monkeypatch.setenv("DATABASE_URL", "sqlite:///x.sqlite")  # SQLite has nothing to switch off
    assert "connect_args" not in load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="psycopg's prepared statements are PostgreSQL's")
def test_with_the_threshold_none_the_server_holds_no_prepared_statement(monkeypatch, tmp_path):
    """What pgbouncer in transaction pooling needs: a statement run many times is never prepared on
    the server connection (the next transaction may get another, lacking it)."""
    monkeypatch.setenv("DATABASE_URL", TEST_DATABASE_URL)
    for threshold, prepared in ((None, True), ("none", False)):
        if threshold:
            monkeypatch.setenv("DATABASE_PREPARE_THRESHOLD", threshold)
        options = load_config(str(tmp_path))["SQLALCHEMY_ENGINE_OPTIONS"]
        engine = create_engine(normalise_database_url(TEST_DATABASE_URL), **options)
        try:
            with engine.connect() as conn:
                for n in range(8):
                    conn.execute(text("SELECT :n + 1"), {"n": n})
                held = conn.execute(text("SELECT count(*) FROM pg_prepared_statements")).scalar()
        finally:
            engine.dispose()
        assert (held > 0) is prepared, (threshold, held)


def test_the_site_passes_a_request_an_instance_could_not_take_to_the_next():
    block = drill.site_location_block()
    assert "proxy_pass http://permanence_web;" in block
    assert "proxy_next_upstream error timeout;" in block and "proxy_next_upstream_tries 2;" in block
    conf = drill.nginx_conf(Path("/tmp/x"))
    assert f"server 127.0.0.1:{drill.WEB_A};" in conf and f"server 127.0.0.1:{drill.WEB_B};" in conf
    assert block in conf  # the drill proxies exactly as production does


def _pg_tools_missing() -> list[str]:
    return [tool for tool in ("initdb", "pg_ctl", "pg_basebackup") if common.pg_tool(tool) is None]


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="a PostgreSQL drill: runs in the PostgreSQL run (TEST_DATABASE_URL)")
def test_a_promoted_synchronous_standby_has_every_acknowledged_commit():
    missing = _pg_tools_missing()
    if missing:  # the PostgreSQL run has PostgreSQL 15's server installed, and with it these
        pytest.fail(f"PostgreSQL 15's {', '.join(missing)} not found (postgresql-15 is installed with the server)")
    if common.port_open(18432) or common.port_open(18433):
        pytest.fail("ports 18432/18433 are taken: another replication drill is running")
    run = subprocess.run([sys.executable, str(SCALEOUT / "replication.py")], cwd=REPO, text=True, timeout=300,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")})
    print(run.stdout)
    assert run.returncode == 0, run.stdout[-3000:]
    lines = run.stdout.splitlines()
    assert "PASS: 6 of 6 checks passed" in lines
    verdict = next(line for line in lines if line.startswith("every acknowledged commit is on the promoted standby"))
    assert " 0 lost" in verdict and "PASS" in verdict
    acknowledged = int(verdict.split("PASS")[1].split()[0])
    assert acknowledged > 100  # the writes were really going on when the primary was stopped
