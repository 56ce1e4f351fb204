"""Marshmallow schemas of the meeting's API: attendance with the quorum, declarations of interest
and rulings, the item's record, deferral and sign-off.

Each resource is dumped by one schema and changed through another (``*UpdateSchema``) that takes
the resource's GET output back as it stands (``core.schemas.UpdateSchema``). Load schemas check
types only; the services check meaning (an outcome of the terms of reference, a reason when
escalating) so another council's id is a 404 whatever the body holds.
"""

from marshmallow import Schema, fields, validate

from ..core.schemas import Int, UpdateSchema
from .agreed_dates import item_dates
from .record import sign_off_state, sign_off_text
from .services import MAX_NAME, MAX_TEXT

TEXT = validate.Length(max=MAX_TEXT)
NAME = validate.Length(max=MAX_NAME)


class Value(fields.Str):
    """A string that dumps an enum member as its value (``present``, not ``AttendanceStatus.PRESENT``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(getattr(value, "value", value), attr, obj, **kwargs)


class AttendanceSchema(Schema):
    """One person at the meeting, in a seat (a ToR role) or as a guest (no role)."""

    id = Int(allow_none=True, metadata={"description": "Id of a row kept; omit for a new row"})
    user_id = Int(allow_none=True, metadata={"description": "The member, when they have an account"})
    name = fields.Str(metadata={"description": "Who sat in a seat with no account, or a guest's name"})
    role = fields.Str(metadata={"description": "ToR role id of the seat; empty for a guest (guests never count "
                                               "for quorum)"})
    title = fields.Str()
    person = fields.Function(lambda r: r.user.name if r.user else r.name,
                             metadata={"description": "The member's or guest's name as shown"})
    status = Value(metadata={"description": "present, apologies, represented, absent or not_required"})
    represented_by = fields.Str(metadata={"description": "Required when represented"})
    parts = fields.Dict(keys=fields.Str(), values=fields.Str(allow_none=True), allow_none=True,
                        metadata={"description": "{part id: status} for an agenda part where the attendance differs "
                                                 "from status"})
    by_part = fields.Dict(keys=fields.Str(), values=fields.Str(), dump_only=True,
                          metadata={"description": "The attendance at each part with items: present, apologies, "
                                                   "represented, absent or not_required"})
    not_required_for = fields.List(fields.Str(), dump_only=True,
                                   metadata={"description": "Parts with items the seat is not required for "
                                                            "(the ToR's not_required_for_parts)"})


class AttendanceUpdateRowSchema(UpdateSchema):
    """One row of the attendance as PUT takes it (a row as GET shows it is accepted)."""

    resource_schema = AttendanceSchema

    id = Int(allow_none=True, metadata={"description": "Id of a row kept; omit for a new row"})
    user_id = Int(allow_none=True, metadata={"description": "The member, when they have an account"})
    name = fields.Str(load_default="", validate=NAME,
                      metadata={"description": "Who sat in a seat with no account, or a guest's name"})
    role = fields.Str(load_default="", validate=validate.Length(max=100),
                      metadata={"description": "ToR role id of the seat; empty for a guest"})
    title = fields.Str(load_default="", validate=validate.Length(max=200))
    status = fields.Str(load_default="", metadata={"description": "present, apologies, represented or absent"})
    represented_by = fields.Str(load_default="", validate=NAME,
                                metadata={"description": "Required when represented"})
    parts = fields.Dict(keys=fields.Str(), values=fields.Str(allow_none=True), load_default=None, allow_none=True,
                        metadata={"description": "{part id: status} for an agenda part where the attendance differs "
                                                 "from status (left early; came to a part the seat is not required "
                                                 "for: present). A part the seat is not required for is "
                                                 "not_required unless given here"})


class PartQuorumSchema(Schema):
    part_id = fields.Str()
    title = fields.Str()
    met = fields.Bool()
    reasons = fields.List(fields.Str())
    counted = Int(metadata={"description": "Seats required for the part present (or represented)"})


class QuorumSchema(Schema):
    met = fields.Bool(metadata={"description": "Quorate in every agenda part with items"})
    parts = fields.List(fields.Nested(PartQuorumSchema), metadata={"description": "Each part with items, judged "
                                                                                   "over the seats required for it"})
    reasons = fields.List(fields.Str(), metadata={"description": "Why the meeting is not quorate"})
    counted = Int(metadata={"description": "Seats present (or represented, when substitutes count)"})
    minimum = Int()
    representatives_count = fields.Bool(metadata={"description": "The ToR's substitutes_allowed"})
    note = fields.Str()


class AttendanceListSchema(Schema):
    """The meeting's attendance and whether it is quorate under its terms of reference."""

    meeting_id = Int(dump_only=True)
    recorded = fields.Bool(dump_only=True,
                           metadata={"description": "False while the list is only the seats, not yet taken"})
    attendance = fields.List(fields.Nested(AttendanceSchema))
    quorum = fields.Nested(QuorumSchema, dump_only=True)


