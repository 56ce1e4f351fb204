"""Test fixtures: one migrated database per session, rows cleaned after each test.

The README's test command runs on SQLite with in-process jobs. With
``TEST_DATABASE_URL`` and ``TEST_REDIS_URL`` set, the same suite runs on
PostgreSQL (row-level security on, the app session as the non-owner role) and
through a real RQ worker on Redis.

Tests run without an app context, as a browser would: every client request gets
its own app context and database session, like production. Factories and direct
database checks open one with ``in_tenant`` / ``app.app_context()``.
"""

from __future__ import annotations

import os
import re
import secrets
import time
from contextlib import contextmanager
from datetime import date, datetime
from datetime import time as wall_time
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import text

from permanence.app import create_app
from permanence.core.clock import LONDON
from permanence.core.context import tenant_context
from permanence.extensions import db, limiter
from permanence.tor.services import forget_parsed

pytest_plugins = ["factories"]

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL")


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every form post, as a browser would,
    so CSRF protection stays on in tests. Pass ``csrf=False`` to leave the token out."""

    def open(self, *args, csrf=True, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        data = kwargs.get("data")
        if csrf and method in {"POST", "PUT", "PATCH", "DELETE"} and kwargs.get("json") is None \
                and (data is None or isinstance(data, dict)):
            with self.session_transaction() as session:
                raw = session.setdefault("csrf_token", secrets.token_hex(20))
            signer = URLSafeTimedSerializer(self.application.secret_key, salt="wtf-csrf-token")
            kwargs["data"] = {"csrf_token": signer.dumps(raw), **(data or {})}
        return super().open(*args, **kwargs)


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    from flask_migrate import upgrade

    from permanence.config import normalise_database_url

    if TEST_DATABASE_URL:
        url = normalise_database_url(TEST_DATABASE_URL)
        _reset_postgres(url)
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
    application = create_app({
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "REDIS_URL": TEST_REDIS_URL,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RQ_QUEUE_PREFIX": "permanence-test",
        # Decision records a seed council delivers to its drop folder land here, never in the instance folder.
        "CASE_RECORD_DROP_ROOT": str(tmp_path_factory.mktemp("case-record-drop")),
        "SERVER_NAME": None,
    })
    application.test_client_class = CsrfClient
    with application.app_context():
        upgrade()
    return application


@pytest.fixture(autouse=True)
def _push_request_context():
    """Replaces pytest-flask's: tests hold no app context, so each request gets its own."""
    yield


def _empty(app):
    """Every table emptied (and the rate limiter and Redis): the state each test starts from."""
    with app.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            else:
                for table in tables:
                    conn.execute(text(f'DELETE FROM "{table}"'))
        limiter.reset()
        forget_parsed()  # ids start again: a version id must not find the last test's parsed text
        if TEST_REDIS_URL:
            from redis import Redis

            Redis.from_url(TEST_REDIS_URL).flushdb()


# Sites outside the platform an e-mail may link to (a sitting's online-meeting link); every other link must be ours.
OUTSIDE_LINKS: set[str] = {"teams.microsoft.com", "meet.example.org"}  # online-meeting links lie outside the platform
_LINK = re.compile(r"https?://[^\s<>\"')]+")


def _email_links_broken(app, base: str) -> list[str]:
    """Every link in every e-mail (text, and an invitation's URL and DESCRIPTION) a test queued:
    at ``base`` (the address the app is served at) and to a page of the URL map."""
    from icalendar import Calendar
    from werkzeug.exceptions import MethodNotAllowed, NotFound

    base = urlsplit(base)
    adapter = app.url_map.bind("localhost")
    broken = []
    with app.app_context(), db.engine.connect() as conn:  # the owner's connection: every council's rows
        rows = conn.execute(text("SELECT subject, body, calendar FROM email_message")).all()
    for subject, body, calendar in rows:
        texts = [body]
        for event in Calendar.from_ical(calendar).walk("VEVENT") if calendar else []:
            texts += [str(event.get("url", "")), str(event.get("description", ""))]
        for link in (found.rstrip(".,;:") for t in texts for found in _LINK.findall(t)):
            parts = urlsplit(link)
            if parts.netloc in OUTSIDE_LINKS:
                continue
            if (parts.scheme, parts.netloc) != (base.scheme, base.netloc):
                broken.append(f"{subject!r}: {link} is not at {base.geturl()}")
                continue
            try:
                adapter.match(parts.path, method="GET")
            except (NotFound, MethodNotAllowed):
                broken.append(f"{subject!r}: {link} is no page")
            except Exception:  # noqa: BLE001 - a redirect (a missing slash) still arrives
                pass
    return broken


@pytest.fixture(autouse=True)
def _clean_database(app, request):
    yield
    try:
        # tests/test_mail_links.py serves the app at another address (its ``served_at`` fixture).
        broken = _email_links_broken(app, request.node.funcargs.get("served_at") or app.config["BASE_URL"])
    finally:
        _empty(app)
    assert not broken, "links in e-mails that do not work:\n" + "\n".join(broken)


@pytest.fixture(scope="session")
def empty_database(app):
    """``empty_database()`` does what runs after each test, for data a module loads once."""
    return lambda: _empty(app)


def pytest_terminal_summary(terminalreporter, config):
    """The walk's figures (tests/test_walk.py), so every run's output says how much it covered."""
    from walk_support import WALK_STATS, summary

    stats = config.stash.get(WALK_STATS, None)
    if stats:
        terminalreporter.write_line(summary(stats))


@pytest.fixture
def travel(time_machine, client):
    """``travel(at)``: the clock stands still at ``at`` (a date is 10:00 in London that day) for
    the pages, the API and the jobs alike, through ``core.clock``; the test client, if signed in,
    stays signed in across the jump (its last activity is moved with the clock)."""

    def to(at: date | datetime) -> None:
        if not isinstance(at, datetime):
            at = datetime.combine(at, wall_time(10), LONDON)
        with client.session_transaction() as session:
            kept = dict(session)  # the cookie is signed with the time: read it before the jump
        time_machine.move_to(at, tick=False)
        if "seen" in kept:
            with client.session_transaction() as session:
                session.update(kept, seen=time.time())

    return to


@pytest.fixture
def in_tenant(app):
    """``with in_tenant(tenant): ...`` runs a block in an app context scoped to ``tenant``,
    committing at the end (jobs queued in it are dispatched)."""

    @contextmanager
    def scope(tenant=None):
        from permanence.core.jobs import commit

        with app.app_context(), tenant_context(tenant.id if tenant is not None else None):
            yield db.session
            commit()

    return scope


@pytest.fixture
def work_jobs(app):
    """Run queued jobs through a real RQ worker when Redis is configured (burst mode);
    in the embedded mode they already ran in-process after the commit."""

    def run():
        if not app.config.get("REDIS_URL"):
            return
        from rq import SimpleWorker

        from permanence.core.jobs import all_queues, get_redis

        with app.app_context():
            SimpleWorker(all_queues(), connection=get_redis()).work(burst=True)

    return run

