"""Marshmallow schemas of ``tor.yaml``: every key, its type and its default.

Every schema rejects unknown keys (``unknown = RAISE``) so that a misspelt key
is reported rather than ignored, and every default lives here, in code, so a
tenant file only states what its terms of reference actually say. ``post_load``
turns each part into the frozen dataclasses of :mod:`permanence.tor.model`.
Cross-references (roles, bodies, ladders) are checked afterwards by
:mod:`permanence.tor.validation`, once the whole document is known.
"""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from dateutil.rrule import DAILY, rrule, rrulestr
from marshmallow import ValidationError, fields, post_load, validate, validates_schema

from ..core.workdays import ROLL_POLICIES, Offset
from . import model
from .fields import (Bool, Date, Event, Id, Int, NestedList, OffsetSchema, ReviewDate, RoleRef, RuleField, Str,
                     StrictSchema, Time, Tuple, one_of)
from .reminders import RemindersSchema
from .timescales import DueSchema, EscalationLadder, EscalationStep, TimescaleRule
from .tracker import TrackerSchema
from .vocabulary import (ACCEPTED_PROPOSALS, ACCESS_ROLES, BODY_KINDS, CIRCULATION_AUDIENCES, DEADLINE_KINDS,
                         ENTRY_ROUTES, ESCALATION_TRIGGERS, FIELD_TYPES, LATE_POLICIES, REPORT_FREQUENCIES,
                         VENUE_KINDS, Role)

FORMAT_VERSION = 1
BANK_HOLIDAY_POLICIES = ("skip", "next_working_day", "previous_working_day")


class CouncilSchema(StrictSchema):
    target = model.Council
    name = Str(required=True)
    short_name = Str(load_default="")
    case_record_system = Str(load_default="")
    authors = Tuple(Str(), load_default=())
    approved_by = Str(load_default="")
    last_reviewed = ReviewDate(load_default=None)
    review_every = fields.Nested(OffsetSchema, load_default=lambda: Offset(12, "months"))
    next_review_due = Date(load_default=None)
    source = Str(load_default="")

    @post_load
    def _build(self, data, **kwargs):
        reviewed = data.pop("last_reviewed")
        if reviewed is not None:
            data["last_reviewed"], data["last_reviewed_precision"] = reviewed
        return super()._build(data, **kwargs)


class RoleSchema(StrictSchema):
    id = Id(required=True)
    label = Str(required=True)
    access_role = Str(required=True, validate=one_of(ACCESS_ROLES, "access role"))
    description = Str(load_default="")

    @post_load
    def _build(self, data, **kwargs):
        return Role(**data)


