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

from ..core.links import link_problem
from ..core.workdays import ROLL_POLICIES, Offset
from . import dfe903, model
from .fields import (Bool, Date, Event, Id, Int, NestedList, OffsetSchema, RecipientRef, ReviewDate, RoleRef,
                     RuleField, Str, StrictSchema, Time, Tuple, one_of)
from .reminders import RemindersSchema
from .schedule import WEEKDAY_CODES
from .timescales import DueSchema, EscalationLadder, EscalationStep, TimescaleRule
from .tracker import TrackerSchema
from .vocabulary import (ACCEPTED_PROPOSALS, ACCESS_ROLES, BODY_KINDS, CIRCULATION_AUDIENCES, DEADLINE_KINDS,
                         ENTRY_ROUTES, ESCALATION_TRIGGERS, FIELD_TYPES, LATE_POLICIES, PART_ITEMS,
                         REPORT_FREQUENCIES, VENUE_KINDS, Role)

FORMAT_VERSION = 1
BANK_HOLIDAY_POLICIES = ("skip", "next_working_day", "previous_working_day")


class CouncilSchema(StrictSchema):
    target = model.Council
    name = Str(required=True)
    short_name = Str(load_default="")
    case_record_system = Str(load_default="")
    authors = Tuple(Str(), load_default=())
    owner = Str(load_default="")
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


class FollowsSchema(StrictSchema):
    """``{body: adoption-panel, offset: {days: 0}}`` or ``{body: resources-panel, next: MO}``."""

    target = model.Follows
    body = Id(required=True)
    offset = fields.Nested(OffsetSchema, load_default=None)
    next = Str(load_default=None, validate=one_of(WEEKDAY_CODES, "weekday"))
    gap_minutes = Int(load_default=0, validate=validate.Range(min=0, max=12 * 60))

    @validates_schema
    def _offset_or_next(self, data, **kwargs):
        if (data.get("offset") is None) == (data.get("next") is None):
            raise ValidationError("give offset (e.g. {days: 0}: the same day; {working_days: 2, direction: "
                                  "before}) or next (a weekday, e.g. MO: the Monday after), not both",
                                  "offset" if data.get("offset") is not None else "body")


