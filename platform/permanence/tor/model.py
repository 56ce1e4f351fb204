"""The typed, immutable terms of reference that the rest of the platform reads.

These dataclasses are what :func:`permanence.tor.load_tor` returns. They are
frozen and hold tuples, so a loaded configuration can be cached and shared
between requests without anyone changing it underneath a running panel.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from types import MappingProxyType
from typing import Any, Mapping

from ..core.workdays import Offset, apply_offset
from . import dfe903
from .reminders import Reminders
from .rules import Rule
from .timescales import EscalationLadder, TimescaleRule
from .tracker import TrackerLayout, default_layout
from .vocabulary import Role

LONDON = "Europe/London"


@dataclass(frozen=True)
class Council:
    """Who the terms of reference belong to, and when they are next reviewed."""

    name: str
    short_name: str = ""
    case_record_system: str = ""
    authors: tuple[str, ...] = ()
    owner: str = ""  # who keeps the document ("Head of Service, Children in Care"), as the ToR names them
    approved_by: str = ""
    last_reviewed: date | None = None  # the first day of the day, month or year the ToR gives
    review_every: Offset = Offset(12, "months")
    next_review_due: date | None = None
    source: str = ""
    last_reviewed_precision: str = "day"  # "day", "month" ("Reviewed October 2024") or "year"

    @property
    def last_reviewed_end(self) -> date | None:
        """The last day the ToR's "last reviewed" can mean: 31 October 2024 for "October 2024"."""
        if self.last_reviewed is None or self.last_reviewed_precision == "day":
            return self.last_reviewed
        if self.last_reviewed_precision == "year":
            return date(self.last_reviewed.year, 12, 31)
        return date(self.last_reviewed.year, self.last_reviewed.month,
                    calendar.monthrange(self.last_reviewed.year, self.last_reviewed.month)[1])

    @property
    def last_reviewed_words(self) -> str:
        """As the ToR gives it: "Tuesday 1 October 2024", "October 2024" or "2024"."""
        if self.last_reviewed is None:
            return ""
        return self.last_reviewed.strftime({"year": "%Y", "month": "%B %Y"}.get(self.last_reviewed_precision,
                                                                                 "%A %-d %B %Y"))

    @property
    def review_due(self) -> date | None:
        """The stated next review date, else one review period after the last review; counted from
        the end of a month or year the ToR gives (reviewed "October 2024", yearly: due 31 October
        2025), so a review is never called overdue while its anniversary month is still running."""
        if self.next_review_due is not None:
            return self.next_review_due
        return apply_offset(self.last_reviewed_end, self.review_every) if self.last_reviewed else None


@dataclass(frozen=True)
class Follows:
    """A body that sits in step with another body's sittings: ``offset`` from each of them ("the same
    day", "2 working days before") or on the ``next`` given weekday after each ("the Monday after").

    ``leader`` is the other body, filled in by the loader once the whole terms of reference is known
    (the YAML names it by ``body``)."""

    body: str
    offset: Offset | None = None
    next: str | None = None  # "MO".."SU"
    gap_minutes: int = 0  # with no start_time: this long after the other body's sitting ends
    leader: "Body | None" = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Cadence:
    """When a panel sits: an RFC 5545 recurrence from an anchor date, with times and a bank-holiday
    rule; or in step with another body's sittings (``follows``). ``start_time`` None with ``follows``
    is "straight after" the other body's sitting. ``at_least``: the cadence is the minimum, and the
    roles in ``extra_sittings_by`` may add sittings ("twice a month or more often if necessary")."""

    rrule: str = ""
    anchor: date | None = None
    start_time: time | None = None
    end_time: time | None = None
    duration_minutes: int | None = None
    time_zone: str = LONDON
    bank_holidays: str = "next_working_day"
    follows: Follows | None = None
    at_least: bool = False
    extra_sittings_by: tuple[str, ...] = ()
    description: str = ""
    source: str = ""

    @property
    def duration(self) -> timedelta:
        if self.duration_minutes is not None:
            return timedelta(minutes=self.duration_minutes)
        if self.start_time is None or self.end_time is None:
            return timedelta(hours=2)
        return datetime.combine(date.min, self.end_time) - datetime.combine(date.min, self.start_time)


