"""The shared words of every terms of reference: roles, facts, events and code lists.

A council's ``tor.yaml`` may only use the names defined here (plus any roles it
adds itself), which is what lets the platform check a configuration before a
panel ever runs on it. Codes follow the SSDA903 return (domain.md §1).
"""

from __future__ import annotations

import re

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
    "child_protection_plan": "subject to a child protection plan",
    "plan_to_become_looked_after": "planned to become looked after (for example when a remand ends)",
})

# Circumstances the record shows by itself (proceedings, birth, sibling group, care history) or that a
# meeting's outcome writes; the rest are recorded by a person on the child's page.
DERIVED_FLAGS = frozenset({"pre_proceedings", "legal_planning", "pre_birth", "in_proceedings", "care_leaver",
                           "sibling_group", "tracking_closed"})

# How section 20 accommodation began, recorded with a V2 legal status on the child's record.
S20_ENTRIES: Mapping[str, str] = MappingProxyType({
    "emergency": "in an emergency",
    "planned": "as a planned admission",
})

# --- Where facts and events come from ------------------------------------------
# Each fact and event names its source once, here; the ToR format page and docs/tor-format.md show it.

FROM_903_EPISODES = "SSDA903 Episodes (LS, DECOM, DEC), or a legal status recorded on the child's page"
FROM_903_PLACEMENTS = "SSDA903 Episodes (PLACE, DECOM, DEC) and placements on the child's record"
FROM_903_PERIODS = "SSDA903 Episodes (RNE S to REC): the child's periods of care"
FROM_903_REVIEWS = "SSDA903 Reviews (REVIEW) of the current period of care"
FROM_903_HEADER = "SSDA903 Header (DOB, MC_DOB) or the child's details"
FROM_PROCEEDINGS = "the child's record: care proceedings (issued, concluded, outcome)"
FROM_PRE_PROCEEDINGS = "the child's record: pre-proceedings (decision, letter, meeting)"
FROM_PLANS = "the child's record: permanence plan (primary and contingency routes, agreed)"
FROM_CIRCUMSTANCES = "the child's record: circumstances (recorded on the child's page, from and to)"
FROM_KEY_DATES = "recorded on the child's page (key dates)"
FROM_PANELS = "a meeting's outcome: the panel meetings at which the child's item was heard"
FROM_TRACKING = "a meeting's outcome: the tracking meetings at which the child's item was heard"

# --- Facts: what a cohort rule may ask about a child -------------------------

CODE = "code"            # one value from a code list
CODES = "codes"          # a set of values from a code list
NUMBER = "number"
BOOLEAN = "boolean"
FACT_TYPES = (CODE, CODES, NUMBER, BOOLEAN)


@dataclass(frozen=True)
class Fact:
    """A named fact about a child that cohort and timescale rules may test, and where its value comes from.

    The ``*_text`` templates say how a comparison reads where "{label} is ..." would not read
    naturally: ``number_text`` takes ``{amount}`` ("more than 6 months"), ``code_text`` and
    ``not_code_text`` take ``{value}``, ``contains_text`` and ``not_contains_text`` take ``{label}``
    and ``{value}``."""

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
    source: str = ""
    number_text: str = ""
    code_text: str = ""
    not_code_text: str = ""


def _facts(*facts: Fact) -> Mapping[str, Fact]:
    return MappingProxyType({f.name: f for f in facts})


# --- Events: what a timescale is measured from or completed by -------------

@dataclass(frozen=True)
class Event:
    """A dated event of a child's record that a timescale counts from or is met by.

    ``source`` says where its date comes from; an event whose date is not recorded yet stays
    available to a terms of reference but unknown (a timescale anchored on it waits) until it is.
    ``repeats`` is the noun an ordinal goes with for an event that happens many times ("the second
    looked-after review"): such an event carries every date, oldest first. ``recordable`` events
    are the key dates a worker records on the child's page: a new one is a line here, not code."""

    name: str
    label: str
    source: str
    repeats: str = ""
    recordable: bool = False


def _events(*events: Event) -> Mapping[str, Event]:
    return MappingProxyType({e.name: e for e in events})


