"""Background jobs of the terms of reference."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..accounts.services import tenant_admins
from ..core.clock import london_today
from ..core.context import current_tenant_id
from ..extensions import db
from ..notifications.models import EmailMessage
from ..notifications.kinds import REPORTS
from ..notifications.services import link_to, queue_email
from ..tenancy.models import Tenant
from . import services


def send_tor_review_reminders_job(today: str | None = None) -> int:
    """E-mail the council's tenant administrators when its annual review is due within 30 days or overdue.

    Runs as one council (the job wrapper sets the tenant); the periodic scheduler fans it out
    weekly. Each administrator gets one e-mail per review date and state, so a weekly run does
    not repeat itself. Returns the number of e-mails queued. ``today`` (ISO date) is for tests.
    """
    tenant_id = current_tenant_id()
    tenant = db.session.get(Tenant, tenant_id) if tenant_id is not None else None
    if tenant is None:
        return 0
    tor = services.current_tor(tenant.id)
    review = services.review_status(tor, date.fromisoformat(today) if today else london_today())
    if not review.needs_attention:
        return 0
    when = review.due.strftime("%-d %B %Y")
    if review.state == "overdue":
        subject = f"The terms of reference of {tenant.name} were due for review on {when}"
    else:
        subject = f"The terms of reference of {tenant.name} are due for review on {when}"
    body = (f"{subject}.\n\nThe terms of reference say they are reviewed every "
            f"{tor.council.review_every.describe()}. Review them with the panel chair, then propose the new "
            f"version (with its next review date) under Terms of reference > Propose a new version:\n\n"
            f"{link_to('tor.propose', tenant.id)}\n")
    sent = 0
    for membership in tenant_admins(tenant):
        already = db.session.execute(select(EmailMessage.id).where(
            EmailMessage.to_address == membership.user.email, EmailMessage.subject == subject)).first()
        if already is None:
            queue_email(membership.user.email, subject, body, kind=REPORTS)
            sent += 1
    return sent
