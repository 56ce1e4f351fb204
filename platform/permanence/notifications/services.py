"""Queue an e-mail; the job sends it after the transaction commits."""

from __future__ import annotations

import logging

from flask import current_app, has_app_context
from sqlalchemy import func, select
from werkzeug.routing import BuildError

from ..core.context import current_tenant_id
from ..core.jobs import enqueue
from ..extensions import db
from ..tenancy.models import Tenant
from .jobs import send_email_job
from .models import EmailMessage

log = logging.getLogger(__name__)


def already_sent(reminder_key: str, to_address: str) -> bool:
    """Whether a message with this reminder key was already queued for this address (any status:
    a failed one was tried, and trying again is the job's retries' business, not a new reminder)."""
    return db.session.execute(
        select(EmailMessage.id).where(EmailMessage.reminder_key == reminder_key,
                                      func.lower(EmailMessage.to_address) == to_address.lower()).limit(1)
    ).first() is not None


def queue_email(to_address: str, subject: str, body: str, *, calendar: str | None = None,
                reminder_key: str | None = None) -> EmailMessage | None:
    """Queue one message, sent by a job (with retries) after the commit. With ``reminder_key`` a
    reminder is sent once per address: None is returned when that key already went to it."""
    if reminder_key is not None:
        reminder_key = reminder_key[:200]
        if already_sent(reminder_key, to_address):
            return None
    message = EmailMessage(to_address=to_address, subject=subject[:300], body=body, calendar=calendar,
                           reminder_key=reminder_key)
    db.session.add(message)
    db.session.flush()
    # RQ retries until the job has made MAIL_MAX_ATTEMPTS attempts, when it marks the message failed.
    attempts = current_app.config.get("MAIL_MAX_ATTEMPTS", 5) if has_app_context() else 5
    enqueue(send_email_job, message.id, queue="emails", retries=max(0, attempts - 1))
    return message


def link_to(endpoint: str, tenant_id: int | None = None, **values) -> str:
    """An absolute link to ``endpoint`` in the current (or given) council, for e-mails: jobs run
    without a request, so it is built from ``BASE_URL`` and the URL map."""
    tenant = db.session.get(Tenant, tenant_id if tenant_id is not None else current_tenant_id())
    try:
        path = current_app.url_map.bind("localhost").build(endpoint, {"tenant_slug": tenant.slug, **values})
    except BuildError:  # a page renamed or not installed: the council's home page still helps
        log.warning("no page %s(%s) to link an e-mail to; linking the council's home page", endpoint, values)
        path = f"/{tenant.slug}/"
    return current_app.config["BASE_URL"].rstrip("/") + path
