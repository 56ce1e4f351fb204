"""A person's recent notices, as the "Your notices" page lists them: every e-mail this council
queued to their address in the last 30 days (the daily digests, and the e-mails that grouped one
run's notices, themselves aside: the notices they carried are listed one by one), newest first,
each with where it got to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from ..core.clock import LONDON, utcnow
from ..extensions import db
from . import kinds
from .models import EmailMessage, EmailStatus

RECENT = timedelta(days=30)


@dataclass
class Notice:
    message: EmailMessage
    kind: str  # the kind's label
    status: str  # where it got to, in words
    colour: str  # a GOV.UK tag modifier ("" is the default blue)

    @property
    def when(self) -> datetime:
        at = self.message.created_at
        return (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(LONDON)


def _day(at: datetime | None) -> str:
    if at is None:
        return ""
    at = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(LONDON)
    return f" on {at:%-d %B %Y}"


def _status(message: EmailMessage, digests: dict[int, EmailMessage]) -> tuple[str, str]:
    if message.status == EmailStatus.HELD:
        return "Waiting for your daily digest", "yellow"
    if message.status == EmailStatus.DIGESTED:
        digest = digests.get(message.digest_id)
        if digest is None or digest.status == EmailStatus.QUEUED:
            return "In your daily digest, being sent", "blue"
        if digest.status == EmailStatus.FAILED:
            return "Failed: your daily digest could not be delivered", "red"
        return f"Sent in your daily digest{_day(digest.sent_at)}", "green"
    if message.status == EmailStatus.GROUPED:
        together = digests.get(message.digest_id)
        if together is None or together.status in (EmailStatus.QUEUED, EmailStatus.HELD):
            return "Being sent, in one e-mail with your other reminders", "blue"
        if together.status == EmailStatus.FAILED:
            return "Failed: the e-mail it went in could not be delivered", "red"
        return f"Sent{_day(together.sent_at)}, in one e-mail with your other reminders", "green"
    if message.status == EmailStatus.SENT:
        return f"Sent{_day(message.sent_at)}", "green"
    if message.status == EmailStatus.FAILED:
        return "Failed: it could not be delivered", "red"
    return "Being sent", "blue"


def recent_notices(address: str) -> list[Notice]:
    """The notices this council sent (or is holding) for ``address`` in the last 30 days."""
    mine = func.lower(EmailMessage.to_address) == address.strip().lower()
    messages = db.session.execute(select(EmailMessage).where(
        mine, EmailMessage.created_at >= utcnow() - RECENT,
        func.coalesce(EmailMessage.kind, "") != kinds.DIGEST).order_by(
        EmailMessage.created_at.desc(), EmailMessage.id.desc())).scalars().all()
    digest_ids = {m.digest_id for m in messages if m.digest_id is not None}
    digests = {d.id: d for d in db.session.execute(select(EmailMessage).where(
        mine, EmailMessage.id.in_(digest_ids))).scalars()} if digest_ids else {}
    notices = []
    grouping = {m.digest_id for m in messages if m.status == EmailStatus.GROUPED}
    for message in (m for m in messages if m.id not in grouping):
        known = kinds.KINDS.get(message.kind or "")
        status, colour = _status(message, digests)
        notices.append(Notice(message, known.label if known else "Other notices", status, colour))
    return notices