@dataclass(frozen=True)
class ChildCadence:
    """When a per-child meeting is due for children matching ``when``: every ``every`` (the first
    counted from ``first_after``), or ``once`` per occurrence of the event ``after``, ``within``
    an offset of it ("within 10 working days of the child becoming looked after")."""

    id: str
    every: Offset | None = None
    when: Rule | None = None
    label: str = ""
    first_after: str | None = None
    once: bool = False
    within: Offset | None = None
    after: str | None = None
    source: str = ""


@dataclass(frozen=True)
class MeetingDays:
    """Each team's tracking meetings are held on the days of the week and at the times agreed for
    it: by a holder of ``agreed_by`` for their own team, or of a ``supported_by`` role for any team."""

    agreed_by: str
    supported_by: tuple[str, ...] = ("panel-administrator",)
    text: str = ""
    source: str = ""


@dataclass(frozen=True)
class Venue:
    kind: str = "online"
    platform: str = ""
    address: str = ""
    note: str = ""
    link: str = ""  # a standing https:// link to join the panel's sittings online


@dataclass(frozen=True)
class Seat:
    """A place at the table: a role, the council's own job title for it, and when it is needed."""

    role: str
    title: str = ""
    required: bool = True
    not_required_for_parts: tuple[str, ...] = ()
    note: str = ""
    source: str = ""

    def sits_for(self, part_id: str | None) -> bool:
        """Whether the seat is part of the panel for the agenda part: its holder is invited to it, is
        sent its items and papers and counts for its quorum. ``not_required_for_parts`` takes a seat
        out of a part (Knowsley: the Virtual School Head is not needed for part 1); None is the whole
        meeting, which every seat sits for."""
        return part_id is None or part_id not in self.not_required_for_parts

    def required_for(self, part_id: str | None) -> bool:
        """Whether the holder is expected for the part: a seat that sits for it and is not optional
        (``required: false``: the holder may attend, "where applicable")."""
        return self.required and self.sits_for(part_id)


@dataclass(frozen=True)
class Quorum:
    minimum: int = 3
    required_roles: tuple[str, ...] = ("chair",)
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Expert:
    role: str
    title: str = ""
    when: str = "as required"


@dataclass(frozen=True)
class Membership:
    chairs: tuple[Seat, ...] = ()
    vice_chairs: tuple[Seat, ...] = ()
    members: tuple[Seat, ...] = ()
    substitutes_allowed: bool = True
    invited_experts: tuple[Expert, ...] = ()
    presenters: tuple[str, ...] = ("social-worker", "team-manager")
    quorum: Quorum = Quorum()
    source: str = ""
    # A body's ``membership: {use: <id>}``: the shared membership it is (or builds on), and the
    # members and experts the body adds to it (already included in ``members``/``invited_experts``).
    shared: str = ""
    added_members: tuple[Seat, ...] = ()
    added_experts: tuple[Expert, ...] = ()

    @property
    def seats(self) -> tuple[Seat, ...]:
        return self.chairs + self.vice_chairs + self.members

    def required_seats(self, part_id: str | None = None) -> tuple[Seat, ...]:
        """Seats expected for ``part_id`` (Knowsley: YPT manager not needed for part 1)."""
        return tuple(s for s in self.seats if s.required_for(part_id))

    def seats_for(self, part_id: str | None) -> tuple[Seat, ...]:
        """Seats that sit for ``part_id`` (optional ones included): the part's membership."""
        return tuple(s for s in self.seats if s.sits_for(part_id))

    def fills(self, role: str, required: str) -> bool:
        """Whether a seat of ``role`` meets the quorum's required role ``required``: ``chair`` (or
        ``vice-chair``) is met by any chair (vice chair) seat, whatever ToR role the council gives it."""
        if required == "chair":
            return role == "chair" or role in {s.role for s in self.chairs}
        if required == "vice-chair":
            return role == "vice-chair" or role in {s.role for s in self.vice_chairs}
        return role == required

    def seat_for(self, role: str, title: str = "") -> Seat | None:
        """The seat a member holds, known by its role and the council's title for it (as a panel
        member or an attendance row records them). With no seat of that title, the seats of the role
        when they all say the same about parts; None when the ToR has no such seat or cannot tell
        which it is (then the member is treated as sitting for every part)."""
        same_role = [s for s in self.seats if s.role == role]
        exact = next((s for s in same_role if s.title == title), None)
        if exact is not None:
            return exact
        if same_role and len({(s.required, s.not_required_for_parts) for s in same_role}) == 1:
            return same_role[0]
        return None


