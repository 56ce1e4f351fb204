"""Marshmallow schemas of the agenda API: seats, meetings with deadlines, the agenda, an item's slot."""

from marshmallow import Schema, fields, validate

from ..core.schemas import Int
from .forms import MAX_MINUTES


class SeatSchema(Schema):
    id = Int(dump_only=True)
    body_id = fields.Str(dump_only=True)
    user_id = Int(required=True, metadata={"description": "A member of the council"})
    user_name = fields.Function(lambda seat: seat.user.name, dump_only=True)
    role = fields.Str(dump_only=True, metadata={"description": "The ToR role id of the seat"})
    title = fields.Str(dump_only=True, metadata={"description": "The council's title for the seat"})
    active = fields.Bool(load_default=True)
    seat = Int(load_only=True, required=True, validate=validate.Range(min=0),
                      metadata={"description": "Index of the seat in the ToR's membership (GET's tor_seats)"})


class TorSeatSchema(Schema):
    index = Int()
    role = fields.Str()
    title = fields.Str()
    required = fields.Bool()
    filled_by = fields.Function(lambda row: row.holder.user_id if row.holder else None,
                                metadata={"description": "User id of the active holder; null when vacant"})


class SeatsSchema(Schema):
    body_id = fields.Str()
    name = fields.Str()
    tor_seats = fields.List(fields.Nested(TorSeatSchema))
    seats = fields.List(fields.Nested(SeatSchema))


class DeadlineSchema(Schema):
    kind = fields.Str()
    label = fields.Str()
    due = fields.Date()
    due_at = fields.DateTime(allow_none=True)
    responsible = fields.Str(allow_none=True)


class MeetingSchema(Schema):
    id = Int()
    body_id = fields.Str()
    body_name = fields.Str()
    date = fields.Date()
    starts_at = fields.DateTime(allow_none=True)
    ends_at = fields.DateTime(allow_none=True)
    venue = fields.Str()
    status = fields.Function(lambda m: m["status"].value)
    agenda_published_at = fields.DateTime(allow_none=True)


class MeetingDetailSchema(MeetingSchema):
    deadlines = fields.List(fields.Nested(DeadlineSchema))


class MeetingQuerySchema(Schema):
    body_id = fields.Str(validate=validate.Length(max=100))
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=50, validate=validate.Range(min=1, max=200))


class PaperworkSchema(Schema):
    complete = fields.Bool()
    missing = fields.List(fields.Str(), metadata={"description": "Labels of required papers not yet in"})


class AgendaItemSchema(Schema):
    id = Int()
    part_id = fields.Str()
    position = Int()
    subject = fields.Str(metadata={"description": "The child (or sibling group) the item is about"})
    case_numbers = fields.List(fields.Str())
    starts_at = fields.DateTime()
    minutes_allowed = Int()
    presenter_id = Int(allow_none=True)
    second_presenter_id = Int(allow_none=True)
    late = fields.Bool()
    entry_route = fields.Str(metadata={"description": "How the child reached the agenda: referral, cohort_rule, ..."})
    proposal_source = fields.Str(metadata={"description": "Which rule or extract proposed the child (empty for a "
                                                          "referral)"})
    paperwork = fields.Nested(PaperworkSchema)


class AgendaPartSchema(Schema):
    id = fields.Str()
    title = fields.Str()
    items = fields.List(fields.Nested(AgendaItemSchema))


class AgendaSchema(Schema):
    meeting = fields.Nested(MeetingSchema)
    published_at = fields.DateTime(allow_none=True)
    parts = fields.List(fields.Nested(AgendaPartSchema))


class ItemPatchSchema(Schema):
    """Any of these; omitted fields are left as they are. ``starts_at`` null goes back to the computed slot."""

    position = Int(validate=validate.Range(min=1, max=500))
    starts_at = fields.AwareDateTime(allow_none=True, default_timezone=None,
                                     metadata={"description": "With its time zone, on the day of the sitting"})
    minutes_allowed = Int(allow_none=True, validate=validate.Range(min=1, max=MAX_MINUTES))
    presenter_id = Int(allow_none=True)
    second_presenter_id = Int(allow_none=True)
