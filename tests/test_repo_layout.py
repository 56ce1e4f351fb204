"""House rules a clean checkout must keep."""

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_import_platform_from_repo_root_is_the_standard_library():
    out = subprocess.run([sys.executable, "-c", "import platform; print(platform.__file__)"], cwd=REPO,
                         capture_output=True, text=True, check=True).stdout.strip()
    assert not out.startswith(str(REPO)), out
    assert not (REPO / "platform" / "__init__.py").exists()


def test_migrations_have_a_single_head(app):
    from alembic.script import ScriptDirectory

    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_models_and_migrations_agree(app):
    """Autogenerate against the migrated database finds no difference."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from permanence.extensions import db

    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, db.metadata)
    assert diff == []
