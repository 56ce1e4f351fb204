"""Queue an e-mail; the job sends it after the transaction commits."""

from __future__ import annotations

from ..core.jobs import enqueue
from ..extensions import db
from .models import EmailMessage


def queue_email(to_address: str, subject: str, body: str, *, calendar: str | None = None) -> EmailMessage:
    from .jobs import send_email_job

    message = EmailMessage(to_address=to_address, subject=subject[:300], body=body, calendar=calendar)
    db.session.add(message)
    db.session.flush()
    enqueue(send_email_job, message.id, queue="emails", retries=3)
    return message
