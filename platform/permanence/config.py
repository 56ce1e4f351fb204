"""Configuration from the environment.

The embedded default (no environment at all) is a SQLite file in the instance
folder with background jobs run in-process, so a new developer can start the
app with one command. Production sets ``DATABASE_URL``, ``REDIS_URL`` and
``SECRET_KEY``.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
from datetime import timedelta
from pathlib import Path

MB = 1024 * 1024


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _optional_bool(name: str) -> bool | None:
    """True or False when the variable is set, None (decide from the mode) when it is not."""
    value = os.environ.get(name)
    if value is None or not value.strip():
        return None
    return value.strip().lower() in {"1", "true", "yes", "on"}


def normalise_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the environment."""
    database_url = os.environ.get("DATABASE_URL") or (
        "sqlite:///" + str(Path(instance_path) / "permanence.sqlite")
    )
    secret_key = os.environ.get("SECRET_KEY")
    if not secret_key:
        secret_key = _instance_secret(instance_path)
    redis_url = os.environ.get("REDIS_URL") or None
    papers_max_bytes = int(os.environ.get("PAPERS_MAX_BYTES", str(20 * MB)))
    return {
        "SECRET_KEY": secret_key,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        "SQLALCHEMY_ENGINE_OPTIONS": _engine_options(normalise_database_url(database_url)),
        "REDIS_URL": redis_url,
        # Role the ORM session assumes on PostgreSQL so row-level security applies
        # even when the connection itself is made by the owner.
        "DATABASE_APP_ROLE": os.environ.get("DATABASE_APP_ROLE", "permanence_app"),
        "SESSION_COOKIE_SECURE": _bool("SESSION_COOKIE_SECURE", False),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": timedelta(seconds=0),
        "PERMANENT_SESSION_LIFETIME": timedelta(
            minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "30"))
        ),
        "SESSION_REFRESH_EACH_REQUEST": True,
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "SIGN_IN_RATE_LIMIT": os.environ.get("SIGN_IN_RATE_LIMIT", "5 per minute"),
        # Failed sign-ins from one address, whichever accounts they try (successes do not count).
        "SIGN_IN_ADDRESS_RATE_LIMIT": os.environ.get("SIGN_IN_ADDRESS_RATE_LIMIT", "20 per 10 minutes"),
        # Two-factor codes tried for one account, from anywhere.
        "SIGN_IN_CODE_RATE_LIMIT": os.environ.get("SIGN_IN_CODE_RATE_LIMIT", "5 per minute;20 per hour"),
        # "Forgotten your password?": links asked for one e-mail address, from anywhere, and requests from
        # one address, whichever e-mail addresses they name. Every request counts, found or not.
        "PASSWORD_RESET_RATE_LIMIT": os.environ.get("PASSWORD_RESET_RATE_LIMIT", "3 per hour"),
        "PASSWORD_RESET_ADDRESS_RATE_LIMIT": os.environ.get("PASSWORD_RESET_ADDRESS_RATE_LIMIT", "10 per hour"),
        **_mail(),
        "MAIL_FROM": os.environ.get("MAIL_FROM", "permanence@example.invalid"),
        "MAIL_MAX_ATTEMPTS": int(os.environ.get("MAIL_MAX_ATTEMPTS", "5")),
        # The folder the case record systems' document imports watch: each council's destination
        # (the case_record_folder plugin) writes in its own sub-folder of it, never elsewhere.
        "CASE_RECORD_DROP_ROOT": os.environ.get("CASE_RECORD_DROP_ROOT")
        or str(Path(instance_path) / "case-record-drop"),
        "TENANTS_FOLDER": os.environ.get("TENANTS_FOLDER")
        or str(Path(__file__).resolve().parents[2] / "tenants"),
        "SAFE_MODE": _bool("SAFE_MODE", False),
        "PAPERS_MAX_BYTES": papers_max_bytes,
        # A request carries the form around its file: leave 1 MB above the papers cap, so a paper a
        # little too large gets the upload form's message rather than a bare "request too large".
        "MAX_CONTENT_LENGTH": max(int(os.environ.get("MAX_UPLOAD_MB", "21")) * MB, papers_max_bytes + MB),
        "API_TITLE": "Permanence API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api",
        "OPENAPI_JSON_PATH": "openapi.json",
        # Where people reach the app, for links in e-mails and invitations (notifications.services.link_to).
        # Production must set it; unset, `permanence run` uses its own --host and --port.
        "BASE_URL": os.environ.get("BASE_URL") or "http://127.0.0.1:5000",
        # Number of reverse proxies in front of the app (nginx: 1); 0 trusts no forwarded header.
        "PROXY_COUNT": int(os.environ.get("PROXY_COUNT", "0")),
        # The cross-council view of measures shows a count of children, or a figure worked out from
        # fewer children, than this as "[c]" (measures.suppression), so no child can be identified.
        "CROSS_COUNCIL_MIN_COUNT": int(os.environ.get("CROSS_COUNCIL_MIN_COUNT", "5")),
        # A template's undefined name raises (tests, development) or renders empty and is logged at
        # ERROR (production). Unset: strict when TESTING or DEBUG (web.templating).
        "JINJA_STRICT_UNDEFINED": _optional_bool("JINJA_STRICT_UNDEFINED"),
        # The web server runs the periodic jobs in a thread of its own (core.schedule). Unset: on
        # without REDIS_URL (the embedded default), off with it ('permanence jobs scheduler' runs them).
        "SCHEDULE_IN_PROCESS": _optional_bool("SCHEDULE_IN_PROCESS"),
        # The DfE's SSDA903 rules run before a 903 import in their own pinned virtualenv (`make install`
        # builds it; imports.dfe_rules). Absent: the import goes ahead and its report says they were not run.
        "DFE_903_PYTHON": os.environ.get("DFE_903_PYTHON")
        or str(Path(__file__).resolve().parents[2] / ".venv-903" / "bin" / "python"),
        "DFE_903_TIMEOUT": int(os.environ.get("DFE_903_TIMEOUT", "300")),  # seconds
        "DFE_903_MEMORY_MB": int(os.environ.get("DFE_903_MEMORY_MB", "2048")),
        # Where the scheduled export of each council's data for its analysts is written, one folder per
        # council (<dir>/<council slug>/), for the councils whose terms of reference ask for it
        # (``exports: analytics_every``). Unset: no scheduled export is written (the page says so).
        "ANALYTICS_EXPORT_DIR": os.environ.get("ANALYTICS_EXPORT_DIR") or None,
        # Log lines: "text" for a person at a terminal (the default, `make run`), "json" for a log
        # collector (the deployment: deploy/env.example). core.logs.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "text").strip().lower() or "text",
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO",
        # GET /metrics answers only these addresses or networks (default: this host) and anyone
        # sending "Authorization: Bearer <METRICS_TOKEN>" when it is set; anyone else gets a 404.
        "METRICS_ALLOWED_NETWORKS": _networks(os.environ.get("METRICS_ALLOWED_NETWORKS", "127.0.0.1,::1")),
        "METRICS_TOKEN": os.environ.get("METRICS_TOKEN") or None,
        # Seconds each check of GET /health/ready may take (the database, Redis).
        "READINESS_TIMEOUT": float(os.environ.get("READINESS_TIMEOUT", "2")),
    }


