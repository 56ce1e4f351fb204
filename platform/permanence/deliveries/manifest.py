"""The pieces a delivery's planning (``services``) and its job (``jobs``) share: which destinations a
council has, each one's settings, the idempotency key and the manifest an import reads."""

from __future__ import annotations

from dataclasses import asdict
import hashlib

from flask import current_app

from ..extensions import db
from ..minutes.records import DecisionRecord
from ..panels import services as panels
from ..panels.models import AgendaItem, Meeting, MinutesStatus
from ..plugins import delivery as common
from ..plugins import implementers
from ..tenancy.models import Tenant
from ..tor.services import current_tor, tor_of_id
from .models import DecisionDelivery

HOOK = "send_decision_record"
MANIFEST_SCHEMA = "permanence.decision-record/1"


def tor_for(tenant_id: int, meeting: Meeting | None = None):
    """The terms of reference in force (whose plugins and settings decide), else the meeting's."""
    tor = current_tor(tenant_id)
    if tor is None and meeting is not None and meeting.tor_version is not None:
        tor = tor_of_id(meeting.tor_version_id)
    return tor


def destinations(tor) -> list[str]:
    """The destination plugins the council enabled that are installed here (none in SAFE_MODE)."""
    if tor is None or current_app.config.get("SAFE_MODE"):
        return []
    installed = set(implementers(HOOK))
    return [name for name in tor.plugins.enabled if name in installed]


def settings_of(tor, destination: str) -> dict:
    return common.own_settings(tor.plugins.settings if tor is not None else {}, destination)


def idempotency_key(tenant_slug: str, item_id: int, destination: str, generation: int) -> str:
    """Stable for one delivery: the council, the record, the destination and the generation (which
    rises only when a delivered record is sent again on purpose). Safe as a file name."""
    return f"{tenant_slug}-decision-{item_id}-{destination.replace('_', '-')}-{generation}"


def build_manifest(row: DecisionDelivery, item: AgendaItem, record: DecisionRecord, pdf: bytes, own: dict) -> dict:
    """What an import needs, and nothing that names the child beyond their case numbers."""
    meeting = item.meeting
    body = panels.body_of(meeting)
    minutes = meeting.minutes
    approved = minutes is not None and minutes.status != MinutesStatus.DRAFT and minutes.approved_by is not None
    tenant = db.session.get(Tenant, item.tenant_id)
    return {
        "schema": MANIFEST_SCHEMA,
        "idempotency_key": row.idempotency_key,
        "record_id": item.id,
        "council": {"name": tenant.name, "slug": tenant.slug},
        "case_record_system": record.case_record_system,
        "document_type": common.document_type(own),
        "document_date": meeting.date.isoformat(),
        "case_numbers": [c["case_number"] for c in record.children],
        "meeting": {"id": meeting.id, "body": body.name, "body_id": body.id, "date": meeting.date.isoformat(),
                    "part": record.part},
        "outcome": {"id": record.outcome_id, "label": record.outcome},
        "author": {"recorded_by": item.recorded_by.name if item.recorded_by else None,
                   "approved_by": minutes.approved_by.name if approved else None},
        "file": {"name": f"{row.idempotency_key}.pdf", "media_type": "application/pdf", "bytes": len(pdf),
                 "sha256": hashlib.sha256(pdf).hexdigest()},
    }


def record_dict(record: DecisionRecord, html: str) -> dict:
    data = asdict(record)
    data["html"] = html
    return data


def short_error(exc: BaseException) -> str:
    """The error kept on the log row: its kind and message, short (the plugins name no child)."""
    return f"{type(exc).__name__}: {exc}"[:300]
