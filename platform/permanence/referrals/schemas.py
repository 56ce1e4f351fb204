"""Marshmallow schemas of the referrals API. Answers are checked against the ToR's referral form
by the same rules as the page (``rules.clean_answers``), not here."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..core.schemas import Int, UpdateSchema
from ..panels.models import ItemStatus
from . import services
from .services import MAX_REASON

TEXT = validate.Length(max=MAX_REASON)


class ChildRefSchema(Schema):
    id = Int()
    name = fields.Str()


class ReferralSchema(Schema):
    """A referral or proposal: an agenda item before (and after) it is booked."""

    id = Int(dump_only=True)
    meeting_id = Int()
    meeting_date = fields.Date(attribute="meeting.date", dump_only=True)
    body_id = fields.Str(attribute="meeting.body_id", dump_only=True)
    part_id = fields.Str(dump_only=True)
    child_id = Int(allow_none=True, dump_only=True)
    sibling_group_id = Int(allow_none=True, dump_only=True)
    children = fields.List(fields.Nested(ChildRefSchema), dump_only=True)
    entry_route = fields.Str(dump_only=True,
                             metadata={"description": "referral, cohort_rule or agreed_at_previous_meeting"})
    proposal_source = fields.Str(dump_only=True,
                                 metadata={"description": "Which rule or extract proposed the child, e.g. \"Cohort "
                                                          "rule of part 'scrutiny': ...\" or \"Power BI extract "
                                                          "x.csv, row 3\"; empty for a referral"})
    status = fields.Function(lambda item: item.status.value)
    answers = fields.Dict(metadata={"description": "Answers to the ToR's referral form, by field id"})
    reason = fields.Str()
    referred_by_id = Int(allow_none=True, dump_only=True)
    referred_at = fields.DateTime(allow_none=True, dump_only=True)
    qa_assignee_id = Int(allow_none=True, dump_only=True,
                                metadata={"description": "The person asked to quality-assure it"})
    quality_assured_by_id = Int(allow_none=True, dump_only=True)
    quality_assured_at = fields.DateTime(allow_none=True, dump_only=True)
    qa_comments = fields.Str(dump_only=True)
    submitted_at = fields.DateTime(allow_none=True, dump_only=True)
    late = fields.Bool(dump_only=True)
    late_reason = fields.Str(dump_only=True)
    late_ruling = fields.Str(dump_only=True)
    decision = fields.Str(dump_only=True,
                          metadata={"description": "Why a referral was declined or a proposal dismissed"})
    position = Int(dump_only=True)
    papers_missing = fields.Function(lambda item: [p.id for p in services.paperwork(item).missing],
                                     metadata={"description": "Ids of the required ToR paperwork not uploaded"})


class ReferralQuerySchema(Schema):
    meeting_id = Int()
    status = fields.Str(validate=validate.OneOf([s.value for s in ItemStatus]))


class CreateReferralSchema(Schema):
    meeting_id = Int(required=True)
    part_id = fields.Str(required=True, validate=validate.Length(min=1, max=100))
    child_id = Int()
    sibling_group_id = Int()
    answers = fields.Dict(keys=fields.Str(), load_default=dict)
    reason = fields.Str(required=True, validate=TEXT)

    @validates_schema
    def one_subject(self, data, **kwargs):
        if ("child_id" in data) == ("sibling_group_id" in data):
            raise ValidationError("Give either child_id or sibling_group_id", "child_id")


class UpdateReferralSchema(UpdateSchema):
    """A change to a draft or returned referral: the sitting (same panel), the answers (the whole form)
    or the reason. The referral as GET shows it is accepted; its read-only fields are ignored."""

    resource_schema = ReferralSchema

    meeting_id = Int()
    answers = fields.Dict(keys=fields.Str())
    reason = fields.Str(validate=TEXT)


class CommentsSchema(Schema):
    comments = fields.Str(load_default="", validate=TEXT)


class SubmitSchema(Schema):
    comments = fields.Str(load_default="", validate=TEXT)
    late_reason = fields.Str(load_default="", validate=TEXT)


class LateRulingSchema(Schema):
    """Both are needed; the service names the missing one (so another council's referral is a 404 first)."""

    accept = fields.Bool(load_default=None, allow_none=True)
    ruling = fields.Str(load_default="", validate=TEXT)


class NoBodySchema(Schema):
    """An action that takes no input."""


class ReasonSchema(Schema):
    reason = fields.Str(load_default="", validate=TEXT)


class QualityAssurerSchema(Schema):
    """A person who may be asked to quality-assure the referral."""

    id = Int()
    name = fields.Str()
    asked = fields.Bool(metadata={"description": "They are the one asked now"})


class ReassignSchema(Schema):
    """``user_id`` is needed; the service names it when missing (so another council's referral is a 404 first)."""

    user_id = Int(load_default=None, allow_none=True,
                         metadata={"description": "One of the referral's quality-assurers (GET quality-assurers)"})
    reason = fields.Str(load_default="", validate=TEXT)
