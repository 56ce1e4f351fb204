"""Marshmallow schemas of the decision register's API: the query (types here; whether a body, an outcome
or a team is the council's is ``register.problems``) and the rows, as the page shows them."""

from flask import url_for
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..cases import codes
from ..core.schemas import Int
from .register import BETWEEN, ITEM, PER_PAGE, PERIODS

_CODE = validate.Length(min=1, max=100)


class DecisionQuerySchema(Schema):
    body = fields.Str(validate=_CODE, metadata={"description": "A panel's or tracking meeting's id in the terms of "
                                                              "reference in force"})
    outcome = fields.Str(validate=_CODE, metadata={"description": "An outcome id of the chosen body (of any body "
                                                                 "when none is chosen)"})
    team = Int(validate=validate.Range(min=1), metadata={"description": "A team's id: a child of the decision is "
                                                                        "in it"})
    legal_status = fields.Str(validate=validate.OneOf(list(codes.LEGAL_STATUSES)),
                              metadata={"description": "SSDA903 legal status held by a child on the decision's date"})
    plan_route = fields.Str(validate=validate.OneOf(list(codes.PLAN_ROUTES)),
                            metadata={"description": "Primary plan route of a child on the decision's date"})
    period = fields.Str(validate=validate.OneOf(list(PERIODS)),
                        metadata={"description": "This or last quarter or financial year (from 1 April); not with "
                                                 "from or to"})
    from_ = fields.Date(data_key="from", metadata={"description": "Decisions on or after this date"})
    to = fields.Date(metadata={"description": "Decisions on or before this date"})
    page = Int(load_default=1, validate=validate.Range(min=1))
    per_page = Int(load_default=PER_PAGE, validate=validate.Range(min=1, max=500))

    @validates_schema
    def _period_or_dates(self, data, **kwargs):
        if data.get("period") and (data.get("from_") or data.get("to")):
            raise ValidationError("Choose a period or from and to dates, not both", "period")
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("The date must be the same as or after the from date", "to")


class DecisionChildSchema(Schema):
    """A child of the decision, with their legal status and primary plan route on its date."""

    id = fields.Function(lambda c: c.child.id)
    name = fields.Function(lambda c: c.child.name)
    case_number = fields.Function(lambda c: c.child.case_number)
    team = fields.Function(lambda c: c.child.team.name if c.child.team else None)
    legal_status = fields.Str(allow_none=True, metadata={"description": "SSDA903 code"})
    legal_status_label = fields.Str()
    plan_route = fields.Str(allow_none=True)
    plan_route_label = fields.Str()


class DecisionSchema(Schema):
    kind = fields.Str(metadata={"description": f"{ITEM} (heard at a meeting) or {BETWEEN}"})
    id = Int(metadata={"description": "The agenda item's id, or the decision between sittings' id"})
    date = fields.Date(attribute="day")
    body_id = fields.Str()
    body = fields.Str()
    meeting_id = Int(allow_none=True, metadata={"description": "None between sittings"})
    tracking_meeting = fields.Bool(attribute="tracking")
    request_number = Int(allow_none=True, metadata={"description": "A request's number; None for a child's item"})
    children = fields.List(fields.Nested(DecisionChildSchema))
    team = fields.Str()
    legal_status = fields.Str(metadata={"description": "As the page shows it (each child's where siblings' differ)"})
    plan_route = fields.Str()
    outcome_id = fields.Str()
    outcome = fields.Str(metadata={"description": "The terms of reference's words"})
    decision = fields.Str()
    recorded_by = fields.Str()
    sign_off = fields.Str(attribute="sign_off_state", allow_none=True,
                          metadata={"description": "agreed, not_agreed or awaiting; None where none is needed"})
    sign_off_text = fields.Str(attribute="sign_off")
    next_review_on = fields.Date(allow_none=True)
    escalated = fields.Bool()
    decision_record_url = fields.Function(lambda r: url_for(r.record_endpoint[0], **r.record_endpoint[1]))


class DecisionListSchema(Schema):
    count = Int(metadata={"description": "Decisions the filters select, on every page"})
    page = Int()
    per_page = Int()
    pages = Int()
    decisions = fields.List(fields.Nested(DecisionSchema), attribute="rows")