class AttendanceUpdateSchema(UpdateSchema):
    """The whole attendance list; rows not listed are removed. The list as GET shows it is accepted."""

    resource_schema = AttendanceListSchema

    attendance = fields.List(fields.Nested(AttendanceUpdateRowSchema), load_default=None)


class DeclarationSchema(Schema):
    """A declaration of interest (for the whole meeting when agenda_item_id is null) and the chair's ruling."""

    id = Int(dump_only=True)
    meeting_id = Int(dump_only=True)
    agenda_item_id = Int(allow_none=True)
    user_id = Int(load_default=None)
    interest = fields.Str(load_default="", validate=TEXT)
    ruling = fields.Function(lambda d: d.ruling.value, dump_only=True,
                             metadata={"description": "pending, take_part, observe or leave"})
    ruled_by_id = Int(dump_only=True, allow_none=True)
    ruled_at = fields.DateTime(dump_only=True, allow_none=True)


class RulingSchema(Schema):
    """The chair's ruling: take_part, observe or leave (leave: for an item; the member cannot open its papers)."""

    ruling = fields.Str(load_default=None)


class ItemRecordSchema(Schema):
    """The meeting's record of an item."""

    id = Int(dump_only=True)
    meeting_id = Int(dump_only=True)
    status = fields.Function(lambda i: i.status.value,
                             metadata={"description": "booked, heard, deferred or not_heard (or a referral's step)"})
    discussion = fields.Str()
    care_plan_confirmed = fields.Bool(allow_none=True)
    legal_status_confirmed = fields.Bool(allow_none=True)
    outcome_id = fields.Str(allow_none=True, metadata={"description": "Id of an outcome of the body's ToR"})
    conditions = fields.Str(metadata={"description": "The conditions of an outcome the ToR says needs them"})
    amount_agreed = fields.Decimal(as_string=True, allow_none=True, places=2,
                                   metadata={"description": "A request's amount agreed in pounds (\"1000.00\")"})
    decision = fields.Str()
    next_review_on = fields.Date(allow_none=True)
    escalate = fields.Bool()
    escalation_reason = fields.Str(metadata={"description": "Required when escalate is true"})
    agreed_dates = fields.Function(
        lambda i: {k: v.isoformat() for k, v in item_dates(i).items()},
        metadata={"description": "The dates the meeting agreed for the outcome's sets_dates: {date id: date}"})
    recorded_by_id = Int(dump_only=True, allow_none=True)
    recorded_at = fields.DateTime(dump_only=True, allow_none=True)
    carried_from_id = Int(dump_only=True, allow_none=True)
    sign_off_role = fields.Str(dump_only=True, allow_none=True)
    sign_off = fields.Function(sign_off_state, metadata={"description": "not_needed, awaiting, agreed or not_agreed"})
    sign_off_text = fields.Function(sign_off_text)
    signed_off_by_id = Int(dump_only=True, allow_none=True)
    signed_off_at = fields.DateTime(dump_only=True, allow_none=True)
    sign_off_note = fields.Str(dump_only=True)


class ItemRecordUpdateSchema(UpdateSchema):
    """The meeting's record of an item. Saving it marks the item heard; saving it unchanged changes
    nothing. The record as GET shows it is accepted."""

    resource_schema = ItemRecordSchema

    discussion = fields.Str(load_default="", validate=TEXT)
    care_plan_confirmed = fields.Bool(allow_none=True)
    legal_status_confirmed = fields.Bool(allow_none=True)
    outcome_id = fields.Str(allow_none=True, metadata={"description": "Id of an outcome of the body's ToR"})
    conditions = fields.Str(load_default="", validate=TEXT,
                            metadata={"description": "Required for an outcome the ToR says needs conditions"})
    amount_agreed = fields.Raw(allow_none=True, load_default=None, metadata={
        "description": "A request's amount agreed in pounds, more than 0 with at most 2 decimals; null for none"})
    decision = fields.Str(load_default="", validate=TEXT)
    next_review_on = fields.Date(allow_none=True, load_default=None)
    escalate = fields.Bool(load_default=False)
    escalation_reason = fields.Str(load_default="", validate=TEXT,
                                   metadata={"description": "Required when escalate is true"})
    agreed_dates = fields.Dict(keys=fields.Str(), values=fields.Date(), load_default=dict,
                               metadata={"description": "A date for each of the outcome's sets_dates "
                                                        "({date id: date}), after the meeting, not in the past"})


