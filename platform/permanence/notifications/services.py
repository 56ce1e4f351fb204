"""Queue an e-mail; the job sends it after the transaction commits."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from ..core.context import current_tenant_id
from ..core.jobs import enqueue
from ..extensions import db
from ..tenancy.models import Tenant
from . import kinds
from .jobs import send_email_job
from .models import EmailMessage, EmailStatus
from .preferences import held_for_digest

log = logging.getLogger(__name__)


def already_sent(reminder_key: str, to_address: str) -> bool:
    """Whether a message with this reminder key was already queued for this address (any status:
    a failed one was tried, and trying again is the job's retries' business, not a new reminder)."""
    return db.session.execute(
        select(EmailMessage.id).where(EmailMessage.reminder_key == reminder_key,
                                      func.lower(EmailMessage.to_address) == to_address.lower()).limit(1)
    ).first() is not None


def queue_email(to_address: str, subject: str, body: str, *, calendar: str | None = None,
                reminder_key: str | None = None, kind: str = kinds.ACCOUNT) -> EmailMessage | None:
    """Queue one message, sent by a job (with retries) after the commit. With ``reminder_key`` a
    reminder is sent once per address: None is returned when that key already went to it.

    ``kind`` (``kinds.KINDS``) is what sort of notice it is. Where the person it is addressed to
    chose the daily digest for that kind, the message is kept ``held`` for the digest
    (``digest.send_digests``) instead of sent; a calendar invitation and the always-immediate
    kinds (the default, account and access, among them) are sent straight away whatever they chose."""
    kinds.kind(kind)  # an unknown kind is a programming error, found by the first test that sends it
    if reminder_key is not None:
        reminder_key = reminder_key[:200]
        if already_sent(reminder_key, to_address):
            return None
    held = calendar is None and held_for_digest(to_address, kind)
    message = EmailMessage(to_address=to_address, subject=subject[:300], body=body, calendar=calendar,
                           reminder_key=reminder_key, kind=kind,
                           status=EmailStatus.HELD if held else EmailStatus.QUEUED)
    db.session.add(message)
    db.session.flush()
    if held:
        return message
    # RQ retries until the job has made MAIL_MAX_ATTEMPTS attempts, when it marks the message failed.
    attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 5) if has_app_context() else 5
    enqueue(send_email_job, message.id, queue="emails", retries=max(0, attempts - 1))
    return message


@dataclass(frozen=True)
class Part:
    """One notice of several going to one address in one run (``queue_grouped``)."""

    subject: str
    body: str
    reminder_key: str | None = None
    kind: str = kinds.REMINDERS


def queue_grouped(to_address: str, parts: list[Part], subject: str, intro: str) -> EmailMessage | None:
    """Several notices for one address from one run as ONE e-mail (``subject``; ``intro``, then
    each part's subject and text). Each part is kept as its own row, ``grouped`` into the e-mail
    (``digest_id``), so its ``reminder_key`` still sends it once and "Your notices" lists it. A part
    the person keeps for the daily digest is held for it as ``queue_email`` would; a part whose key
    went already is dropped; one part left goes as itself. Returns the e-mail (None: nothing sent now)."""
    seen, now = set(), []
    for part in parts:
        key = part.reminder_key[:200] if part.reminder_key else None
        if key is not None and (key in seen or already_sent(key, to_address)):
            continue
        seen.add(key)
        if held_for_digest(to_address, part.kind):
            queue_email(to_address, part.subject, part.body, reminder_key=key, kind=part.kind)
        else:
            now.append(Part(part.subject, part.body, key, part.kind))
    if len(now) <= 1:
        return queue_email(to_address, now[0].subject, now[0].body, reminder_key=now[0].reminder_key,
                           kind=now[0].kind) if now else None
    lines = [intro, ""]
    for number, part in enumerate(now, start=1):
        heading = f"{number}. {part.subject}"
        lines += [heading, "-" * min(len(heading), 72), part.body.strip(), ""]
    kind_ids = {part.kind for part in now}
    grouped = queue_email(to_address, subject, "\n".join(lines),
                          kind=kind_ids.pop() if len(kind_ids) == 1 else kinds.REMINDERS)
    for part in now:
        db.session.add(EmailMessage(to_address=to_address, subject=part.subject[:300], body=part.body,
                                    reminder_key=part.reminder_key, kind=part.kind, status=EmailStatus.GROUPED,
                                    digest_id=grouped.id))
    db.session.flush()
    return grouped


def base_url() -> str:
    """The address the app is served at, without a trailing slash: ``BASE_URL`` from the
    environment, or the host and port ``permanence run`` serves on (``serve_links_at``)."""
    return current_app.config["BASE_URL"].rstrip("/")


def absolute_url(path: str) -> str:
    """``path`` (from the URL map, starting with ``/``) as an absolute link for an e-mail or an
    invitation. Never from the request's Host header: a forged header must not make links."""
    return base_url() + path


def link_to(endpoint: str, tenant_id: int | None = None, **values) -> str:
    """The one way to build an absolute link for anything that leaves the platform (e-mails,
    calendar invitations): ``endpoint`` in the current (or given) council when its address has a
    council, from ``BASE_URL`` and the URL map, so it works in a job as in a request."""
    try:
        rules = list(current_app.url_map.iter_rules(endpoint))
    except KeyError:
        rules = []
    needs_council = not rules or any("tenant_slug" in rule.arguments for rule in rules)
    slug = None
    if needs_council:
        tenant = db.session.get(Tenant, tenant_id if tenant_id is not None else current_tenant_id())
        slug = tenant.slug
        values = {"tenant_slug": slug, **values}
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    except BuildError:  # a page renamed or not installed: the council's home page still helps
        log.warning("no page %s(%s) to link an e-mail to; linking the council's home page", endpoint, values)
        path = f"/{slug}/" if slug else "/"
    return absolute_url(path)


def serve_links_at(app, host: str, port: int | str, *, https: bool = False) -> str:
    """Links point where ``permanence run --host H --port P`` serves, unless the environment sets
    ``BASE_URL`` (which always wins). A wildcard host (0.0.0.0, ::) is linked as this machine's
    loopback address. Returns the base address links now use."""
    if not os.environ.get("BASE_URL"):
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"
        app.config["BASE_URL"] = f"{'https' if https else 'http'}://{host}:{port}"
    return app.config["BASE_URL"].rstrip("/")


CONSOLE_MAIL = "E-mails are printed to this console (MAIL_SERVER is not set)"


def announce(app, *, echo=print, served_by_run: bool = False) -> None:
    """Said once when a server or worker starts (not by every command): where e-mails go and the
    address their links use. Under gunicorn or a worker, no ``BASE_URL`` is warned about: nothing
    else tells such a process the address people reach the app at."""
    if not app.config.get("MAIL_SERVER"):
        echo(CONSOLE_MAIL)
    else:
        echo(f"E-mails are sent through {app.config['MAIL_SERVER']}:{app.config['MAIL_PORT']}")
    echo(f"Links in e-mails and invitations point at {app.config['BASE_URL'].rstrip('/')}")
    if not served_by_run and not os.environ.get("BASE_URL") and not app.testing:
        log.warning("BASE_URL is not set: links in e-mails point at %s, which is not where this server "
                    "is reached; set BASE_URL to the public address (deploy/env.example)", app.config["BASE_URL"])