class CadenceSchema(StrictSchema):
    target = model.Cadence
    rrule = Str(required=True)
    anchor = Date(required=True)
    start_time = Time(required=True)
    end_time = Time(load_default=None)
    duration_minutes = Int(load_default=None, validate=validate.Range(min=1))
    time_zone = Str(load_default=model.LONDON, validate=one_of((model.LONDON,), "time zone"))
    bank_holidays = Str(load_default="next_working_day", validate=one_of(BANK_HOLIDAY_POLICIES, "bank holiday rule"))
    description = Str(load_default="")
    source = Str(load_default="")

    @validates_schema
    def _check(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        rrule_text, anchor, start = data.get("rrule"), data.get("anchor"), data.get("start_time")
        if rrule_text and anchor and start:
            if "DTSTART" in rrule_text.upper():
                errors["rrule"] = ["leave DTSTART out of rrule; the anchor date gives it"]
            else:
                try:
                    rule = rrulestr(rrule_text, dtstart=datetime.combine(anchor, start))
                except (ValueError, TypeError) as err:
                    errors["rrule"] = [f"not a valid RFC 5545 recurrence rule ({err}); "
                                       "e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"]
                else:
                    if not isinstance(rule, rrule) or rule._freq > DAILY:
                        errors["rrule"] = ["give one rule, repeating DAILY, WEEKLY, MONTHLY or YEARLY; "
                                           "e.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=WE"]
                    elif _first_sitting(rule) is None:
                        errors["rrule"] = [f"this rule never gives a sitting from the anchor {anchor.isoformat()} on "
                                           "(no date matches it, or its COUNT or UNTIL ends it first); e.g. "
                                           "FREQ=MONTHLY;BYDAY=+1FR"]
        end, duration = data.get("end_time"), data.get("duration_minutes")
        if end is None and duration is None:
            errors["end_time"] = ["give end_time or duration_minutes"]
        elif end is not None and duration is not None:
            errors["duration_minutes"] = ["give end_time or duration_minutes, not both"]
        elif end is not None and start is not None and end <= start:
            errors["end_time"] = ["end_time must be after start_time"]
        if errors:
            raise ValidationError(errors)


def _first_sitting(rule) -> datetime | None:
    """The rule's first date, or None when it never gives one. dateutil would look up to the year
    9999 for a rule no date matches (30 February); a rule that matches no date in 28 years (every
    weekday and leap-year pattern) never will, so the search stops there."""
    if not isinstance(rule, rrule):
        return None
    start = rule._dtstart  # rrulestr keeps DTSTART here
    if rule._count == 0:
        return None
    cap = start.replace(year=start.year + 28)
    probe = rule.replace(count=None, until=min(rule._until, cap) if rule._until else cap)
    return probe.after(start, inc=True)


class ChildCadenceSchema(StrictSchema):
    target = model.ChildCadence
    id = Id(required=True)
    every = fields.Nested(OffsetSchema, required=True)
    when = RuleField(load_default=None)
    label = Str(load_default="")
    first_after = Event(load_default=None)
    source = Str(load_default="")


class MeetingDaysSchema(StrictSchema):
    target = model.MeetingDays
    agreed_by = RoleRef(required=True)
    supported_by = Tuple(RoleRef(), load_default=("panel-administrator",))
    text = Str(load_default="")
    source = Str(load_default="")


class VenueSchema(StrictSchema):
    target = model.Venue
    kind = Str(load_default="online", validate=one_of(VENUE_KINDS, "venue kind"))
    platform = Str(load_default="")
    address = Str(load_default="")
    note = Str(load_default="")


class SeatSchema(StrictSchema):
    target = model.Seat
    role = RoleRef(required=True)
    title = Str(load_default="")
    required = Bool(load_default=True)
    not_required_for_parts = Tuple(Str(), load_default=())
    note = Str(load_default="")
    source = Str(load_default="")


class QuorumSchema(StrictSchema):
    target = model.Quorum
    minimum = Int(load_default=3, validate=validate.Range(min=1))
    required_roles = Tuple(RoleRef(), load_default=("chair",))
    note = Str(load_default="")
    source = Str(load_default="")


class ExpertSchema(StrictSchema):
    target = model.Expert
    role = RoleRef(required=True)
    title = Str(load_default="")
    when = Str(load_default="as required")


class MembershipSchema(StrictSchema):
    target = model.Membership
    chairs = NestedList(SeatSchema, required=True, validate=validate.Length(min=1, error="name at least one chair"))
    vice_chairs = NestedList(SeatSchema, load_default=())
    members = NestedList(SeatSchema, load_default=())
    substitutes_allowed = Bool(load_default=True)
    invited_experts = NestedList(ExpertSchema, load_default=())
    presenters = Tuple(RoleRef(), load_default=("social-worker", "team-manager"))
    quorum = fields.Nested(QuorumSchema, load_default=model.Quorum)
    source = Str(load_default="")


class PaperworkSchema(StrictSchema):
    target = model.PaperworkItem
    id = Id(required=True)
    label = Str(required=True)
    required = Bool(load_default=True)


class FormFieldSchema(StrictSchema):
    target = model.FormField
    id = Id(required=True)
    label = Str(required=True)
    type = Str(load_default="text", validate=one_of(FIELD_TYPES, "field type"))
    required = Bool(load_default=False)
    options = Tuple(Str(), load_default=())
    help = Str(load_default="")


class AgendaPartSchema(StrictSchema):
    target = model.AgendaPart
    id = Id(required=True)
    title = Str(required=True)
    description = Str(load_default="")
    cohort = RuleField(load_default=None)
    entry_routes = Tuple(Str(validate=one_of(ENTRY_ROUTES, "entry route")), load_default=("referral",))
    minutes_per_item = Int(load_default=20, validate=validate.Range(min=1))
    paperwork = NestedList(PaperworkSchema, load_default=())
    referral_form = NestedList(FormFieldSchema, load_default=())
    headings = Tuple(Str(validate=validate.Length(min=1, max=200)), load_default=())
    accepted_proposals = Str(load_default=None, validate=one_of(ACCEPTED_PROPOSALS, "accepted_proposals"))
    source = Str(load_default="")


class DeadlineSchema(StrictSchema):
    target = model.DeadlineRule
    kind = Str(required=True, validate=one_of(DEADLINE_KINDS, "deadline kind"))
    offset = fields.Nested(OffsetSchema, required=True)
    time = Time(load_default=None)
    responsible = RoleRef(load_default=None)
    roll = Str(load_default=None, validate=one_of(ROLL_POLICIES, "roll policy"))
    label = Str(load_default="")
    text = Str(load_default="")
    source = Str(load_default="")


class ReferralSchema(StrictSchema):
    target = model.Referral
    who_may_refer = Tuple(RoleRef(), load_default=("social-worker", "team-manager"))
    submit_to = Str(load_default="")
    quality_assurance_by = RoleRef(load_default=None)
    quality_assurance_fallback = RoleRef(load_default=None)
    accepted_proposals = Str(load_default="book_directly", validate=one_of(ACCEPTED_PROPOSALS, "accepted_proposals"))
    sibling_groups_as_one_item = Bool(load_default=True)
    consolidated_sibling_reports = Bool(load_default=True)
    late_policy = Str(load_default="chair_discretion", validate=one_of(LATE_POLICIES, "late referral policy"))
    note = Str(load_default="")
    source = Str(load_default="")


class CirculationSchema(StrictSchema):
    target = model.Circulation
    by = RoleRef(load_default="panel-administrator")
    to = Tuple(Str(validate=one_of(CIRCULATION_AUDIENCES, "audience")), load_default=("members", "presenters"))
    electronic = Bool(load_default=True)
    partner_agencies_route = Str(load_default="")
    notify_presenters_of_slot = Bool(load_default=True)
    note = Str(load_default="")
    source = Str(load_default="")


class RecordKeepingSchema(StrictSchema):
    target = model.RecordKeeping
    recorded_by = RoleRef(load_default="panel-administrator")
    case_record_system = Str(load_default="")
    case_record_by = RoleRef(load_default="panel-administrator")
    includes = Tuple(Str(), load_default=())
    tracker_kept_by = RoleRef(load_default="panel-administrator", allow_none=True)
    sent_to = Tuple(RoleRef(), load_default=("social-worker", "team-manager"))
    note = Str(load_default="")
    source = Str(load_default="")


class OutcomeConditionSchema(StrictSchema):
    """``only_when: {present: [legal-adviser]}`` and/or ``when:`` a cohort rule over the child's facts."""

    target = model.OutcomeCondition
    present = Tuple(RoleRef(), load_default=())
    when = RuleField(load_default=None)

    @validates_schema
    def _says_something(self, data, **kwargs):
        if not data.get("present") and data.get("when") is None:
            raise ValidationError("only_when needs present (roles that must be at the sitting, e.g. "
                                  "[legal-adviser]) or when (a rule about the child), or both")


class AgreedDateSchema(StrictSchema):
    """``sets_dates: [{id: matching-report, label: Matching report to panel, met_by: last_panel}]``."""

    target = model.AgreedDate
    id = Id(required=True)
    label = Str(required=True)
    met_by = Event(required=True)
    source = Str(load_default="")


class OutcomeSchema(StrictSchema):
    target = model.OutcomeOption
    id = Id(required=True)
    label = Str(required=True)
    books_next_tracking_meeting = Bool(load_default=False)
    refers_to_body = Str(load_default=None)
    closes_tracking = Bool(load_default=False)
    requires_sign_off_by = RoleRef(load_default=None)
    only_when = fields.Nested(OutcomeConditionSchema, load_default=None)
    sets_dates = NestedList(AgreedDateSchema, load_default=())
    source = Str(load_default="")


class BodySchema(StrictSchema):
    target = model.Body
    id = Id(required=True)
    kind = Str(required=True, validate=one_of(BODY_KINDS, "body kind"))
    name = Str(required=True)
    short_name = Str(load_default="")
    accountable_to = Str(load_default="")
    cadence = fields.Nested(CadenceSchema, load_default=None)
    per_child_cadence = NestedList(ChildCadenceSchema, load_default=())
    meeting_days = fields.Nested(MeetingDaysSchema, load_default=None)
    venue = fields.Nested(VenueSchema, load_default=model.Venue)
    membership = fields.Nested(MembershipSchema, required=True)
    agenda_parts = NestedList(AgendaPartSchema, load_default=())
    paperwork = NestedList(PaperworkSchema, load_default=())
    referral_form = NestedList(FormFieldSchema, load_default=())
    referral = fields.Nested(ReferralSchema, load_default=model.Referral)
    circulation = fields.Nested(CirculationSchema, load_default=model.Circulation)
    record = fields.Nested(RecordKeepingSchema, load_default=model.RecordKeeping)
    deadlines = NestedList(DeadlineSchema, load_default=())
    outcomes = NestedList(OutcomeSchema, load_default=())
    escalation = Str(load_default=None)
    source = Str(load_default="")


class TimescaleSchema(StrictSchema):
    target = TimescaleRule
    id = Id(required=True)
    label = Str(required=True)
    due = fields.Nested(DueSchema, load_default=None)  # the anchored form, instead of event + offset
    event = Event(load_default=None)
    offset = fields.Nested(OffsetSchema, load_default=None)
    when = RuleField(load_default=None)
    completed_by = Event(load_default=None)
    fallback_event = Event(load_default=None)
    not_before = Event(load_default=None)
    repeat = fields.Nested(OffsetSchema, load_default=None)
    sign_off_by = Tuple(RoleRef(), load_default=())
    source = Str(load_default="")

    @validates_schema
    def _due_or_event(self, data, **kwargs):
        if data.get("due") is not None:
            errors = {k: [f"{k} belongs to the event + offset form; with due, " + (
                "give the anchors inside due" if k in ("event", "offset") else
                "use due: {earliest: [...]} for a fallback" if k == "fallback_event" else
                "repeat is not available")]
                for k in ("event", "offset", "fallback_event", "repeat") if data.get(k) is not None}
        else:
            errors = {k: ["required key is missing (or give due: instead of event and offset)"]
                      for k in ("event", "offset") if data.get(k) is None}
        if errors:
            raise ValidationError(errors)

    @post_load
    def _build(self, data, **kwargs):
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()
                if not (k in ("event", "offset") and v is None)}
        return TimescaleRule(**data)