@dataclass(frozen=True)
class PaperworkItem:
    id: str
    label: str
    required: bool = True


@dataclass(frozen=True)
class FormField:
    id: str
    label: str
    type: str = "text"
    required: bool = False
    options: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class AgendaPart:
    """A section of the agenda: which children it considers, and how they get onto it; or, with
    ``items: requests``, the requests it decides (a resources panel's funding requests): what a
    request asks (``request_form``), who may ask, and the outcomes it can reach."""

    id: str
    title: str
    description: str = ""
    cohort: Rule | None = None
    entry_routes: tuple[str, ...] = ("referral",)
    minutes_per_item: int = 20
    paperwork: tuple[PaperworkItem, ...] = ()
    referral_form: tuple[FormField, ...] = ()
    headings: tuple[str, ...] = ()  # what each item is discussed under (a tracking meeting's agenda)
    accepted_proposals: str | None = None  # None: the body's ``referral.accepted_proposals``
    items: str = "children"  # or "requests": each item is a request, perhaps about a child, that is decided
    request_form: tuple[FormField, ...] = ()
    who_may_request: tuple[str, ...] = ("social-worker", "team-manager")
    outcomes: tuple[str, ...] = ()  # ids of the body's outcomes open to the part's items; () is all of them
    source: str = ""

    @property
    def takes_requests(self) -> bool:
        return self.items == "requests"


@dataclass(frozen=True)
class DeadlineRule:
    """A deadline set relative to a sitting, e.g. referrals 5 working days before."""

    kind: str
    offset: Offset
    time: time | None = None
    responsible: str | None = None
    roll: str | None = None
    label: str = ""
    text: str = ""
    source: str = ""

    @property
    def roll_policy(self) -> str:
        """Calendar-day deadlines that land on a closed day move earlier, so following them is never late."""
        if self.roll is not None:
            return self.roll
        return "keep" if self.offset.unit == "working_days" else "previous_working_day"


@dataclass(frozen=True)
class Referral:
    who_may_refer: tuple[str, ...] = ("social-worker", "team-manager")
    submit_to: str = ""
    quality_assurance_by: str | None = None
    # Who quality-assures when the child's team has no team manager to (a role of the ToR).
    quality_assurance_fallback: str | None = None
    accepted_proposals: str = "book_directly"
    sibling_groups_as_one_item: bool = True
    consolidated_sibling_reports: bool = True
    late_policy: str = "chair_discretion"
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class Circulation:
    by: str = "panel-administrator"
    to: tuple[str, ...] = ("members", "presenters")
    electronic: bool = True
    partner_agencies_route: str = ""
    notify_presenters_of_slot: bool = True
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class RecordKeeping:
    recorded_by: str = "panel-administrator"
    case_record_system: str = ""
    case_record_by: str = "panel-administrator"
    includes: tuple[str, ...] = ()
    tracker_kept_by: str | None = "panel-administrator"
    sent_to: tuple[str, ...] = ("social-worker", "team-manager")
    note: str = ""
    source: str = ""


