"""The delivery job: one decision record to one destination, once.

A retried job whose delivery already got through does nothing. Otherwise the row is marked
``sending`` and the attempt counted (committed before anything leaves, so a worker killed while
sending leaves a trace), the record is rendered to PDF, and the destination plugin is called with
the row's idempotency key: a retry after a kill delivers under the same key, which the destination
turns into one copy (the folder's file name, the endpoint's ``Idempotency-Key``, the e-mail's
Message-ID). A failure is recorded on the row (short, naming no child) and re-raised, so RQ retries
it with its back-off; a ``DeliveryRefused`` (a setting the operator must fix, a 4xx answer) fails
the row at once. Embedded (no Redis) a failed delivery is kept as failed for "Send again".
"""

from __future__ import annotations

import logging

from flask import current_app, render_template

from ..core.clock import utcnow
from ..core.pdf import render_pdf
from ..extensions import db
from ..minutes.records import decision_record
from ..panels.models import ItemStatus
from ..plugins import Delivered, DeliveryRefused, call_hook
from .manifest import HOOK, build_manifest, destinations, record_dict, settings_of, short_error, tor_for
from .models import DecisionDelivery, DeliveryStatus

log = logging.getLogger(__name__)


def _fail(row: DecisionDelivery, message: str) -> None:
    row.status = DeliveryStatus.FAILED
    row.last_error = message[:300]
    db.session.commit()
    log.warning("delivery %s (item %s) to %s failed (attempt %s): %s", row.id, row.agenda_item_id,
                row.destination, row.attempts, row.last_error)


def deliver_job(delivery_id: int) -> str | None:
    """Deliver one ``DecisionDelivery``; returns the destination's reference."""
    row = db.session.get(DecisionDelivery, delivery_id)
    if row is None or row.status.delivered:
        return row.reference if row is not None else None
    item = row.agenda_item
    tor = tor_for(row.tenant_id, item.meeting)
    row.attempts += 1
    row.last_attempt_at = utcnow()
    if item.status != ItemStatus.HEARD:
        _fail(row, "The item is no longer heard (its record was withdrawn); nothing was sent")
        return None
    if row.destination not in destinations(tor):
        _fail(row, f"The destination {row.destination} is not enabled in the terms of reference in force, or not "
                   "installed on this server")
        return None
    own = settings_of(tor, row.destination)
    record = decision_record(item)
    html = render_template("minutes/decision_record.html", record=record, pdf=True)
    pdf = render_pdf(html)
    manifest = build_manifest(row, item, record, pdf, own)
    row.status = DeliveryStatus.SENDING
    row.pdf_sha256 = manifest["file"]["sha256"]
    db.session.commit()  # the attempt is on the log before anything leaves
    try:
        results = call_hook(HOOK, enabled=[row.destination], safe_mode=current_app.config.get("SAFE_MODE", False),
                            tenant_id=row.tenant_id, record=record_dict(record, html), pdf=pdf, manifest=manifest,
                            key=row.idempotency_key, settings=tor.plugins.settings)
    except DeliveryRefused as exc:
        _fail(row, f"Refused: {exc}")
        return None
    except Exception as exc:
        db.session.rollback()
        row = db.session.get(DecisionDelivery, delivery_id)
        _fail(row, short_error(exc))
        raise
    answers = [r for r in results if r is not None]
    if not answers:
        _fail(row, f"The destination {row.destination} sent nothing")
        return None
    answer = answers[0] if isinstance(answers[0], Delivered) else Delivered(reference=str(answers[0]))
    row.status = DeliveryStatus.ACKNOWLEDGED if answer.acknowledged else DeliveryStatus.SENT
    row.reference = (answer.reference or "")[:300]
    row.last_error = ""
    row.delivered_at = utcnow()
    return row.reference
