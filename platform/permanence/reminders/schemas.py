"""Marshmallow schemas of the tracking meetings' and reminders' API."""

from marshmallow import Schema, fields

from ..core.schemas import Int


class TrackingItemSchema(Schema):
    """A child's booked tracking meeting."""

    meeting_id = Int()
    date = fields.Date(attribute="meeting.date")
    starts_at = fields.DateTime(attribute="meeting.starts_at", allow_none=True,
                                metadata={"description": "When it starts, in one of the team's agreed times; "
                                                        "null when it is held on the day at no set time"})
    ends_at = fields.DateTime(attribute="meeting.ends_at", allow_none=True)
    body_id = fields.Str(attribute="meeting.body_id")
    item_id = Int(attribute="id")
    child_id = Int(allow_none=True)
    child = fields.Str(attribute="subject_name")
    entry_route = fields.Str(metadata={"description": "cohort_rule (booked from the cadence), "
                                                      "agreed_at_previous_meeting or referred_by_<body>"})
    reason = fields.Str(metadata={"description": "Why it was booked"})


class PersonSchema(Schema):
    id = Int()
    name = fields.Str()
    email = fields.Str()


class OutcomeSchema(Schema):
    id = fields.Str()
    label = fields.Str()


class TrackingMeetingSchema(TrackingItemSchema):
    """One tracking meeting: the ToR's agenda headings, who is invited and the outcomes it can reach."""

    body_name = fields.Str()
    headings = fields.List(fields.Str())
    invited = fields.List(fields.Nested(PersonSchema))
    outcomes = fields.List(fields.Nested(OutcomeSchema))


class DueQuerySchema(Schema):
    date = fields.Date(load_default=None, metadata={"description": "The day to look at (ISO); today by default"})


class DueReminderSchema(Schema):
    """A reminder due on the day, in the council's words, and whether it already went."""

    kind = fields.Str()
    key = fields.Str()
    to = fields.Str()
    subject = fields.Str()
    body = fields.Str()
    already_sent = fields.Bool()