class StatutoryTimescalesSchema(StrictSchema):
    target = model.StatutoryTimescales
    inherit = Bool(load_default=True)
    disable = Tuple(Str(), load_default=())


class EscalationStepSchema(StrictSchema):
    target = EscalationStep
    role = RoleRef(required=True)
    after = fields.Nested(OffsetSchema, required=True)
    trigger = Str(load_default="milestone_overdue", validate=one_of(ESCALATION_TRIGGERS, "trigger"))
    title = Str(load_default="")
    note = Str(load_default="")
    source = Str(load_default="")


class EscalationLadderSchema(StrictSchema):
    target = EscalationLadder
    id = Id(required=True)
    label = Str(required=True)
    steps = NestedList(EscalationStepSchema, required=True, validate=validate.Length(min=1))
    source = Str(load_default="")


class ReportingSchema(StrictSchema):
    target = model.ReportingDuty
    id = Id(required=True)
    label = Str(required=True)
    frequency = Str(required=True, validate=one_of(REPORT_FREQUENCIES, "frequency"))
    to = Str(required=True)
    prepared_by = RoleRef(load_default=None)
    source = Str(load_default="")


class SectionSchema(StrictSchema):
    target = model.Section
    id = Id(required=True)
    title = Str(required=True)
    text = Str(required=True)
    source = Str(load_default="")