@dataclass(frozen=True)
class OutcomeCondition:
    """When a meeting may reach an outcome (``only_when``): every role in ``present`` recorded
    present (or represented) at the sitting for the item's agenda part, and the child meeting
    ``when`` (a cohort rule over the child's facts). The picker leaves the outcome out otherwise."""

    present: tuple[str, ...] = ()
    when: Rule | None = None


@dataclass(frozen=True)
class AgreedDate:
    """A date the meeting agrees for the child when it reaches the outcome (``sets_dates``): it
    becomes a milestone in the child's tracker, due on that date and met by ``met_by`` (an event)
    after the meeting. A later meeting setting the same date replaces it; earlier ones are kept."""

    id: str
    label: str
    met_by: str
    source: str = ""


def agreed_date_rule_id(body_id: str, date_id: str) -> str:
    """The tracker's rule id of a date the body agrees for a child (one milestone per body and date)."""
    return f"{body_id}-agreed-{date_id}"


@dataclass(frozen=True)
class OutcomeOption:
    """A decision a meeting can reach about a child, and what the platform does next."""

    id: str
    label: str
    books_next_tracking_meeting: bool = False
    refers_to_body: str | None = None
    closes_tracking: bool = False
    requires_sign_off_by: str | None = None
    needs_conditions: bool = False  # the conditions must be written down when it is recorded
    only_when: OutcomeCondition | None = None
    sets_dates: tuple[AgreedDate, ...] = ()
    source: str = ""


@dataclass(frozen=True)
class DecisionsBetweenSittings:
    """Who may decide for one child when a decision cannot wait for the next sitting, which of the
    body's outcomes they may reach (empty: any), and whether the decision goes to the next sitting."""

    by: tuple[str, ...] = ()
    outcomes: tuple[str, ...] = ()
    reported_to_next_sitting: bool = True
    source: str = ""

    def allows(self, outcome_id: str) -> bool:
        return not self.outcomes or outcome_id in self.outcomes


@dataclass(frozen=True)
class DecisionReview:
    """Who may ask for a decision of the body to be reviewed, by when (counted from the decision),
    and who decides the review; ``may_refer`` lets the decider send it to the next sitting instead."""

    who_may_ask: tuple[str, ...] = ()
    within: Offset = Offset(10, "working_days", "after")
    decided_by: str = ""
    may_refer: bool = True
    source: str = ""

    def deadline(self, decided_on: date) -> date:
        """The last day a review may be asked for a decision made on ``decided_on``."""
        return apply_offset(decided_on, self.within)


@dataclass(frozen=True)
class Body:
    """A panel (sittings with an agenda) or a tracking meeting (held per child)."""

    id: str
    kind: str
    name: str
    short_name: str = ""
    accountable_to: str = ""
    cadence: Cadence | None = None
    per_child_cadence: tuple[ChildCadence, ...] = ()
    meeting_days: MeetingDays | None = None
    venue: Venue = Venue()
    membership: Membership | None = None
    agenda_parts: tuple[AgendaPart, ...] = ()
    paperwork: tuple[PaperworkItem, ...] = ()
    referral_form: tuple[FormField, ...] = ()
    referral: Referral = Referral()
    circulation: Circulation = Circulation()
    record: RecordKeeping = RecordKeeping()
    deadlines: tuple[DeadlineRule, ...] = ()
    outcomes: tuple[OutcomeOption, ...] = ()
    escalation: str | None = None
    convened_by: tuple[str, ...] = ()  # roles that convene a meeting for one child when needed
    decisions_between_sittings: DecisionsBetweenSittings | None = None
    decision_review: DecisionReview | None = None
    source: str = ""

    def part(self, part_id: str) -> AgendaPart:
        for p in self.agenda_parts:
            if p.id == part_id:
                return p
        raise KeyError(f"{self.id} has no agenda part {part_id!r}")

    def paperwork_for(self, part_id: str) -> tuple[PaperworkItem, ...]:
        """The body's common paperwork followed by the part's own."""
        return self.paperwork + self.part(part_id).paperwork

    def referral_form_for(self, part_id: str) -> tuple[FormField, ...]:
        """The questions an item of the part answers: the body's referral form then the part's, or a
        requests part's own request form (a request is not a child's referral)."""
        part = self.part(part_id)
        return part.request_form if part.takes_requests else self.referral_form + part.referral_form

    def outcomes_for(self, part_id: str) -> tuple[OutcomeOption, ...]:
        """The outcomes an item of the part can reach: those the part names (in the body's order),
        else all the body's."""
        try:
            named = self.part(part_id).outcomes
        except KeyError:
            named = ()
        return tuple(o for o in self.outcomes if o.id in named) if named else self.outcomes

    def accepted_proposals_for(self, part_id: str) -> str:
        """What accepting a proposal in the part does: the part's own word, else the body's."""
        try:
            own = self.part(part_id).accepted_proposals
        except KeyError:
            own = None
        return own or self.referral.accepted_proposals