class CadenceSchema(StrictSchema):
    target = model.Cadence
    rrule = Str(load_default="")
    anchor = Date(load_default=None)
    start_time = Time(load_default=None)
    end_time = Time(load_default=None)
    duration_minutes = Int(load_default=None, validate=validate.Range(min=1))
    time_zone = Str(load_default=model.LONDON, validate=one_of((model.LONDON,), "time zone"))
    bank_holidays = Str(load_default="next_working_day", validate=one_of(BANK_HOLIDAY_POLICIES, "bank holiday rule"))
    follows = fields.Nested(FollowsSchema, load_default=None)
    at_least = Bool(load_default=False)
    extra_sittings_by = Tuple(RoleRef(), load_default=())
    description = Str(load_default="")
    source = Str(load_default="")

    @validates_schema
    def _check(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        follows = data.get("follows")
        if follows is not None:
            errors.update({k: [f"{k} belongs to a cadence of its own; a cadence that follows another body takes "
                               "its dates from that body's sittings"] for k in ("rrule", "anchor") if data.get(k)})
            same_day = follows.offset is not None and follows.offset.amount == 0
            if data.get("start_time") is None:
                if not same_day:
                    errors["start_time"] = ["give start_time: only a sitting on the same day as the other body's "
                                            "(offset: {days: 0}) can start straight after it"]
                elif data.get("end_time") is not None:
                    errors["end_time"] = ["a sitting straight after another body's has no fixed start; give "
                                          "duration_minutes instead of end_time"]
                elif data.get("duration_minutes") is None:
                    errors["duration_minutes"] = ["give duration_minutes: how long the sitting straight after "
                                                  "the other body's lasts"]
            elif follows.gap_minutes:
                errors["follows"] = ["gap_minutes is for a sitting straight after the other body's (no start_time)"]
        else:
            errors.update({key: ["required key is missing (or give follows: to sit in step with another body)"]
                           for key in ("rrule", "anchor", "start_time") if not data.get(key)})
        if data.get("extra_sittings_by") and not data.get("at_least"):
            errors["extra_sittings_by"] = ["extra sittings are for a cadence that is a minimum; add at_least: true"]
        rrule_text, anchor, start = data.get("rrule"), data.get("anchor"), data.get("start_time")
        if rrule_text and anchor and start and follows is None:
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
        if "duration_minutes" in errors or "end_time" in errors:
            pass  # already said what to give
        elif end is None and duration is None:
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
    """A repeating cadence (``every``, ``first_after``) or a meeting held once per occurrence of an
    event (``once: true``, ``within``, ``after``); never both."""

    target = model.ChildCadence
    id = Id(required=True)
    every = fields.Nested(OffsetSchema, load_default=None)
    when = RuleField(load_default=None)
    label = Str(load_default="")
    first_after = Event(load_default=None)
    once = Bool(load_default=False)
    within = fields.Nested(OffsetSchema, load_default=None)
    after = Event(load_default=None)
    source = Str(load_default="")

    @validates_schema
    def _every_or_once(self, data, **kwargs):
        errors: dict[str, list[str]] = {}
        if data.get("once"):
            if data.get("every") is not None:
                errors["every"] = ["a meeting held once does not repeat: give once: true with within and after, "
                                   "or every for a repeating cadence, not both"]
            if data.get("first_after") is not None:
                errors["first_after"] = ["first_after is for a repeating cadence; a meeting held once is counted "
                                         "from its after event"]
            if data.get("within") is None:
                errors["within"] = ["required key is missing: how soon after the event the meeting is held, "
                                    "e.g. within: {working_days: 10}"]
            elif data["within"].direction != "after":
                errors["within"] = ["within counts forward from the after event; leave direction out"]
            if data.get("after") is None:
                errors["after"] = ["required key is missing: the event the meeting follows, e.g. "
                                   "after: entered_care"]
        else:
            for key in ("within", "after"):
                if data.get(key) is not None:
                    errors[key] = [f"{key} is for a meeting held once: add once: true (and drop every), "
                                   "or use every and first_after for a repeating cadence"]
            if data.get("every") is None and not errors:
                errors["every"] = ["required key is missing: give every (how often the meeting recurs), or "
                                   "once: true with within and after (a meeting held once after an event)"]
        if errors:
            raise ValidationError(errors)


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
    link = Str(load_default="", validate=lambda v: _online_link(v))


def _online_link(value: str) -> bool:
    problem = link_problem(value) if value else None
    if problem:
        raise ValidationError(f"the online-meeting link {problem}")
    return True


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
    """A body's membership: its seats and quorum, or ``use: <id>`` of a shared membership (top-level
    ``memberships``), optionally adding members and invited experts of its own."""

    target = model.Membership
    use = Id(load_default=None)
    chairs = NestedList(SeatSchema, validate=validate.Length(min=1, error="name at least one chair"))
    vice_chairs = NestedList(SeatSchema, load_default=())
    members = NestedList(SeatSchema, load_default=())
    substitutes_allowed = Bool(load_default=True)
    invited_experts = NestedList(ExpertSchema, load_default=())
    presenters = Tuple(RoleRef(), load_default=("social-worker", "team-manager"))
    quorum = fields.Nested(QuorumSchema, load_default=model.Quorum)
    source = Str(load_default="")

    # What a body using a shared membership may still say of its own.
    WITH_USE = ("use", "members", "invited_experts", "source")

    @validates_schema(pass_original=True)
    def _chairs_or_use(self, data, original, **kwargs):
        given = set(original) if isinstance(original, dict) else set()
        if data.get("use") is not None:
            errors = {k: [f"{k} comes from the shared membership {data['use']!r}; a body using it may add only "
                          "members and invited_experts"] for k in sorted(given - set(self.WITH_USE) - {"assumption"})}
            if errors:
                raise ValidationError(errors)
        elif "chairs" not in given:
            raise ValidationError({"chairs": ["required key is missing (or give use: <id> of a shared membership)"]})

    @post_load
    def _build(self, data, **kwargs):
        use = data.pop("use")
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        if use is not None:
            # Filled in from the shared membership by the loader, once the whole file is read.
            return model.Membership(members=data["members"], invited_experts=data["invited_experts"],
                                    source=data["source"], shared=use, added_members=data["members"],
                                    added_experts=data["invited_experts"])
        return model.Membership(**data)


class SharedMembershipSchema(MembershipSchema):
    """A membership declared once under top-level ``memberships``, for bodies to ``use``."""

    class Meta(StrictSchema.Meta):
        exclude = ("use",)

    id = Id(required=True)
    label = Str(required=True)

    @validates_schema(pass_original=True)
    def _chairs_or_use(self, data, original, **kwargs):
        if isinstance(original, dict) and "chairs" not in original:
            raise ValidationError({"chairs": ["required key is missing"]})

    @post_load
    def _build(self, data, **kwargs):
        head = {k: data.pop(k) for k in ("id", "label")}
        data = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items()}
        return model.SharedMembership(head["id"], head["label"], model.Membership(**data, shared=head["id"]),
                                      data.get("source", ""))


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
    items = Str(load_default="children", validate=one_of(PART_ITEMS, "kind of items"))
    request_form = NestedList(FormFieldSchema, load_default=())
    who_may_request = Tuple(RoleRef(), load_default=("social-worker", "team-manager"))
    outcomes = Tuple(Id(), load_default=())
    source = Str(load_default="")

    @post_load(pass_original=True)
    def _build(self, data, original, **kwargs):
        # A requests part's items come by request: that is its entry route unless the file names
        # others (which validation refuses: requests are not children).
        if data.get("items") == "requests" and not (isinstance(original, dict) and "entry_routes" in original):
            data["entry_routes"] = ("request",)
        return super()._build(data, **kwargs)


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
    sent_to = Tuple(RecipientRef(), load_default=("social-worker", "team-manager"))
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
    needs_conditions = Bool(load_default=False)
    source = Str(load_default="")


