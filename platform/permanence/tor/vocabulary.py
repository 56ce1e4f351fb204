"""The shared words of every terms of reference: roles, facts, events and code lists.

A council's ``tor.yaml`` may only use the names defined here (plus any roles it
adds itself), which is what lets the platform check a configuration before a
panel ever runs on it. Codes follow the SSDA903 return (domain.md §1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

# --- Platform access roles (what a person may do in the application) -------

ACCESS_ROLES = (
    "tenant_admin", "panel_administrator", "chair", "vice_chair", "panel_member",
    "iro", "team_manager", "social_worker", "senior_manager",
)


@dataclass(frozen=True)
class Role:
    """A role a person plays for a panel, and the access role it is granted in the platform."""

    id: str
    label: str
    access_role: str
    description: str = ""


def _roles(*rows: tuple[str, str, str, str]) -> Mapping[str, Role]:
    return MappingProxyType({r[0]: Role(*r) for r in rows})


CORE_ROLES: Mapping[str, Role] = _roles(
    ("chair", "Chair", "chair", "Runs the meeting, owns its decisions and escalates drift"),
    ("vice-chair", "Vice chair", "vice_chair", "Deputises for the chair"),
    ("agency-decision-maker", "Agency decision maker", "senior_manager",
     "Senior officer who makes adoption agency decisions"),
    ("agency-adviser", "Agency adviser", "panel_member", "Quality-assures reports and advises the panel"),
    ("panel-administrator", "Panel administrator", "panel_administrator",
     "Books items, circulates papers, takes minutes and keeps the tracker"),
    ("independent-reviewing-officer", "Independent reviewing officer", "iro",
     "Chairs looked-after reviews and challenges drift"),
    ("team-manager", "Team manager", "team_manager", "Manager of a team; presents or endorses plans"),
    ("social-worker", "Social worker", "social_worker", "The child's allocated social worker"),
    ("family-finder", "Family finder", "social_worker", "Searches for adopters or long-term carers"),
    ("supervising-social-worker", "Supervising social worker", "social_worker",
     "Fostering social worker for the carers"),
    ("connected-carer-social-worker", "Connected carer social worker", "social_worker",
     "Assesses and supports family and friends carers"),
    ("legal-adviser", "Legal adviser", "panel_member", "Local authority solicitor or legal services"),
    ("virtual-school-head", "Virtual school head", "panel_member", "Education of looked-after children"),
    ("cla-nurse", "Children looked after nurse", "panel_member", "Health needs and assessments"),
    ("camhs", "CAMHS representative", "panel_member", "Emotional and mental health input"),
    ("finance-officer", "Finance officer", "panel_member", "Allowances and placement costs"),
    ("information-officer", "Information management officer", "panel_member",
     "Performance data and the tracker"),
    ("panel-member", "Panel member", "panel_member", "A member with no more specific role"),
    ("service-manager", "Service manager", "senior_manager", "Manages a service or group of teams"),
    ("head-of-service", "Head of service", "senior_manager", "Heads a children's service"),
    ("senior-manager", "Senior manager", "senior_manager", "Senior manager or senior management team"),
    ("assistant-director", "Assistant director", "senior_manager", "Assistant director of children's services"),
    ("director", "Director of children's services", "senior_manager", "Statutory director or managing director"),
    ("tenant-administrator", "Platform administrator", "tenant_admin", "Configures the council's tenant"),
)

# --- SSDA903 and planning code lists ----------------------------------------

LEGAL_STATUSES: Mapping[str, str] = MappingProxyType({
    "C1": "interim care order",
    "C2": "care order",
    "D1": "freeing order",
    "E1": "placement order",
    "V2": "section 20 accommodation",
    "V3": "short breaks, individual episodes",
    "V4": "short breaks, agreements recorded",
    "L1": "police protection",
    "L2": "emergency protection order",
    "L3": "child assessment order",
    "J1": "remanded",
    "J2": "accommodated under PACE",
    "J3": "youth rehabilitation order with residence",
})

PLACEMENT_TYPES: Mapping[str, str] = MappingProxyType({
    "A3": "placed for adoption with consent with current foster carers",
    "A4": "placed for adoption with consent",
    "A5": "placed for adoption under a placement order with current foster carers",
    "A6": "placed for adoption under a placement order",
    "H5": "semi-independent living",
    "K1": "secure children's home",
    "K2": "children's home",
    "K3": "supported accommodation",
    "P1": "placed with parents",
    "P2": "independent living",
    "P3": "residential employment",
    "R1": "residential care home",
    "R2": "NHS or health setting",
    "R3": "family centre or mother and baby unit",
    "R5": "young offender institution",
    "S1": "residential school",
    "T0": "temporary move", "T1": "temporary, in hospital", "T2": "temporary, on holiday",
    "T3": "temporary, carers on holiday", "T4": "temporary, 7 days or less",
    "U1": "long-term fostering with relatives or friends",
    "U2": "fostering for adoption with relatives or friends",
    "U3": "fostering with relatives or friends",
    "U4": "long-term fostering",
    "U5": "fostering for adoption",
    "U6": "fostering",
    "Z1": "other placement", "Z11": "other placement (Z11)", "Z12": "other placement (Z12)",
    "Z13": "other placement (Z13)", "Z14": "other placement (Z14)",
})

PLAN_ROUTES: Mapping[str, str] = MappingProxyType({
    "return_to_family": "return to family",
    "adoption": "adoption",
    "special_guardianship": "special guardianship",
    "child_arrangements_order": "child arrangements order",
    "long_term_fostering": "long-term fostering",
    "connected_person": "connected person placement",
    "residential": "long-term residential care",
    "staying_put": "Staying Put",
    "staying_close": "Staying Close",
    "independence": "independence",
    "private_fostering": "private fostering",
    "other": "other plan",
})

FLAGS: Mapping[str, str] = MappingProxyType({
    "pre_proceedings": "in pre-proceedings under the Public Law Outline",
    "legal_planning": "subject to a legal planning meeting",
    "pre_birth": "unborn or new-born (pre-birth planning)",
    "in_proceedings": "in care proceedings",
    "care_leaver": "a care leaver",
    "sibling_group": "part of a sibling group",
    "disrupted_permanent_placement": "in a permanent placement that has disrupted",
    "unaccompanied": "an unaccompanied asylum-seeking child",
    "awaiting_permanent_placement": "awaiting a permanent placement",
    "reunification_not_recommended": "not recommended for reunification",
    "unresolved_issue": "the subject of an unresolved issue raised by a member",
    "tracking_closed": "no longer tracked (a meeting's outcome closed tracking)",
})

# --- Facts: what a cohort rule may ask about a child -------------------------

CODE = "code"            # one value from a code list
CODES = "codes"          # a set of values from a code list
NUMBER = "number"
BOOLEAN = "boolean"
FACT_TYPES = (CODE, CODES, NUMBER, BOOLEAN)


@dataclass(frozen=True)
class Fact:
    """A named fact about a child that cohort and timescale rules may test."""

    name: str
    type: str
    label: str
    description: str
    values: Mapping[str, str] | None = None
    unit: str = ""
    true_text: str = ""      # how "eq: true" reads, for booleans
    false_text: str = ""
    contains_text: str = "{label} includes {value}"
    not_contains_text: str = "{label} does not include {value}"
    examples: tuple = field(default=())


def _facts(*facts: Fact) -> Mapping[str, Fact]:
    return MappingProxyType({f.name: f for f in facts})


FACTS: Mapping[str, Fact] = _facts(
    Fact("legal_status", CODE, "legal status", "Current SSDA903 legal status", LEGAL_STATUSES),
    Fact("age_years", NUMBER, "age", "Age in whole years today (0 for an unborn or new-born baby)"),
    Fact("looked_after", BOOLEAN, "looked after", "Whether the child is looked after today",
         true_text="the child is looked after", false_text="the child is not looked after"),
    Fact("placement.type", CODE, "placement type", "SSDA903 placement type (PLACE)", PLACEMENT_TYPES),
    Fact("placement.approved_permanent", BOOLEAN, "placement approved as permanent",
         "Whether the current placement has been approved as the child's permanent placement",
         true_text="the placement is approved as permanent",
         false_text="the placement is not approved as permanent"),
    Fact("months_in_placement", NUMBER, "time in current placement", "Whole months in the current placement",
         unit="months"),
    Fact("months_in_care", NUMBER, "time in care", "Whole months since entering care", unit="months"),
    Fact("weeks_in_proceedings", NUMBER, "time in proceedings", "Whole weeks since proceedings were issued",
         unit="weeks"),
    Fact("reviews_held", NUMBER, "looked-after reviews held", "Number of statutory reviews held so far"),
    Fact("plan.primary_route", CODE, "primary plan", "Route of the primary permanence plan", PLAN_ROUTES),
    Fact("plan.contingency_routes", CODES, "contingency plan", "Routes of the contingency/parallel plans",
         PLAN_ROUTES),
    Fact("plan.routes", CODES, "plan (primary or contingency)",
         "All routes of the plan: the primary route and every contingency route", PLAN_ROUTES),
    Fact("flags", CODES, "circumstances", "Circumstances recorded for the child", FLAGS,
         contains_text="the child is {value}", not_contains_text="the child is not {value}"),
)

# --- Events: what a timescale is measured from or completed by -------------

EVENTS: Mapping[str, str] = MappingProxyType({
    "entered_care": "the child became looked after",
    "left_care": "the child left care",
    "first_review": "the first looked-after review",
    "second_review": "the second looked-after review",
    "latest_review": "the most recent looked-after review",
    "pre_proceedings_start": "the pre-proceedings (PLO) letter or meeting",
    "legal_planning_meeting": "the legal planning meeting",
    "proceedings_issued": "care proceedings were issued",
    "final_order": "the final order in care proceedings",
    "care_order": "a care order was made",
    "placement_order": "a placement order was made",
    "placement_start": "the current placement started",
    "viability_assessment_signed_off": "the viability assessment was signed off",
    "full_assessment_completed": "the full connected-carer assessment was completed",
    "permanence_plan_agreed": "a permanence plan was agreed",
    "last_tracking_meeting": "the most recent tracking meeting",
    "last_panel": "the most recent panel discussion of the child",
    "adm_decision": "the agency decision maker's should-be-placed decision",
    "match": "the match with permanent carers or adopters",
    "placed_for_adoption": "the child was placed for adoption",
    "permanence_achieved": "permanence was secured (order made or match approved)",
    "birth": "the child's birth",
    "expected_birth": "the expected date of birth",
    # Events that happen many times: the dates of every occurrence, oldest first, so that a
    # timescale may be anchored on the nth (``due: {event: review, nth: 2}``) or the latest.
    "review": "a looked-after review",
    "panel": "a panel discussion of the child",
    "tracking_meeting": "a tracking meeting discussion of the child",
})

# The repeating events above and the noun an ordinal goes with ("the second looked-after review").
REPEATING_EVENTS: Mapping[str, str] = MappingProxyType({
    "review": "looked-after review",
    "panel": "panel discussion of the child",
    "tracking_meeting": "tracking meeting discussion of the child",
})

# Where the date of each event comes from. An event whose data the record does not hold yet stays
# available to a terms of reference but unknown (a timescale anchored on it waits) until recorded.
EVENT_SOURCES: Mapping[str, str] = MappingProxyType({
    "review": "the child's looked-after reviews (SSDA903 REVIEWS) of the current period of care",
    "first_review": "the first of 'review' (kept for existing terms of reference)",
    "second_review": "the second of 'review' (kept for existing terms of reference)",
    "latest_review": "the latest of 'review'",
    "panel": "the meetings of the council's panels at which the child's item was heard",
    "last_panel": "the latest of 'panel'",
    "tracking_meeting": "the tracking meetings at which the child's item was heard",
    "last_tracking_meeting": "the latest of 'tracking_meeting'",
    "proceedings_issued": "the child's care proceedings (issue date of the latest)",
    "final_order": "the child's care proceedings (conclusion of the latest)",
    "adm_decision": "not yet recorded by the platform: supplied by an event source when one is registered; "
                    "until then unknown, so a timescale anchored on it waits",
    "match": "not yet recorded by the platform (as adm_decision)",
})


def occurrences(events: Mapping, name: str | None) -> tuple:
    """Every date of event ``name`` in an events mapping, oldest first: a repeating event carries a
    tuple of dates, any other a single date (or nothing)."""
    value = events.get(name) if name else None
    if value is None:
        return ()
    if isinstance(value, (tuple, list)):
        return tuple(sorted(value))
    return (value,)


def latest_date(value):
    """The date an events mapping gives for one event: the latest occurrence of a repeating one."""
    if isinstance(value, (tuple, list)):
        return max(value) if value else None
    return value

# A timescale measured from an event of the child's period of care, or of care proceedings, is
# about that period or those proceedings: once it ends (the child leaves care, the final order is
# made) a milestone not yet met stops applying, and its drift closes. A met one stays in the record.
ENDED_BY: Mapping[str, str] = MappingProxyType({
    **dict.fromkeys(("entered_care", "first_review", "second_review", "latest_review", "review", "placement_start",
                     "placed_for_adoption", "care_order", "placement_order"), "left_care"),
    "proceedings_issued": "final_order",
})

# The event that begins what each ending ends: an anchor on an event of a period of care waits only
# while the child is looked after (before entering care, or after leaving, it does not apply).
PERIOD_STARTS: Mapping[str, str] = MappingProxyType({"left_care": "entered_care", "final_order": "proceedings_issued"})

CASE_RECORD_SYSTEMS = (
    "Mosaic", "FWi", "LCS", "Eclipse", "CareFirst", "Protocol", "ICS", "Azeus Care", "CareDirector",
)

# --- Enumerations used by the format ----------------------------------------

BODY_KINDS = ("panel", "tracking_meeting")
VENUE_KINDS = ("online", "in_person", "hybrid")
ENTRY_ROUTES = ("referral", "cohort_rule", "agreed_at_previous_meeting", "raised_by_member", "request")
# What a part's items are: children's cases (the default) or requests the body decides (funding...).
PART_ITEMS = ("children", "requests")
DEADLINE_KINDS = ("referrals", "papers", "agenda_circulation", "added_items", "minutes", "record", "other")
LATE_POLICIES = ("refuse", "accept_flagged_late", "chair_discretion")
# What accepting a proposal (a cohort rule's, the previous meeting's) does: book the child at once,
# or hand it to the child's social worker as a referral to complete (form and papers), quality-assured
# where the body names quality assurance, for the panel administrator to book once submitted.
ACCEPTED_PROPOSALS = ("book_directly", "complete_as_referral")
ESCALATION_TRIGGERS = ("milestone_overdue", "action_overdue", "chair_decision")
FIELD_TYPES = ("text", "long_text", "date", "number", "money", "yes_no", "choice", "choices", "file", "person")
REPORT_FREQUENCIES = ("monthly", "quarterly", "six_monthly", "annual", "ad_hoc")
CIRCULATION_AUDIENCES = ("members", "presenters", "invited_experts", "partner_agencies", "social_worker",
                         "team_manager")
