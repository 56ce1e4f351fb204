"""Marshmallow schemas of the tracker's API: milestones, tracker rows, drift, and the two things a
person does to drift (acknowledge, escalate)."""

from marshmallow import Schema, fields, validate

from ..core.schemas import Int
from ..tor.vocabulary import LEGAL_STATUSES, PLAN_ROUTES
from .drift import MAX_TEXT
from .listing import DIRECTIONS, PAGE_SIZE, SORTS
from .models import DECISIONS


class MilestoneSchema(Schema):
    """Where one timescale rule stands for the child, and which rule produced it."""

    id = Int(dump_only=True)
    child_id = Int(dump_only=True)
    rule_id = fields.Str(metadata={"description": "Id of the timescale in the terms of reference"})
    label = fields.Str()
    rule_origin = fields.Str(metadata={"description": "statutory, tenant (the ToR's timescales) or cadence "
                                                      "(a tracking meeting's per-child cadence)"})
    rule_source = fields.Str(metadata={"description": "The ToR section or statute the rule comes from"})
    rule_text = fields.Str(metadata={"description": "The rule in English"})
    anchor_event = fields.Str(allow_none=True)
    anchor_date = fields.Date(allow_none=True)
    due = fields.Date()
    achieved = fields.Date(allow_none=True)
    status = fields.Str(metadata={"description": "upcoming, due_soon, overdue, achieved, achieved_late, or waiting "
                                                 "(its event has not happened yet: no due date)"})
    computed_at = fields.DateTime(metadata={"description": "when the tracker last worked out a change to this milestone "
                                                    "(a night on which nothing changed leaves it as it was)"})


class EscalationSchema(Schema):
    """One step of drift up the ladder."""

    id = Int(dump_only=True)
    level = Int()
    role = fields.Str()
    role_label = fields.Str()
    escalated_on = fields.Date()
    at = fields.DateTime()
    manual = fields.Bool(metadata={"description": "Taken by a person (true) or by the system on time (false)"})
    by_user_id = Int(allow_none=True)
    by_label = fields.Str()
    reason = fields.Str()
    notified = fields.List(fields.Str(), attribute="notified_list",
                           metadata={"description": "E-mail addresses told of the step"})


class AcknowledgementSchema(Schema):
    id = Int(dump_only=True)
    acknowledged_on = fields.Date()
    at = fields.DateTime()
    by_user_id = Int(allow_none=True)
    by_label = fields.Str()
    decision = fields.Str()
    note = fields.Str()


class DriftSchema(Schema):
    """A milestone gone past its due date, with its escalations and acknowledgements."""

    id = Int(dump_only=True)
    child_id = Int()
    milestone_id = Int(allow_none=True)
    rule_id = fields.Str()
    label = fields.Str()
    due = fields.Date(metadata={"description": "The due date that was missed"})
    opened_on = fields.Date()
    closed_on = fields.Date(allow_none=True)
    close_reason = fields.Str()
    ladder_id = fields.Str(allow_none=True)
    level = Int(metadata={"description": "Ladder step reached; 0 when not yet escalated"})
    escalated_to = fields.Str(allow_none=True)
    escalations = fields.List(fields.Nested(EscalationSchema))
    acknowledgements = fields.List(fields.Nested(AcknowledgementSchema))


class DriftQuerySchema(Schema):
    status = fields.Str(load_default="open", validate=validate.OneOf(["open", "closed"]))
    child_id = Int(validate=validate.Range(min=1))
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=50, validate=validate.Range(min=1, max=200))


# Fields the service checks for presence (so another council's drift is a 404 whatever the body holds).

class AcknowledgeSchema(Schema):
    """What was decided about the drift (both fields are required)."""

    decision = fields.Str(validate=validate.OneOf(
        list(DECISIONS), error="Must be one of: {choices}"), metadata={"description": ", ".join(DECISIONS)})
    note = fields.Str(validate=validate.Length(
        min=1, max=MAX_TEXT, error=f"Enter what was decided and why, at most {MAX_TEXT} characters"))


class EscalateSchema(Schema):
    """Take the drift one step up its ladder now (the reason is required)."""

    reason = fields.Str(validate=validate.Length(
        min=1, max=MAX_TEXT, error=f"Enter the reason for escalating, at most {MAX_TEXT} characters"))


class TrackerQuerySchema(Schema):
    """The tracker's filters, as on the web page."""

    body = fields.Str(validate=validate.Length(max=100), metadata={"description": "Id of a body of the ToR"})
    team_id = Int(validate=validate.Range(min=1))
    worker_id = Int(validate=validate.Range(min=1), metadata={"description": "Allocated social worker"})
    legal_status = fields.Str(validate=validate.OneOf(list(LEGAL_STATUSES)))
    plan_route = fields.Str(validate=validate.OneOf(list(PLAN_ROUTES)))
    drift_only = fields.Bool(load_default=False)
    mine = fields.Bool(load_default=False, metadata={"description": "Only the children allocated to, managed or "
                                                                    "reviewed by the token's user"})
    sort = fields.Str(load_default="next_due", validate=validate.OneOf(SORTS))
    direction = fields.Str(load_default="asc", validate=validate.OneOf(DIRECTIONS))
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=200))


class NextMilestoneSchema(Schema):
    rule_id = fields.Str()
    label = fields.Str()
    due = fields.Date()
    status = fields.Str()


class TrackerRowSchema(Schema):
    """One child's row of the tracker."""

    child_id = Int(attribute="child.id")
    case_number = fields.Str(attribute="child.case_number")
    name = fields.Str(attribute="child.name")
    team = fields.Function(lambda row: row.child.team.name if row.child.team else None)
    social_worker = fields.Function(lambda row: row.child.social_worker.name if row.child.social_worker else None)
    legal_status = fields.Str(allow_none=True)
    plan_route = fields.Str(allow_none=True)
    next_milestone = fields.Nested(NextMilestoneSchema, allow_none=True)
    open_drift = Int(attribute="open_drift_count")
    drift_level = Int()