@dataclass(frozen=True)
class SharedMembership:
    """One membership declared once (top-level ``memberships``) for several bodies to ``use``."""

    id: str
    label: str
    membership: Membership
    source: str = ""


@dataclass(frozen=True)
class ReportingDuty:
    """A report the ToR says a body owes (a quarterly highlight report to the senior leadership team).

    ``bodies`` are the bodies it reports on (none given: every body); ``audience`` the ToR roles told
    when it is built (none given: senior managers), besides the role that prepares it. A duty with a
    frequency is built by the scheduled ``build-due-reports`` job the day after its period ends."""

    id: str
    label: str
    frequency: str
    to: str
    prepared_by: str | None = None
    source: str = ""
    bodies: tuple[str, ...] = ()
    audience: tuple[str, ...] = ()

    @property
    def scheduled(self) -> bool:
        return self.frequency != "ad_hoc"


@dataclass(frozen=True)
class PracticeTheme:
    """A theme of practice the council wants to learn from; the chair tags items with it and the
    panel's reports count the items tagged (seed 003: "themes and issues the department can learn from")."""

    id: str
    label: str
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class Section:
    """A governance section kept as text: purpose, accountability, conflicts of interest, ..."""

    id: str
    title: str
    text: str
    source: str = ""


@dataclass(frozen=True)
class Plugins:
    enabled: tuple[str, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Imports:
    """How the council's imports treat the DfE's SSDA903 rules: the codes whose findings keep a
    child out of a 903 import (by default none do; every finding is shown beside the import), and
    the council's ONS code, which rules on placements in or out of its area need."""

    dfe_rules_that_block: tuple[str, ...] = ()
    local_authority_code: str | None = None  # the ONS code the DfE's rules compare placements with
    source: str | None = None

    @property
    def validator_package(self) -> str:
        return dfe903.package()

    def blocking_rules(self) -> list[tuple[str, str]]:
        """(code, what the rule says) of each rule that keeps a child out."""
        return [(code, dfe903.describe(code)) for code in self.dfe_rules_that_block]


ANALYTICS_EVERY = ("daily", "weekly", "monthly")


@dataclass(frozen=True)
class Exports:
    """The council's scheduled export of its data for its own analysts (``exports:``): how often the
    platform writes the flat CSV files (``exports.analytics``) to the folder its operator configured
    (``ANALYTICS_EXPORT_DIR``); by default never. Daily: every day; weekly: each Monday (or the first
    run after); monthly: on the 1st (or the first run after)."""

    analytics_every: str | None = None  # ANALYTICS_EVERY
    source: str | None = None


@dataclass(frozen=True)
class StatutoryTimescales:
    inherit: bool = True
    disable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Assumption:
    """A choice the onboarder made where the ToR is silent (``assumption: <why>`` on any mapping of
    the file): the rendered ToR marks it "to be confirmed by the council" at ``anchor``."""

    path: tuple
    text: str
    line: int | None
    anchor: str  # where the rendered ToR shows it (see ``loader.assumption_anchor``)
    where: str   # the part of the ToR it qualifies, in words ("Permanence Panel: when it meets")


@dataclass(frozen=True)
class TermsOfReference:
    """A council's whole validated configuration. ``timescales`` already includes inherited ones."""

    format_version: int
    council: Council
    roles: Mapping[str, Role]
    bodies: tuple[Body, ...]
    memberships: tuple[SharedMembership, ...] = ()
    timescales: tuple[TimescaleRule, ...] = ()
    escalation_ladders: tuple[EscalationLadder, ...] = ()
    reporting: tuple[ReportingDuty, ...] = ()
    practice_themes: tuple[PracticeTheme, ...] = ()
    sections: tuple[Section, ...] = ()
    plugins: Plugins = Plugins()
    statutory_timescales: StatutoryTimescales = StatutoryTimescales()
    due_soon: Offset = Offset(10, "working_days")
    tracker: TrackerLayout | None = None
    reminders: Reminders = field(default_factory=Reminders)
    imports: Imports = Imports()
    exports: Exports = Exports()
    tenant_roles: tuple[str, ...] = ()
    filename: str = ""
    checksum: str = ""
    locations: Mapping[tuple, int] = field(default_factory=dict, compare=False, repr=False)
    assumptions: tuple[Assumption, ...] = ()

    def given(self, path) -> bool:
        """Whether the file gave the value at ``path`` (``("bodies", 0, "cadence", "bank_holidays")``);
        one it did not give is the platform's default, and the rendered ToR says so."""
        return tuple(path) in self.locations

    def assumptions_at(self, anchor: str) -> list[tuple[int, Assumption]]:
        """The assumptions shown at ``anchor`` of the rendered ToR, each with its number (1, 2, ...),
        which is its place on the page: ``id="assumption-<number>"``."""
        return [(i, a) for i, a in enumerate(self.assumptions, 1) if a.anchor == anchor]

    def shared_membership(self, membership_id: str) -> SharedMembership:
        for shared in self.memberships:
            if shared.id == membership_id:
                return shared
        raise KeyError(f"no shared membership {membership_id!r}")

    def bodies_using(self, membership_id: str) -> tuple[Body, ...]:
        """The bodies whose membership is the shared membership ``membership_id``."""
        return tuple(b for b in self.bodies if b.membership is not None and b.membership.shared == membership_id)

    def followers(self, body_id: str) -> tuple[Body, ...]:
        """The bodies whose cadence follows ``body_id``'s sittings."""
        return tuple(b for b in self.bodies if b.cadence is not None and b.cadence.follows is not None
                     and b.cadence.follows.body == body_id)

    def body(self, body_id: str) -> Body:
        for b in self.bodies:
            if b.id == body_id:
                return b
        raise KeyError(f"no body {body_id!r}; known: {', '.join(b.id for b in self.bodies)}")

    def role(self, role_id: str) -> Role:
        return self.roles[role_id]

    def ladder(self, ladder_id: str) -> EscalationLadder:
        for ladder in self.escalation_ladders:
            if ladder.id == ladder_id:
                return ladder
        raise KeyError(f"no escalation ladder {ladder_id!r}")

    @property
    def tracker_layout(self) -> TrackerLayout:
        """The council's tracker spreadsheet layout, or the default when its ToR describes none."""
        return self.tracker if self.tracker is not None else default_layout(self.timescales)

    def section(self, section_id: str) -> Section:
        for s in self.sections:
            if s.id == section_id:
                return s
        raise KeyError(f"no section {section_id!r}")


def role_label(tor: TermsOfReference | None, role_id: str | None) -> str:
    """A role as the council's terms of reference name it ("Head of Service"); an id they do not
    define reads as words ("service_manager" -> "Service manager")."""
    role = tor.roles.get(role_id) if tor is not None and role_id else None
    if role is not None:
        return role.label
    return (role_id or "").replace("-", " ").replace("_", " ").capitalize()
