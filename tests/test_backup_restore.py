"""Backup and restore (deploy/backup/): a council's data dumped by backup.sh and restored by
restore.sh into a new database reads the same through the app, under row-level security.

PostgreSQL only: the procedure is pg_dump and pg_restore, which SQLite has no counterpart of."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from permanence.app import create_app
from permanence.cli import count_differences, row_counts
from permanence.config import normalise_database_url
from permanence.extensions import db


# Read here, not imported from conftest: a whole-suite run also has tests/browser/conftest.py, and
# ``import conftest`` may find that one.
TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
pytestmark = pytest.mark.skipif(not TEST_DATABASE_URL, reason="backup and restore are a PostgreSQL procedure "
                                "(pg_dump, pg_restore); set TEST_DATABASE_URL to run them")

ROOT = Path(__file__).resolve().parents[1]
BACKUP = ROOT / "deploy" / "backup"


def _libpq_env(url, tmp_path) -> dict:
    """The scripts reach PostgreSQL as psql does (PGHOST ...) and run this checkout's `permanence`."""
    env = {**os.environ, "PGHOST": url.host or "127.0.0.1", "PGPORT": str(url.port or 5432),
           "PGUSER": url.username or "postgres", "PERMANENCE": f"{sys.executable} -m permanence",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "platform"), os.environ.get("PYTHONPATH", "")]),
           "INSTANCE_PATH": str(tmp_path / "instance"), "SECRET_KEY": "backup-test-not-for-production"}
    if url.password:
        env["PGPASSWORD"] = url.password
    for name in ("DATABASE_URL", "REDIS_URL", "PGDATABASE"):
        env.pop(name, None)
    return env


def _children_page(client, slug) -> str:
    """The children list as a person sees it, without what differs per response (nonce, CSRF token)."""
    response = client.get(f"/{slug}/children/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    page = re.sub(r'nonce="[^"]*"', "", page)
    return re.sub(r'name="csrf_token" value="[^"]*"', "", page)


@pytest.fixture
def restored_name(app):
    """A database beside the test one for the restore, dropped afterwards (and before, if a run
    that crashed left it)."""
    url = make_url(normalise_database_url(TEST_DATABASE_URL))
    name = f"{url.database}_restored"
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    drop = text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    with admin.connect() as conn:
        conn.execute(drop)
    yield name
    with admin.connect() as conn:
        conn.execute(drop)
    admin.dispose()


def test_a_backup_restored_into_a_new_database_reads_the_same(app, client, login, tenant_a, tenant_b,
                                                              one_of_everything, make_user, make_child, make_team,
                                                              restored_name, tmp_path):
    assert shutil.which("pg_dump") and shutil.which("pg_restore"), "PostgreSQL's client (pg_dump) is not installed"
    url = make_url(normalise_database_url(TEST_DATABASE_URL))
    env = _libpq_env(url, tmp_path)
    one_of_everything(tenant_a)
    one_of_everything(tenant_b)
    team = make_team(tenant_a, name="Children in Care 2")
    children = [make_child(tenant_a, team=team) for _ in range(3)]
    administrator = make_user(tenant_a, ["panel_administrator"], team=team)
    before = _children_page(login(administrator), tenant_a.slug)
    assert all(child.case_number in before for child in children)

    dumps = tmp_path / "dumps"
    for stamp in ("20200101T000000Z", "20200102T000000Z"):  # two older dumps: one goes, KEEP is 2
        (dumps / f"permanence-{stamp}.dump").parent.mkdir(exist_ok=True)
        (dumps / f"permanence-{stamp}.dump").write_bytes(b"")
    backup = subprocess.run([str(BACKUP / "backup.sh"), "-d", str(dumps), "-k", "2", url.database],
                            env=env, capture_output=True, text=True, timeout=300)
    assert backup.returncode == 0, backup.stderr
    assert "Kept the newest 2; removed 1 older." in backup.stdout
    kept = sorted(path.name for path in dumps.iterdir())
    assert kept[0] == "permanence-20200102T000000Z.dump" and len(kept) == 2
    dump = dumps / kept[1]
    assert dump.stat().st_mode & 0o077 == 0  # children's data: readable by its owner only

    owner = subprocess.run(["psql", "-X", "-At", "-d", url.database, "-c",
                            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"],
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    restore = subprocess.run([str(BACKUP / "restore.sh"), "-o", owner, "-s", url.database, str(dump), restored_name],
                             env=env, capture_output=True, text=True, timeout=600)
    assert restore.returncode == 0, restore.stdout + restore.stderr
    assert "(head)" in restore.stdout and "Counts agree with" in restore.stderr

    refused = subprocess.run([str(BACKUP / "restore.sh"), "-o", owner, str(dump), restored_name],
                             env=env, capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "exists" in refused.stderr  # never over a database

    restored = create_app({**{key: app.config[key] for key in ("TESTING", "SECRET_KEY", "RATELIMIT_STORAGE_URI",
                                                               "RQ_QUEUE_PREFIX", "SERVER_NAME")},
                           "SQLALCHEMY_DATABASE_URI": url.set(database=restored_name)
                               .render_as_string(hide_password=False)})
    restored.test_client_class = app.test_client_class  # the suite's client, which sends the CSRF token
    try:
        with restored.app_context():
            forced = db.session.execute(text(
                "SELECT relrowsecurity AND relforcerowsecurity FROM pg_class WHERE relname = 'child'")).scalar()
            assert forced, "the restored child table lost its row-level security"
        with app.app_context():
            source_counts = row_counts()
        with restored.app_context():
            restored_counts = row_counts()
        assert restored_counts["councils"] == source_counts["councils"]
        assert restored_counts["tables"] == source_counts["tables"]
        assert source_counts["councils"][tenant_a.slug]["child"] == 4  # read as the app role, under RLS
        assert source_counts["councils"][tenant_b.slug]["child"] == 1

        # The same page, read by the same person, through the app pointed at the restored database.
        client_restored = restored.test_client()
        with client_restored.session_transaction() as session, client.session_transaction() as signed_in:
            session.update(signed_in)
        after = _children_page(client_restored, tenant_a.slug)
        assert after == before

        # The check bites: a council's row gone from the restored database is named (beside the
        # read of the page just now, which the audit log of the restored database holds).
        with restored.app_context(), db.engine.begin() as conn:
            conn.execute(text("DELETE FROM child_flag WHERE tenant_id = :tid"), {"tid": tenant_b.id})
        with restored.app_context():
            restored_counts = row_counts()
        assert [line for line in count_differences(source_counts, restored_counts) if "audit_event" not in line] == [
            "child_flag: 2 expected, 1 found", f"council {tenant_b.slug}, child_flag: 1 expected, 0 found"]
        expected = tmp_path / "expected.json"
        expected.write_text(json.dumps(source_counts))
        with restored.app_context():  # the command's app (an app context of the tests' app may be current)
            result = restored.test_cli_runner().invoke(args=["db", "counts", "--expect", str(expected)])
        assert result.exit_code == 1 and "1 expected, 0 found" in result.output
    finally:
        with restored.app_context():
            db.engine.dispose()
