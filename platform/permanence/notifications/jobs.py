"""Sending e-mail. With no ``MAIL_SERVER`` (the embedded default) messages are printed to
the console and marked sent, so a developer sees every notification."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage as MimeMessage

from flask import current_app

from ..core.clock import utcnow
from ..extensions import db
from .models import EmailMessage, EmailStatus

log = logging.getLogger(__name__)


def _mime(message: EmailMessage) -> MimeMessage:
    mime = MimeMessage()
    mime["From"] = current_app.config["MAIL_FROM"]
    mime["To"] = message.to_address
    mime["Subject"] = message.subject
    mime.set_content(message.body)
    if message.calendar:
        mime.add_attachment(message.calendar.encode(), maintype="text", subtype="calendar",
                            filename="invite.ics", params={"method": "REQUEST"})
    return mime


def send_email_job(message_id: int) -> None:
    """Send one queued message; failures are recorded and re-raised so RQ retries them."""
    message = db.session.get(EmailMessage, message_id)
    if message is None or message.status == EmailStatus.SENT:
        return
    config = current_app.config
    message.attempts += 1
    try:
        if config.get("MAIL_SERVER"):
            with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
                if config.get("MAIL_USE_TLS"):
                    smtp.starttls()
                if config.get("MAIL_USERNAME"):
                    smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
                smtp.send_message(_mime(message))
        else:
            print(f"--- e-mail to {message.to_address}: {message.subject}\n{message.body}\n---", flush=True)
    except (OSError, smtplib.SMTPException) as exc:
        message.last_error = str(exc)[:500]
        if message.attempts >= config.get("MAIL_MAX_ATTEMPTS", 5):
            message.status = EmailStatus.FAILED
        db.session.commit()
        raise
    message.status = EmailStatus.SENT
    message.sent_at = utcnow()
