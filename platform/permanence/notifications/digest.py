"""The daily digest: one e-mail a day to each person listing the notices that waited for it.

A notice whose kind the person chose to get in the digest is stored ``held`` by ``queue_email``.
Each morning (the periodic ``send-daily-digests``, after the day's reminders) every address with
held notices in the council gets ONE e-mail listing them, grouped by kind, each with its subject,
when it was queued, its first lines and its links; the notices are marked ``digested`` with the
digest's id, in the same transaction as the digest is queued. So running the job again (a retry, a
second scheduler, "Run now") finds nothing held and sends nothing; the digest's ``reminder_key``
(``digest:<day>``) keeps it to one a day per address, whatever runs when (a notice held after the
day's digest waits for the next day's). Nothing held, no digest.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timezone

from sqlalchemy import select

from ..core.clock import LONDON, london_today
from ..extensions import db
from . import kinds
from .models import EmailMessage, EmailStatus
from .services import already_sent, link_to, queue_email

_LINK = re.compile(r"https?://\S+")
FIRST_LINES = 3


def _excerpt(body: str) -> list[str]:
    """The first lines of a notice that say something (not the greeting, not a bare link)."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    lines = [line for line in lines if not line.startswith("Dear ") and not _LINK.fullmatch(line)]
    return lines[:FIRST_LINES]


def _when(message: EmailMessage) -> str:
    at = message.created_at
    at = (at if at.tzinfo else at.replace(tzinfo=timezone.utc)).astimezone(LONDON)  # SQLite keeps it naive, UTC
    return f"{at:%-d %B %Y at %H:%M}"


def digest_text(messages: list[EmailMessage], day: date) -> tuple[str, str]:
    """The digest's subject and text for one person's held notices."""
    grouped: dict[str, list[EmailMessage]] = defaultdict(list)
    for message in messages:
        grouped[message.kind or kinds.ACCOUNT].append(message)
    count = len(messages)
    subject = f"Your daily digest for {day:%-d %B %Y}: {count} notice{'s' if count != 1 else ''}"
    lines = [f"Your Permanence notices that waited for your daily digest ({count}).", ""]
    for kind_id in (k for k in kinds.KINDS if k in grouped):
        lines += [kinds.KINDS[kind_id].label, "=" * len(kinds.KINDS[kind_id].label), ""]
        for message in grouped[kind_id]:
            lines.append(f"* {message.subject} ({_when(message)})")
            lines += [f"  {line}" for line in _excerpt(message.body)]
            lines += [f"  {link.rstrip('.,;:')}" for link in dict.fromkeys(_LINK.findall(message.body))]
            lines.append("")
    lines += ["Read each one in full on your notices page, where you can also choose which notices wait "
              f"for this digest: {link_to('web.notices')}", ""]
    return subject, "\n".join(lines)


def send_digests(today: date | None = None) -> int:
    """Queue today's digest for every address in the council with notices held for it; returns
    how many digests were queued. Each held notice goes in one digest, once."""
    day = today or london_today()
    held = db.session.execute(select(EmailMessage).where(EmailMessage.status == EmailStatus.HELD)
                              .order_by(EmailMessage.id)).scalars().all()
    by_address: dict[str, list[EmailMessage]] = defaultdict(list)
    for message in held:
        by_address[message.to_address.lower()].append(message)
    sent = 0
    key = f"digest:{day.isoformat()}"
    for messages in by_address.values():
        address = messages[0].to_address
        if already_sent(key, address):
            continue  # today's digest went already: these wait for tomorrow's
        subject, text = digest_text(messages, day)
        digest = queue_email(address, subject, text, reminder_key=key, kind=kinds.DIGEST)
        for message in messages:
            message.status = EmailStatus.DIGESTED
            message.digest_id = digest.id
        sent += 1
    db.session.flush()
    return sent


def send_digests_job(today: str | None = None) -> int:
    """The daily digests, once per council (``core.schedule`` fans it out). ``today`` (ISO) is for
    running by hand."""
    return send_digests(date.fromisoformat(today) if today else None)