class ItemThemesSchema(Schema):
    """The practice themes (ids of the ToR's ``practice_themes``) an item is tagged with."""

    id = Int(dump_only=True)
    themes = fields.List(fields.Str(validate=validate.Length(max=100)), attribute="practice_themes",
                         metadata={"description": "Ids of the terms of reference's practice_themes"})


class ItemThemesUpdateSchema(UpdateSchema):
    """The item's practice themes, replacing those it had; [] clears them."""

    resource_schema = ItemThemesSchema

    themes = fields.List(fields.Str(validate=validate.Length(max=100)), load_default=list,
                         validate=validate.Length(max=100),
                         metadata={"description": "Ids of the terms of reference's practice_themes; none: no themes"})


class DeferSchema(Schema):
    reason = fields.Str(load_default="", validate=TEXT)


class DeferredSchema(Schema):
    """The deferred item and the item booked at the next sitting."""

    deferred = fields.Nested(ItemRecordSchema)
    carried = fields.Nested(ItemRecordSchema)


class NotHeardSchema(Schema):
    reason = fields.Str(load_default="", validate=TEXT, metadata={"description": "Why the meeting did not hear it"})


class NotHeardResultSchema(Schema):
    """The item marked not heard and what follows for the child: at a panel, a proposal at the next
    sitting (the panel administrator books or dismisses it); at a tracking meeting, the child's next
    meeting, booked. ``next`` is null when no later sitting is scheduled yet."""

    not_heard = fields.Nested(ItemRecordSchema)
    next = fields.Nested(ItemRecordSchema, allow_none=True)


class NextAgendaEntrySchema(Schema):
    """One child agreed for the next sitting."""

    agenda_item_id = Int(required=True, metadata={"description": "A candidate's agenda_item_id"})
    part_id = fields.Str(load_default="", validate=validate.Length(max=100),
                         metadata={"description": "A part of the next sitting taking agreed_at_previous_meeting; "
                                                  "empty for the suggested part"})


class NextAgendaUpdateSchema(Schema):
    """The children the meeting agrees for its next sitting (added to what is already agreed)."""

    items = fields.List(fields.Nested(NextAgendaEntrySchema), load_default=None)


class NextAgendaCandidateSchema(Schema):
    agenda_item_id = fields.Function(lambda c: c.item.id, metadata={"description": "This meeting's item, or the "
                                                                                  "proposal at the next sitting"})
    reference = fields.Function(lambda c: c.item.subject_reference,
                                metadata={"description": "The child (or sibling group) by initials and case number"})
    status = fields.Function(lambda c: c.item.status.value)
    part_id = fields.Str(metadata={"description": "The part suggested (or booked) at the next sitting"})
    agreed = fields.Bool(metadata={"description": "Booked on the next sitting's agenda"})
    next_item_id = fields.Function(lambda c: c.there.id if c.there is not None else None,
                                   metadata={"description": "The child's item on the next sitting, if any"})


class PartSchema(Schema):
    id = fields.Str()
    title = fields.Str()


class NextAgendaSchema(Schema):
    """The next sitting's agenda as the meeting may agree it (the ToR's agreed_at_previous_meeting)."""

    meeting_id = fields.Function(lambda p: p.meeting.id)
    next_meeting_id = fields.Function(lambda p: p.target.id if p.target else None)
    next_meeting_date = fields.Function(lambda p: p.target.date.isoformat() if p.target else None)
    parts = fields.List(fields.Nested(PartSchema),
                        metadata={"description": "Parts taking agreed_at_previous_meeting"})
    candidates = fields.List(fields.Nested(NextAgendaCandidateSchema))


class SignOffSchema(Schema):
    agree = fields.Bool(allow_none=True, load_default=None)
    note = fields.Str(load_default="", validate=TEXT)