EVENT_DEFINITIONS: Mapping[str, Event] = _events(
    Event("entered_care", "the child became looked after", FROM_903_PERIODS),
    Event("left_care", "the child left care", FROM_903_PERIODS),
    Event("first_review", "the first looked-after review", "the first of 'review' (" + FROM_903_REVIEWS + ")"),
    Event("second_review", "the second looked-after review", "the second of 'review' (" + FROM_903_REVIEWS + ")"),
    Event("latest_review", "the most recent looked-after review", "the latest of 'review' (" + FROM_903_REVIEWS + ")"),
    Event("pre_proceedings_start", "the pre-proceedings (PLO) letter or meeting", FROM_PRE_PROCEEDINGS),
    Event("legal_planning_meeting", "the legal planning meeting", FROM_PRE_PROCEEDINGS),
    Event("proceedings_issued", "care proceedings were issued", FROM_PROCEEDINGS + ": issue date of the latest"),
    Event("final_order", "the final order in care proceedings", FROM_PROCEEDINGS + ": conclusion of the latest"),
    Event("care_order", "a care order was made", FROM_903_EPISODES + ": the first C2"),
    Event("placement_order", "a placement order was made", FROM_903_EPISODES + ": the first E1 or D1"),
    Event("placement_start", "the current placement started", FROM_903_PLACEMENTS),
    Event("viability_assessment_signed_off", "the viability assessment was signed off", FROM_KEY_DATES,
          recordable=True),
    Event("full_assessment_completed", "the full connected-carer assessment was completed", FROM_KEY_DATES,
          recordable=True),
    Event("permanence_plan_agreed", "a permanence plan was agreed", FROM_PLANS + ": the first primary plan"),
    Event("last_tracking_meeting", "the most recent tracking meeting", "the latest of 'tracking_meeting' ("
          + FROM_TRACKING + ")"),
    Event("last_panel", "the most recent panel discussion of the child", "the latest of 'panel' (" + FROM_PANELS + ")"),
    Event("adm_decision", "the agency decision maker's should-be-placed decision", FROM_KEY_DATES
          + " and SSDA903 PlacedAdoption DATE_PLACED (unless reversed by DATE_PLACED_CEASED) and AD1 DATE_INT: "
          "the latest", recordable=True),
    Event("match", "the match with permanent carers or adopters", FROM_KEY_DATES + " and SSDA903 AD1 DATE_MATCH: "
          "the latest", recordable=True),
    Event("placed_for_adoption", "the child was placed for adoption", FROM_903_PLACEMENTS + ": the latest A3 to A6"),
    Event("permanence_achieved", "permanence was secured (order made or match approved)",
          FROM_903_PLACEMENTS + " (approved as permanent) and " + FROM_903_PERIODS + " (left care to permanence)"),
    Event("birth", "the child's birth", FROM_903_HEADER),
    Event("expected_birth", "the expected date of birth", "the child's details (expected date of birth)"),
    # Where a process stands: recorded on the child's page as it happens.
    Event("permanent_placement_decided", "a permanent placement was decided to be needed", FROM_KEY_DATES,
          recordable=True),
    Event("family_finding_started", "family finding began", FROM_KEY_DATES, recordable=True),
    Event("sgo_application_made", "a special guardianship order application was made", FROM_KEY_DATES,
          recordable=True),
    Event("adoption_application_made", "an adoption order application was made", FROM_KEY_DATES, recordable=True),
    Event("plan_endorsed_by_panel", "a panel endorsed the plan", FROM_KEY_DATES, recordable=True),
    Event("funding_agreed", "a funding request was agreed", FROM_KEY_DATES, recordable=True),
    Event("child_protection_plan_started", "the child protection plan began",
          FROM_CIRCUMSTANCES + ": the start of the current child protection plan"),
    Event("placement_disrupted", "the permanent placement disrupted",
          FROM_CIRCUMSTANCES + ": the start of the latest 'disrupted permanent placement'"),
    # Events that happen many times: the dates of every occurrence, oldest first, so that a
    # timescale may be anchored on the nth (``due: {event: review, nth: 2}``) or the latest.
    Event("review", "a looked-after review", FROM_903_REVIEWS, repeats="looked-after review"),
    Event("panel", "a panel discussion of the child", FROM_PANELS, repeats="panel discussion of the child"),
    Event("tracking_meeting", "a tracking meeting discussion of the child", FROM_TRACKING,
          repeats="tracking meeting discussion of the child"),
)

# Views of the definitions above, by name, for the code that needs only one side of them.
EVENTS: Mapping[str, str] = MappingProxyType({e.name: e.label for e in EVENT_DEFINITIONS.values()})
REPEATING_EVENTS: Mapping[str, str] = MappingProxyType(
    {e.name: e.repeats for e in EVENT_DEFINITIONS.values() if e.repeats})
EVENT_SOURCES: Mapping[str, str] = MappingProxyType({e.name: e.source for e in EVENT_DEFINITIONS.values()})
RECORDABLE_EVENTS: Mapping[str, str] = MappingProxyType(
    {e.name: e.label for e in EVENT_DEFINITIONS.values() if e.recordable})

# Plan routes that need a permanent home to be found (not a return home or an order for the current carers).
PERMANENT_PLACEMENT_ROUTES = frozenset({"adoption", "long_term_fostering", "connected_person", "residential"})

