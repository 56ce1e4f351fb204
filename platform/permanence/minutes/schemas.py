"""Marshmallow schemas of the minutes API: the minutes with their revision, the edit that must
carry the revision it started from, the per-child decision record and the meetings that
considered a child."""

from flask import url_for
from marshmallow import Schema, fields

from ..core.schemas import Int, UpdateSchema
from .services import MAX_TEXT


class MinutesSchema(Schema):
    """A meeting's minutes; ``revision`` goes back with every change (optimistic locking)."""

    meeting_id = Int(dump_only=True)
    text = fields.Str()
    revision = Int(metadata={"description": "Send it back with PUT/approve; a stale one is a 409"})
    status = fields.Function(lambda m: m.status.value, metadata={"description": "draft, approved or circulated"})
    edited_by_id = Int(allow_none=True, dump_only=True,
                              metadata={"description": "Who last saved by hand; None if assembled"})
    approved_by_id = Int(allow_none=True, dump_only=True)
    approved_at = fields.DateTime(allow_none=True, dump_only=True)
    circulated_at = fields.DateTime(allow_none=True, dump_only=True)
    due_on = fields.Date(allow_none=True, dump_only=True,
                         metadata={"description": "The terms of reference's minutes deadline"})
    overdue = fields.Bool(dump_only=True, metadata={"description": "Not circulated and past the deadline"})


class MinutesConflictSchema(Schema):
    """409: nothing was written. When someone else saved first, ``text`` and ``revision`` are the
    minutes as saved now: compare, then send again with this revision."""

    code = Int()
    status = fields.Str()
    message = fields.Str()
    text = fields.Str(metadata={"description": "The minutes as saved now"})
    revision = Int(metadata={"description": "The revision saved now"})


# Load schemas check types only; the services check meaning (422 naming the field) once the meeting is
# found, so another council's id is a 404 whatever the body holds.
class MinutesUpdateSchema(UpdateSchema):
    """The minutes' text and the revision it was edited from (the minutes as GET shows them are accepted)."""

    resource_schema = MinutesSchema

    text = fields.Str(load_default=None, metadata={"description": f"Required; up to {MAX_TEXT:,} characters"})
    revision = Int(load_default=None, metadata={"description": "Required: the revision the edit started from"})


class AssembleSchema(Schema):
    replace = fields.Bool(load_default=False, metadata={"description": "Replace a draft someone edited by hand"})
    revision = Int(allow_none=True, load_default=None,
                          metadata={"description": "The revision seen; required with replace"})


class ApproveSchema(Schema):
    revision = Int(load_default=None, metadata={"description": "Required: the revision the chair read"})


class DecisionRecordChildSchema(Schema):
    id = Int()
    name = fields.Str()
    case_number = fields.Str()
    date_of_birth = fields.Date(allow_none=True)


class DecisionRecordActionSchema(Schema):
    id = Int()
    description = fields.Str()
    owner = fields.Str()
    due_on = fields.Date()
    status = fields.Str()


class DecisionRecordSchema(Schema):
    """What the panel decided about one child (or sibling group) at one meeting, for the case record."""

    item_id = Int()
    council = fields.Str()
    body = fields.Str()
    meeting_date = fields.Date()
    part = fields.Str()
    subject = fields.Str()
    children = fields.List(fields.Nested(DecisionRecordChildSchema))
    attendees = fields.List(fields.Str())
    apologies = fields.List(fields.Str())
    discussion = fields.Str()
    care_plan_confirmed = fields.Bool(allow_none=True)
    legal_status_confirmed = fields.Bool(allow_none=True)
    outcome_id = fields.Str(allow_none=True)
    outcome = fields.Str(metadata={"description": "The outcome in the terms of reference's words"})
    decision = fields.Str()
    sign_off = fields.Str(metadata={"description": "Empty, or e.g. \"Not yet agreed by Head of service\""})
    next_review_on = fields.Date(allow_none=True)
    actions = fields.List(fields.Nested(DecisionRecordActionSchema))
    case_record_system = fields.Str()
    conditions = fields.Str(metadata={"description": "The conditions of an outcome the ToR says needs them"})
    amount_agreed = fields.Str(metadata={"description": "A request's amount agreed (\"£1,000.00\"); empty if none"})


def _record_url(endpoint: str):
    return lambda m: url_for(endpoint, agenda_item_id=m.agenda_item_id) if m.heard else None


class ChildMeetingSchema(Schema):
    """One panel or tracking meeting that considered the child (on their own, or with their sibling
    group): what happened, and where the decision record is once the item was heard."""

    agenda_item_id = Int()
    meeting_id = Int()
    date = fields.Date()
    body_id = fields.Str()
    body = fields.Str(metadata={"description": "The panel or tracking meeting as the terms of reference name it"})
    kind = fields.Function(lambda m: "tracking_meeting" if m.tracking else "panel",
                           metadata={"description": "panel or tracking_meeting"})
    part = fields.Str(metadata={"description": "The agenda part the child was considered in"})
    state = fields.Str(metadata={"description": "heard, deferred, not_heard (the meeting was cancelled, or the "
                                                "record says so), not_recorded (the day has passed, no record "
                                                "yet) or booked (still to come)"})
    state_label = fields.Str()
    note = fields.Str(metadata={"description": "Why it was not heard, or the sign-off still awaited"})
    sibling_group = fields.Str(metadata={"description": "The sibling group's name when considered with siblings"})
    outcome_id = fields.Str(allow_none=True, metadata={"description": "The outcome of the body's ToR, once heard"})
    outcome = fields.Str(metadata={"description": "The outcome in the terms of reference's words"})
    decision = fields.Str(metadata={"description": "The decision; for a deferred item, why and to when"})
    next_review_on = fields.Date(allow_none=True)
    meeting_url = fields.Function(lambda m: url_for("tracking_meetings.meeting" if m.tracking else "panels.meeting",
                                                    meeting_id=m.meeting_id))
    decision_record_url = fields.Function(_record_url("minutes.decision"),
                                          metadata={"description": "The decision record's page, once heard"})
    decision_record_pdf_url = fields.Function(_record_url("minutes.decision_pdf"),
                                              metadata={"description": "The decision record as PDF, once heard"})
