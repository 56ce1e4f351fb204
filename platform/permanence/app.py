"""The application factory."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from . import (accounts, actions, agenda, api as json_api, cases, cli, councils, deliveries, documents, exports, imports,
               measures, meetings, minutes, notifications, onboarding, panels, plugins, referrals, reminders, reports, tenancy,
               tracker, web)
from . import models  # noqa: F401  (the whole schema, before db.init_app)
from .config import load_config
from .core.db import IdConverter
from .core.logs import configure_logging
from .extensions import api, csrf, db, limiter, login_manager, migrate
from .tor.views import init_app as init_tor
from .web import observe

REPO_ROOT = Path(__file__).resolve().parents[2]


def create_app(config_overrides: dict | None = None) -> Flask:
    """Build the app. Start-up never touches the database: migrations are a deploy step."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("INSTANCE_PATH") or str(REPO_ROOT / "instance"),
        instance_relative_config=True,
    )
    app.url_map.converters["int"] = IdConverter  # before any route is added
    app.config.update(load_config(app.instance_path))
    if config_overrides:
        app.config.update(config_overrides)
    configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    if app.config.get("PROXY_COUNT"):
        # Behind nginx the client's address is in X-Forwarded-For; the sign-in rate limit and the
        # audit log need the real one.
        count = app.config["PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count, x_host=count)

    observe.init_app(app)  # before any extension's hooks: the request id and the clock come first

    db.init_app(app)
    migrate.init_app(app, db, directory=os.environ.get("MIGRATIONS_DIR") or str(REPO_ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)

    web.init_app(app)  # request pipeline first: the tenant resolver and access check run before views
    tenancy.init_app(app)
    notifications.init_app(app)
    accounts.init_app(app)
    councils.init_app(app)
    onboarding.init_app(app)
    cases.init_app(app)
    documents.init_app(app)
    imports.init_app(app)
    exports.init_app(app)
    measures.init_app(app)
    init_tor(app)
    panels.init_app(app)
    referrals.init_app(app)
    agenda.init_app(app)
    meetings.init_app(app)
    actions.init_app(app)
    minutes.init_app(app)
    reminders.init_app(app)
    reports.init_app(app)
    deliveries.init_app(app)
    tracker.init_app(app)
    plugins.init_app(app)
    json_api.init_app(app)
    cli.init_app(app)
    return app