class DecisionsBetweenSittingsSchema(StrictSchema):
    target = model.DecisionsBetweenSittings
    by = Tuple(RoleRef(), required=True, validate=validate.Length(min=1, error="name at least one role"))
    outcomes = Tuple(Id(), load_default=())
    reported_to_next_sitting = Bool(load_default=True)
    source = Str(load_default="")


class DecisionReviewSchema(StrictSchema):
    target = model.DecisionReview
    who_may_ask = Tuple(RoleRef(), required=True, validate=validate.Length(min=1, error="name at least one role"))
    within = fields.Nested(OffsetSchema, required=True)
    decided_by = RoleRef(required=True)
    may_refer = Bool(load_default=True)
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
    convened_by = Tuple(RoleRef(), load_default=(), validate=validate.Length(
        min=1, error="name at least one role that convenes the meeting, or leave convened_by out"))
    decisions_between_sittings = fields.Nested(DecisionsBetweenSittingsSchema, load_default=None)
    decision_review = fields.Nested(DecisionReviewSchema, load_default=None)
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
    bodies = Tuple(Id(), load_default=())
    audience = Tuple(RoleRef(), load_default=())


class PracticeThemeSchema(StrictSchema):
    target = model.PracticeTheme
    id = Id(required=True)
    label = Str(required=True)
    description = Str(load_default="")
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


class ImportsSchema(StrictSchema):
    """``imports:``: the council's import policy (the DfE's 903 rules that keep a child out)."""

    dfe_rules_that_block = Tuple(Str(), load_default=())
    local_authority_code = Str(load_default=None, validate=validate.Regexp(
        r"^[EW]\d{8}$", error="expected the council's nine-character ONS code, e.g. E08000011"))
    source = Str(load_default=None)

    @validates_schema
    def _known_rules(self, data, **kwargs):
        unknown = dfe903.unknown_codes(data.get("dfe_rules_that_block", ()))
        if unknown:
            raise ValidationError(
                f"unknown DfE rule code{'s' if len(unknown) > 1 else ''} {', '.join(repr(c) for c in unknown)}; "
                f"the rule packs of {dfe903.package()} ({', '.join(map(dfe903.year_label, dfe903.years()))}) "
                "have no such rule (codes are written as the DfE writes them, e.g. '380', '392b')",
                "dfe_rules_that_block")

    @post_load
    def _build(self, data, **kwargs):
        return model.Imports(tuple(dict.fromkeys(data["dfe_rules_that_block"])), data["local_authority_code"],
                             data["source"])


class ExportsSchema(StrictSchema):
    """``exports:``: how often the council's data for its analysts is written to the operator's folder."""

    analytics_every = Str(load_default=None, validate=one_of(model.ANALYTICS_EVERY, "export frequency"))
    source = Str(load_default=None)

    @post_load
    def _build(self, data, **kwargs):
        return model.Exports(data["analytics_every"], data["source"])


class TorSchema(StrictSchema):
    """The whole ``tor.yaml``. Its result is a dict that the loader completes into a TermsOfReference."""

    format_version = Int(load_default=FORMAT_VERSION, validate=validate.OneOf(
        (FORMAT_VERSION,), error="unsupported format_version {input}; this platform reads version 1"))
    council = fields.Nested(CouncilSchema, required=True)
    roles = NestedList(RoleSchema, load_default=())
    bodies = NestedList(BodySchema, required=True, validate=validate.Length(min=1, error="define at least one body"))
    memberships = NestedList(SharedMembershipSchema, load_default=())
    timescales = NestedList(TimescaleSchema, load_default=())
    statutory_timescales = fields.Nested(StatutoryTimescalesSchema, load_default=model.StatutoryTimescales)
    escalation_ladders = NestedList(EscalationLadderSchema, load_default=())
    reporting = NestedList(ReportingSchema, load_default=())
    practice_themes = NestedList(PracticeThemeSchema, load_default=())
    sections = NestedList(SectionSchema, load_default=())
    plugins = fields.Nested(PluginsSchema, load_default=model.Plugins)
    due_soon = fields.Nested(OffsetSchema, load_default=lambda: Offset(10, "working_days"))
    tracker = fields.Nested(TrackerSchema, load_default=None)
    reminders = fields.Nested(RemindersSchema, load_default=model.Reminders)
    imports = fields.Nested(ImportsSchema, load_default=model.Imports)
    exports = fields.Nested(ExportsSchema, load_default=model.Exports)
