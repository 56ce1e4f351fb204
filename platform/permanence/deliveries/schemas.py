"""Marshmallow schemas of the delivery log's API (read only)."""

from marshmallow import Schema, fields

from ..core.schemas import Int


class DeliverySchema(Schema):
    """One decision record's delivery to one destination."""

    id = Int(dump_only=True)
    agenda_item_id = Int(dump_only=True)
    destination = fields.Str(dump_only=True, metadata={"description": "The destination plugin's name"})
    status = fields.Function(lambda d: d.status.value,
                             metadata={"description": "pending, sending, sent, failed or acknowledged"})
    attempts = Int(dump_only=True)
    last_error = fields.Str(dump_only=True)
    reference = fields.Str(dump_only=True, metadata={"description": "The receiving system's reference"})
    idempotency_key = fields.Str(dump_only=True)
    generation = Int(dump_only=True)
    trigger = fields.Str(dump_only=True)
    pdf_sha256 = fields.Str(dump_only=True)
    last_attempt_at = fields.DateTime(dump_only=True, allow_none=True)
    delivered_at = fields.DateTime(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    updated_at = fields.DateTime(dump_only=True)