FACTS: Mapping[str, Fact] = _facts(
    Fact("legal_status", CODE, "legal status", "Current SSDA903 legal status", LEGAL_STATUSES,
         source=FROM_903_EPISODES),
    Fact("age_years", NUMBER, "age", "Age in whole years today (0 for an unborn or new-born baby)",
         source=FROM_903_HEADER),
    Fact("looked_after", BOOLEAN, "looked after", "Whether the child is looked after today",
         true_text="the child is looked after", false_text="the child is not looked after", source=FROM_903_PERIODS),
    Fact("placement.type", CODE, "placement type", "SSDA903 placement type (PLACE)", PLACEMENT_TYPES,
         source=FROM_903_PLACEMENTS),
    Fact("placement.approved_permanent", BOOLEAN, "placement approved as permanent",
         "Whether the current placement has been approved as the child's permanent placement",
         true_text="the placement is approved as permanent",
         false_text="the placement is not approved as permanent",
         source="the child's record: placements (approved as permanent, from)"),
    Fact("months_in_placement", NUMBER, "time in current placement", "Whole months in the current placement",
         unit="months", source=FROM_903_PLACEMENTS),
    Fact("months_in_care", NUMBER, "time in care", "Whole months since entering care", unit="months",
         source=FROM_903_PERIODS),
    Fact("days_in_care", NUMBER, "time in care", "Days since entering care in the current period (0 on the day; "
         "a new admission is, say, 28 days or fewer)", unit="days", source=FROM_903_PERIODS,
         number_text="the child has been in care for {amount}"),
    Fact("weeks_in_proceedings", NUMBER, "time in proceedings", "Whole weeks since proceedings were issued",
         unit="weeks", source=FROM_PROCEEDINGS),
    Fact("reviews_held", NUMBER, "looked-after reviews held", "Number of statutory reviews held so far",
         source=FROM_903_REVIEWS),
    Fact("plan.primary_route", CODE, "primary plan", "Route of the primary permanence plan", PLAN_ROUTES,
         source=FROM_PLANS),
    Fact("plan.contingency_routes", CODES, "contingency plan", "Routes of the contingency/parallel plans",
         PLAN_ROUTES, source=FROM_PLANS),
    Fact("plan.routes", CODES, "plan (primary or contingency)",
         "All routes of the plan: the primary route and every contingency route", PLAN_ROUTES, source=FROM_PLANS),
    Fact("permanence_plan_recorded", BOOLEAN, "permanence plan recorded",
         "Whether a primary permanence plan is recorded for the child today",
         true_text="the child is recorded as having a permanence plan",
         false_text="the child is not recorded as having a permanence plan", source=FROM_PLANS),
    Fact("permanent_placement_required", BOOLEAN, "permanent placement required",
         "A permanent home is still to be found: the primary plan is adoption, long-term fostering, a connected "
         "person or residential care, or a permanent placement was decided to be needed (key date) or the child "
         "is recorded as awaiting one, and the current placement is not approved as permanent",
         true_text="a permanent placement is required for the child",
         false_text="no permanent placement is required for the child",
         source=FROM_PLANS + "; placements (approved as permanent); " + FROM_KEY_DATES
         + " (permanent_placement_decided); circumstances (awaiting_permanent_placement)"),
    Fact("final_order_made", BOOLEAN, "final order made",
         "Whether the child's latest care proceedings have concluded with an order (not withdrawn, no order)",
         true_text="a final order has been made in the child's care proceedings",
         false_text="no final order has been made in the child's care proceedings", source=FROM_PROCEEDINGS),
    Fact("s20_entry", CODE, "how section 20 accommodation began",
         "While the child is accommodated under section 20 (V2): whether it began in an emergency or was planned",
         S20_ENTRIES, source="the child's record: the V2 legal status (how it began), recorded with the status",
         code_text="the child's section 20 accommodation began {value}",
         not_code_text="the child's section 20 accommodation did not begin {value}"),
    Fact("remanded", BOOLEAN, "remanded", "Whether the child's legal status today is J1 (remanded)",
         true_text="the child is remanded", false_text="the child is not remanded", source=FROM_903_EPISODES),
    Fact("months_on_child_protection_plan", NUMBER, "time on a child protection plan",
         "Whole months on the current child protection plan (none when the child is not on one)", unit="months",
         source=FROM_CIRCUMSTANCES + ": child_protection_plan",
         number_text="the child has been on a child protection plan for {amount}"),
    Fact("steps_recorded", CODES, "steps recorded",
         "The key dates recorded so far for the child (where a process stands: family finding under way, an SGO "
         "or adoption application made, a plan endorsed by a panel, a funding request agreed, ...)",
         RECORDABLE_EVENTS, source=FROM_KEY_DATES,
         contains_text="the child's record shows that {value}",
         not_contains_text="the child's record does not show that {value}"),
    Fact("flags", CODES, "circumstances", "Circumstances recorded for the child", FLAGS,
         contains_text="the child is {value}", not_contains_text="the child is not {value}",
         source=FROM_CIRCUMSTANCES + ", or derived from proceedings, pre-proceedings, birth and sibling group"),
)


_CLAUSE = re.compile(r"\b(was|were|became|began|left|started)\b")


def as_noun(text: str) -> str:
    """An event's words as a noun phrase: "the date care proceedings were issued" for one said as a
    clause, as it is for one said as a noun ("the second looked-after review"), so that "waiting for
    ...", "... is not recorded yet" and "Date of ..." read as English."""
    return f"the date {text}" if _CLAUSE.search(text) else text

def held_by(body_id: str) -> str:
    """The event of a child's item heard at a meeting of one body (every date, oldest first): what
    meets a meeting held once (``per_child_cadence: [{once: true, ...}]``), since a meeting of
    another body is not that meeting. Supplied by the meetings' event source, not written in a ToR."""
    return f"held_by:{body_id}"


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