class PluginsSchema(StrictSchema):
    enabled = Tuple(Str(), load_default=())
    settings = fields.Dict(keys=Str(), load_default=dict)

    @post_load
    def _build(self, data, **kwargs):
        return model.Plugins(tuple(data["enabled"]), MappingProxyType(dict(data["settings"])))


class TorSchema(StrictSchema):
    """The whole ``tor.yaml``. Its result is a dict that the loader completes into a TermsOfReference."""

    format_version = Int(load_default=FORMAT_VERSION, validate=validate.OneOf(
        (FORMAT_VERSION,), error="unsupported format_version {input}; this platform reads version 1"))
    council = fields.Nested(CouncilSchema, required=True)
    roles = NestedList(RoleSchema, load_default=())
    bodies = NestedList(BodySchema, required=True, validate=validate.Length(min=1, error="define at least one body"))
    timescales = NestedList(TimescaleSchema, load_default=())
    statutory_timescales = fields.Nested(StatutoryTimescalesSchema, load_default=model.StatutoryTimescales)
    escalation_ladders = NestedList(EscalationLadderSchema, load_default=())
    reporting = NestedList(ReportingSchema, load_default=())
    sections = NestedList(SectionSchema, load_default=())
    plugins = fields.Nested(PluginsSchema, load_default=model.Plugins)
    due_soon = fields.Nested(OffsetSchema, load_default=lambda: Offset(10, "working_days"))
    tracker = fields.Nested(TrackerSchema, load_default=None)
    reminders = fields.Nested(RemindersSchema, load_default=model.Reminders)