def _networks(text: str) -> tuple[str, ...]:
    """A comma-separated list of addresses or CIDR networks, checked here so a bad entry is named at
    start-up, not at the first scrape."""
    networks = tuple(part.strip() for part in text.split(",") if part.strip())
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(f"METRICS_ALLOWED_NETWORKS: {network[:60]!r} is not an address or network") from None
    return networks


def _engine_options(url: str) -> dict:
    """Pre-ping each pooled connection; on PostgreSQL, ``DATABASE_PREPARE_THRESHOLD`` sets when
    psycopg prepares a statement on the server: ``none`` never (needed behind pgbouncer in
    transaction pooling before 1.21, where the next transaction may reach another server
    connection that lacks the statement), a number after that many runs; unset, psycopg's 5."""
    options: dict = {"pool_pre_ping": True}
    threshold = (os.environ.get("DATABASE_PREPARE_THRESHOLD") or "").strip().lower()
    if threshold and url.startswith("postgresql+psycopg://"):
        options["connect_args"] = {"prepare_threshold": None if threshold in {"none", "off", "never"}
                                   else int(threshold)}
    return options


def _mail() -> dict:
    """Outgoing e-mail. No ``MAIL_SERVER``: printed to the console (the embedded default). Otherwise
    SMTP: TLS from the first byte with ``MAIL_USE_SSL`` (port 465 by default), else STARTTLS when
    ``MAIL_USE_TLS`` says so, which by default it does on port 587 only (a local relay on port 25
    takes plain SMTP). Certificates are verified, against ``MAIL_CA_FILE`` when set."""
    use_ssl = _bool("MAIL_USE_SSL", False)
    port = int(os.environ.get("MAIL_PORT") or (465 if use_ssl else 587))
    use_tls = _optional_bool("MAIL_USE_TLS")
    return {
        "MAIL_SERVER": os.environ.get("MAIL_SERVER") or None,
        "MAIL_PORT": port,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USE_TLS": not use_ssl and (port == 587 if use_tls is None else use_tls),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_CA_FILE": os.environ.get("MAIL_CA_FILE") or None,
        "MAIL_TIMEOUT": int(os.environ.get("MAIL_TIMEOUT", "30")),
    }


def _instance_secret(instance_path: str) -> str:
    """A random key kept in the instance folder, so the embedded default needs no setup
    and sessions survive a restart."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key
