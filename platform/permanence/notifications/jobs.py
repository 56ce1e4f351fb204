"""Sending e-mail. With no ``MAIL_SERVER`` (the embedded default) messages are printed to
the console and marked sent, so a developer sees every notification. With one, they go over
SMTP (TLS from the first byte, or STARTTLS, and a login when configured: ``config._mail``)
from the worker, and a send that fails is recorded on the message and retried by RQ up to
``MAIL_MAX_ATTEMPTS`` attempts in all."""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from email.message import EmailMessage as MimeMessage
from datetime import timedelta
from email.utils import format_datetime

from flask import current_app
from sqlalchemy import select

from ..core.clock import utcnow
from ..core.jobs import enqueue
from ..extensions import db
from .models import EmailMessage, EmailStatus

log = logging.getLogger(__name__)


def message_id(message: EmailMessage, mail_from: str) -> str:
    """The same Message-ID for every attempt at one message, so a receiver can tell a repeat."""
    domain = mail_from.rpartition("@")[2].strip("> ") or "permanence.invalid"
    stamp = int(message.created_at.timestamp()) if message.created_at else 0
    return f"<permanence.{message.tenant_id}.{message.id}.{stamp}@{domain}>"


def calendar_method(calendar: str) -> str:
    """The iCalendar METHOD (REQUEST, CANCEL), which the attachment's content type repeats."""
    found = re.search(r"^METHOD:(\w+)\s*$", calendar, re.MULTILINE)
    return found.group(1).upper() if found else "PUBLISH"


def _mime(message: EmailMessage) -> MimeMessage:
    config = current_app.config
    mime = MimeMessage()  # the default policy: a UTF-8 subject is encoded for the wire
    mime["From"] = config["MAIL_FROM"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime["Date"] = format_datetime(utcnow())
    mime["Message-ID"] = message_id(message, config["MAIL_FROM"])
    mime["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies are not sent back
    mime.set_content(message.body)
    if message.calendar:
        mime.add_attachment(message.calendar, subtype="calendar", filename="invite.ics",
                            params={"method": calendar_method(message.calendar)})
    return mime


def _tls_context() -> ssl.SSLContext:
    """Certificates are verified (Python's smtplib would not check them by itself), against
    ``MAIL_CA_FILE`` when a council's relay has its own certificate authority."""
    return ssl.create_default_context(cafile=current_app.config.get("MAIL_CA_FILE"))


def _send_smtp(mime: MimeMessage) -> None:
    config = current_app.config
    host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config.get("MAIL_TIMEOUT", 30)
    if config.get("MAIL_USE_SSL"):
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    with smtp:
        if config.get("MAIL_USE_TLS"):
            smtp.starttls(context=_tls_context())  # a server that offers no STARTTLS: an error, never plain text
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
        smtp.send_message(mime)


def _refused_for_good(exc: Exception) -> bool:
    """The server refused the address itself (5xx): trying again cannot help."""
    return isinstance(exc, smtplib.SMTPRecipientsRefused) and bool(exc.recipients) and all(
        code >= 500 for code, _ in exc.recipients.values())


def send_email_job(message_id: int) -> None:
    """Send one queued message. A message already sent is not sent again (a retry after a send
    that worked), nor one held for a daily digest. A failure is recorded on the message (its error,
    the attempt) and re-raised so RQ retries it; after ``MAIL_MAX_ATTEMPTS`` attempts, or an
    address the server refuses for good, the message is marked failed."""
    message = db.session.get(EmailMessage, message_id)
    if message is None or message.status in (EmailStatus.SENT, EmailStatus.HELD, EmailStatus.DIGESTED,
                                                        EmailStatus.GROUPED):
        return  # sent already, or waiting for (or gone in) a daily digest
    config = current_app.config
    message.attempts += 1
    try:
        if config.get("MAIL_SERVER"):
            _send_smtp(_mime(message))
        elif config.get("MAIL_ECHO", True):  # the demo load keeps the console for its summary
            attached = "\n(with a calendar invitation, invite.ics)" if message.calendar else ""
            print(f"--- e-mail to {message.to_address}: {message.subject}\n{message.body}{attached}\n---", flush=True)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = f"{type(exc).__name__}: {exc}"[:500]
        permanent = _refused_for_good(exc)
        if permanent or message.attempts >= config.get("MAIL_MAX_ATTEMPTS", 5):
            message.status = EmailStatus.FAILED
        db.session.commit()
        log.warning("e-mail %s to %s not sent (attempt %s): %s", message.id, message.to_address,
                    message.attempts, message.last_error)
        if permanent:
            return
        raise
    message.status = EmailStatus.SENT
    message.sent_at = utcnow()


RESEND_AFTER = timedelta(minutes=5)  # a failed attempt waits at least this long before the next


def resend_waiting_job() -> int:
    """Try again the council's e-mails a relay refused for a while (a failed attempt, not yet
    failed for good). On RQ its retries do this, with back-off, so this does nothing there; the
    embedded default with ``MAIL_SERVER`` set has no RQ, and the schedule runs this instead.
    Returns how many were queued."""
    config = current_app.config
    if config.get("REDIS_URL") or not config.get("MAIL_SERVER"):
        return 0
    waiting = db.session.execute(select(EmailMessage.id).where(
        EmailMessage.status == EmailStatus.QUEUED, EmailMessage.attempts > 0,
        EmailMessage.attempts < config.get("MAIL_MAX_ATTEMPTS", 5),
        EmailMessage.updated_at <= utcnow() - RESEND_AFTER).order_by(EmailMessage.id).limit(500)).scalars().all()
    for message_id_ in waiting:
        enqueue(send_email_job, message_id_, queue="emails", retries=0)
    return len(waiting)
