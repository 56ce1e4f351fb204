"""The timeliness measures a council is judged on, worked out from the child's record.

``council_measures(tenant_id, as_of)`` gives every measure as it stood on ``as_of``: the figure, how many
children it counts, the threshold where the DfE sets one and whether it is met, and, for the drill-down,
the dates each counted child's figure used (``Measure.rows``: child ids and dates, never a name; the page
loads the children through ``visible()``). Everything is read from the dated histories
(``cases.models.history``); no child's own row is loaded, so working out the figures shows nobody.

Windows: "the 12 months ending on" a day are the day and the 364 (or 365) before it, as the DfE's year to
31 March starts on 1 April; "the 3 years ending on" it likewise. Spans end the day the next begins (the
903's convention), so a span is current on a day from its start until the day before its end.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from ..cases.models import (Adoption, CarePeriod, CareProceedings, Child, LegalStatus, PermanencePlan, Placement,
                            Review)
from ..core.context import tenant_context
from ..core.workdays import Offset, add_working_days, apply_offset
from ..extensions import db
from ..tor.services import current_tor

ADOPTED = frozenset({"E11", "E12"})  # 903 REC: adopted
PLACED_FOR_ADOPTION = frozenset({"A3", "A4", "A5", "A6"})
WITH_CURRENT_FOSTER_CARERS = frozenset({"A3", "A5"})  # placed for adoption with the child's current foster carers
FOSTERING = frozenset({"U1", "U2", "U3", "U4", "U5", "U6"})
STATUS_ONLY = "PLACE"  # 903 REASON_PLACE_CHANGE: change in status of placement only (the same carers)

A1_THRESHOLD = 426  # days: 14 months, the DfE's 2013-16 threshold (domain.md 2.7)
A2_THRESHOLD = 121  # days: 4 months

SCORECARD = "DfE adoption scorecard; Adoption and Special Guardianship Leadership Board (ASGLB) measures"

S20_GROUPS = (("Under 3 months", 0, 3), ("3 to 6 months", 3, 6), ("6 to 12 months", 6, 12),
              ("1 to 2 years", 12, 24), ("2 years or more", 24, None))


@dataclass(frozen=True)
class ChildRow:
    """One child counted by a measure, and the dates (or numbers) its figure used for them."""

    child_id: int
    facts: tuple[tuple[str, object], ...]
    counted_in: str = ""  # for a percentage: whether the child is in the numerator ("Yes"/"No"); a group's label


@dataclass
class Measure:
    id: str
    label: str
    definition: str
    source: str
    unit: str  # "days", "%", "children", "weeks"
    value: float | int | None = None
    count: int = 0  # children counted (a percentage's denominator)
    numerator: int | None = None  # for a percentage: the children it is a percentage of ``count``
    sum_of: float | None = None  # for an average: the sum it is an average of (to combine councils)
    threshold: int | None = None
    met: bool | None = None
    breakdown: list[tuple[str, int]] = field(default_factory=list)
    rows: list[ChildRow] = field(default_factory=list)
    note: str = ""

    def children_ids(self) -> list[int]:
        return [r.child_id for r in self.rows]


# --- the record, read once --------------------------------------------------------------------


@dataclass
class _Child:
    id: int
    date_of_birth: date | None = None
    periods: list = field(default_factory=list)
    statuses: list = field(default_factory=list)
    placements: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    proceedings: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    adoptions: list = field(default_factory=list)


_HISTORIES = ((CarePeriod, "periods", CarePeriod.start), (LegalStatus, "statuses", LegalStatus.start),
              (Placement, "placements", Placement.start), (Review, "reviews", Review.held_on),
              (CareProceedings, "proceedings", CareProceedings.issued_on),
              (PermanencePlan, "plans", PermanencePlan.agreed_on), (Adoption, "adoptions", Adoption.id))


def _load() -> dict[int, _Child]:
    """The council's children (their ids and dates of birth only) and their histories."""
    children = {cid: _Child(cid, dob) for cid, dob in db.session.execute(select(Child.id, Child.date_of_birth))}
    for model, attr, order in _HISTORIES:
        for row in db.session.execute(select(model).order_by(model.child_id, order, model.id)).scalars():
            if row.child_id in children:
                getattr(children[row.child_id], attr).append(row)
    return children


def _year_start(as_of: date, years: int = 1) -> date:
    """The first day of the ``years`` ending on ``as_of``."""
    return as_of - relativedelta(years=years) + timedelta(days=1)


def _average(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def whole(value: float | None) -> int | None:
    return None if value is None else int(value + 0.5)


def one_place(value: float | None) -> float | None:
    return None if value is None else int(value * 10 + 0.5) / 10


def percent(part: int, whole: int) -> float | None:
    return one_place(100 * part / whole) if whole else None


# --- adoption: A1, A10, A2 --------------------------------------------------------------------


@dataclass(frozen=True)
class _Adopted:
    child: _Child
    period: CarePeriod
    placement: Placement | None  # the adoption placement (A3-A6) in the period
    adoption: Adoption | None


def _adopted(children: dict[int, _Child], as_of: date) -> list[_Adopted]:
    """Children whose period of care ended in adoption in the 3 years ending on ``as_of``."""
    since = _year_start(as_of, 3)
    found = []
    for child in children.values():
        for period in child.periods:
            if period.reason_ceased in ADOPTED and period.end is not None and since <= period.end <= as_of:
                placement = next((p for p in child.placements if p.place in PLACED_FOR_ADOPTION
                                  and period.start <= p.start and p.start <= period.end), None)
                found.append(_Adopted(child, period, placement, _adoption_of(child, period)))
    return found


def _adoption_of(child: _Child, period: CarePeriod) -> Adoption | None:
    """The AD1 row of this adoption: the one matched within the period, else the child's latest."""
    within = [a for a in child.adoptions if a.matched_on is not None and period.start <= a.matched_on <= period.end]
    return (within or child.adoptions or [None])[-1]


def _foster_carers_from(child: _Child, adoption_placement: Placement) -> Placement | None:
    """The first placement of the unbroken run with the carers who adopted the child, as their foster carers.

    Walking back from the adoption placement: the placement that ended the day the later one began belongs
    to the run when it was fostering (U1-U6) and the carers were the same, which the record shows by the
    change being a change of status only (REASON_PLACE_CHANGE ``PLACE``), by the same Ofsted URN, or by
    the adoption placement being one "with current foster carers" (A3, A5) for the placement just before
    it. None when no fostering placement with the same carers is recorded."""
    by_end = {p.end: p for p in child.placements if p.end is not None}
    later, first = adoption_placement, None
    while True:
        before = by_end.get(later.start)
        if before is None or before.place not in FOSTERING:
            return first
        same_carers = (before.reason_for_change == STATUS_ONLY
                       or (before.urn is not None and before.urn == later.urn)
                       or (later is adoption_placement and later.place in WITH_CURRENT_FOSTER_CARERS))
        if not same_carers:
            return first
        first = later = before


def _adoption_measures(children: dict[int, _Child], as_of: date) -> list[Measure]:
    adopted = _adopted(children, as_of)
    a1_rows, a10_rows, a2_rows = [], [], []
    a1_days, a10_days, a2_days = [], [], []
    missing = sum(1 for a in adopted if a.placement is None)
    for a in adopted:
        if a.placement is None:
            continue
        entered, moved_in = a.period.start, a.placement.start
        days = (moved_in - entered).days
        a1_days.append(days)
        a1_rows.append(ChildRow(a.child.id, (("Entered care", entered), ("Moved in with the adoptive family", moved_in),
                                             ("Adopted (left care)", a.period.end), ("Days", days))))
        stop, how = moved_in, "Moved in with the adoptive family"
        if a.adoption is not None and a.adoption.by_foster_carer:
            fostered = _foster_carers_from(a.child, a.placement)
            if fostered is not None:
                stop, how = fostered.start, "Moved in with the adopters as foster carers"
        a10_days.append((stop - entered).days)
        a10_rows.append(ChildRow(a.child.id, (("Entered care", entered), (how, stop),
                                              ("Adopted by foster carers",
                                               "Yes" if a.adoption is not None and a.adoption.by_foster_carer
                                               else "No"), ("Days", (stop - entered).days))))
    for a in adopted:
        authority, authority_label = _authority_to_place(a)
        matched = a.adoption.matched_on if a.adoption is not None else None
        if authority is None or matched is None:
            continue
        days = max(0, (matched - authority).days)
        a2_days.append(days)
        a2_rows.append(ChildRow(a.child.id, ((authority_label, authority), ("Match decision", matched),
                                             ("Days (zero where matched first)", days))))
    left_out = _not_counted(missing, "no placement for adoption (A3 to A6) recorded in the period")
    a2_note = _not_counted(len(adopted) - len(a2_days), "no placement order (or decision) or match date recorded")
    window = ("Children adopted (their period of care ended with 903 reason E11 or E12) in the 3 years ending on "
              "the measure date.")
    return [
        _against(Measure(
            "a10", "A10: entering care to moving in with the adoptive family, adjusted for foster carer adoptions",
            "The average number of days between a child entering care and moving in with their adoptive family. "
            "Where the child was adopted by their foster carers, the clock stops on the day the child moved in "
            "with them as foster carers: the start of the unbroken run of fostering placements with the same "
            "carers that ended in the adoption placement (a placement counts as with the same carers when it "
            "ended with a change of status only, has the same Ofsted URN, or the adoption placement is one with "
            "current foster carers, A3 or A5). " + window + " The threshold is 426 days (14 months); lower is "
            "better.",
            SCORECARD + " (A10, since 2020-21)", "days", whole(_average(a10_days)), len(a10_days),
            threshold=A1_THRESHOLD, rows=a10_rows, note=left_out, sum_of=sum(a10_days))),
        _against(Measure(
            "a2", "A2: court authority to place to the match decision",
            "The average number of days between the council receiving the court's authority to place the child "
            "for adoption (the start of legal status E1, a placement order; where none is recorded, the agency "
            "decision maker's decision that the child should be placed for adoption) and the decision to match "
            "the child with their adopters. A child matched before the order counts as zero days. " + window
            + " The threshold is 121 days (4 months); lower is better.",
            SCORECARD + " (A2)", "days", whole(_average(a2_days)), len(a2_days), threshold=A2_THRESHOLD,
            rows=a2_rows, note=a2_note, sum_of=sum(a2_days))),
        _against(Measure(
            "a1", "A1: entering care to moving in with the adoptive family",
            "The average number of days between a child entering care (the start of the period of care that "
            "ended in adoption) and moving in with their adoptive family (the start of the placement for "
            "adoption, A3 to A6, in that period). " + window + " Kept for comparison with earlier years: the "
            "Adoption and Special Guardianship Leadership Board replaced it with A10 from 2021-22. The threshold "
            "is 426 days (14 months); lower is better.",
            SCORECARD + " (A1)", "days", whole(_average(a1_days)), len(a1_days), threshold=A1_THRESHOLD,
            rows=a1_rows, note=left_out, sum_of=sum(a1_days))),
    ]


def _not_counted(n: int, why: str) -> str:
    if not n:
        return ""
    has, are = ("child has", "is") if n == 1 else ("children have", "are")
    return f"{n} adopted {has} {why} and {are} not counted."


def _authority_to_place(a: _Adopted) -> tuple[date | None, str]:
    orders = [s.start for s in a.child.statuses
              if s.code == "E1" and s.start <= (a.period.end or s.start) and (s.end is None or s.end > a.period.start)]
    if orders:
        return min(orders), "Placement order (legal status E1)"
    decided = a.adoption.decided_on if a.adoption is not None else None
    return decided, "Agency decision maker's decision (no placement order recorded)"


def _against(measure: Measure) -> Measure:
    """Met when the figure is at or under the threshold (lower is better)."""
    if measure.threshold is not None and measure.value is not None:
        measure.met = measure.value <= measure.threshold
    return measure


# --- care proceedings ---------------------------------------------------------------------------


def _weeks(days: int) -> float:
    return one_place(days / 7)


def _proceedings_measures(children: dict[int, _Child], as_of: date) -> list[Measure]:
    over, concluded = [], []
    since = _year_start(as_of)
    for child in children.values():
        for p in child.proceedings:
            if p.open_on(as_of) and p.week_26 < as_of:
                over.append((child.id, p))
            if p.concluded_on is not None and since <= p.concluded_on <= as_of:
                concluded.append((child.id, p))
    longest = max(((as_of - p.issued_on).days for _, p in over), default=None)
    durations = [(p.concluded_on - p.issued_on).days for _, p in concluded]
    within = sum(1 for _, p in concluded if p.concluded_on <= p.week_26)
    s32 = "Children Act 1989 s32(1)(a)(ii)"
    return [
        Measure("proceedings_open_over_26_weeks", "Open care proceedings past 26 weeks",
                "Care proceedings still open on the measure date that were issued more than 26 weeks before it. "
                "The court must timetable an application to finish within 26 weeks of the day it was issued; "
                "it may extend that only when necessary, by up to 8 weeks at a time.",
                s32, "children", len(over), len(over),
                rows=[ChildRow(cid, (("Proceedings issued", p.issued_on), ("Week 26", p.week_26),
                                     ("Weeks open", _weeks((as_of - p.issued_on).days)))) for cid, p in over]),
        Measure("proceedings_longest_open", "The longest open care proceedings",
                "How long, in weeks, the longest-running care proceedings still open on the measure date have "
                "been open (counting only those past 26 weeks).",
                s32, "weeks", _weeks(longest) if longest is not None else None, len(over),
                rows=[ChildRow(cid, (("Proceedings issued", p.issued_on), ("Weeks open",
                                                                            _weeks((as_of - p.issued_on).days))))
                      for cid, p in over if (as_of - p.issued_on).days == longest]),
        Measure("proceedings_concluded_weeks", "Average length of care proceedings concluded in the last 12 months",
                "The average number of weeks from the day care proceedings were issued to the day they concluded "
                "(the final order, withdrawal or dismissal), for proceedings concluded in the 12 months ending on "
                "the measure date.",
                s32, "weeks", one_place(_average([d / 7 for d in durations])), len(concluded),
                sum_of=sum(durations) / 7,
                rows=[ChildRow(cid, (("Proceedings issued", p.issued_on), ("Concluded", p.concluded_on),
                                     ("Weeks", _weeks((p.concluded_on - p.issued_on).days)))) for cid, p in concluded]),
        Measure("proceedings_within_26_weeks", "Care proceedings concluded within 26 weeks",
                "Of the care proceedings concluded in the 12 months ending on the measure date, the percentage "
                "that concluded within 26 weeks of the day they were issued.",
                s32, "%", percent(within, len(concluded)), len(concluded), numerator=within,
                rows=[ChildRow(cid, (("Proceedings issued", p.issued_on), ("Week 26", p.week_26),
                                     ("Concluded", p.concluded_on)),
                               "Yes" if p.concluded_on <= p.week_26 else "No") for cid, p in concluded]),
    ]


# --- permanence plans ---------------------------------------------------------------------------


def _primary_plan_by(child: _Child, day: date, period_start: date) -> PermanencePlan | None:
    """The first primary plan agreed on or before ``day`` that had not ended before the period began."""
    return next((p for p in child.plans if p.kind == "primary" and p.agreed_on <= day
                 and (p.ended_on is None or p.ended_on > period_start)), None)


def _current_period(child: _Child, day: date) -> CarePeriod | None:
    return next((p for p in child.periods if p.current_on(day)), None)


def _plan_by_second_review(children: dict[int, _Child], as_of: date) -> Measure:
    since = _year_start(as_of)
    rows, met = [], 0
    for child in children.values():
        for period in child.periods:
            held = [r.held_on for r in child.reviews
                    if period.start <= r.held_on and (period.end is None or r.held_on < period.end)]
            if len(held) < 2 or not since <= held[1] <= as_of:
                continue
            plan = _primary_plan_by(child, held[1], period.start)
            met += plan is not None
            rows.append(ChildRow(child.id, (("Entered care", period.start), ("Second review", held[1]),
                                            ("Primary plan agreed", plan.agreed_on if plan else "None by then")),
                                 "Yes" if plan else "No"))
    return Measure(
        "plan_by_second_review", "Permanence plan by the second review",
        "Of the children whose second looked-after review in a period of care was held in the 12 months ending "
        "on the measure date, the percentage who had a primary permanence plan agreed on or before that review. "
        "The second review is due no more than 3 months after the first, and the plan for permanence is expected "
        "by then.",
        "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33", "%",
        percent(met, len(rows)), len(rows), numerator=met, rows=rows)


def _plan_expected_by(tenant_id: int):
    """When a child's permanence plan is expected: the council's own timescale where its terms of reference
    set one counted from entering care and met by a plan being agreed; else by the latest day the second
    review may be held (the first within 20 working days of entering care, the second 3 months after)."""
    tor = current_tor(tenant_id)
    for rule in (tor.timescales if tor is not None else ()):
        if rule.completed_by == "permanence_plan_agreed" and rule.due is None and rule.event == "entered_care" \
                and rule.when is None:
            return (lambda start: apply_offset(start, rule.offset)), \
                f"the council's timescale: {rule.label}, {rule.describe()}"
    return (lambda start: apply_offset(add_working_days(start, 20), Offset(3, "months"))), \
        "the latest day the second looked-after review may be held: 20 working days after entering care for " \
        "the first review, then 3 months"


def _without_plan(children: dict[int, _Child], as_of: date, tenant_id: int) -> Measure:
    expected_by, expectation = _plan_expected_by(tenant_id)
    rows = []
    for child in children.values():
        period = _current_period(child, as_of)
        if period is None:
            continue
        due = expected_by(period.start)
        if due >= as_of:
            continue
        if any(p.kind == "primary" and p.current_on(as_of) for p in child.plans):
            continue
        rows.append(ChildRow(child.id, (("Entered care", period.start), ("Plan expected by", due),
                                        ("Days looked after", (as_of - period.start).days))))
    return Measure(
        "without_plan", "Children without a permanence plan",
        "Children looked after on the measure date, for longer than a permanence plan is expected to take, "
        f"who have no primary permanence plan in force that day. The plan is expected by {expectation}.",
        "Care Planning, Placement and Case Review (England) Regulations 2010, reg 33", "children",
        len(rows), len(rows), rows=rows)


# --- placement stability ------------------------------------------------------------------------


def _stability(children: dict[int, _Child], as_of: date) -> list[Measure]:
    since = _year_start(as_of)
    three_rows, three = [], 0
    long_rows, stayed = [], 0
    for child in children.values():
        period = _current_period(child, as_of)
        if period is None:
            continue
        in_year = [p for p in child.placements if p.start <= as_of and (p.end is None or p.end > since)]
        many = len(in_year) >= 3
        three += many
        three_rows.append(ChildRow(child.id, (("Looked after since", period.start),
                                              ("Placements in the 12 months", len(in_year))),
                                   "Yes" if many else "No"))
        age = relativedelta(as_of, child.date_of_birth).years if child.date_of_birth else None
        if age is None or age >= 16 or period.start > as_of - relativedelta(months=30):
            continue
        current = next((p for p in child.placements if p.current_on(as_of)), None)
        since_day = current.start if current is not None else None
        if current is not None and current.place in PLACED_FOR_ADOPTION:
            before = next((p for p in child.placements if p.end == current.start), None)
            if before is not None:
                since_day = before.start
        two_years = since_day is not None and since_day <= as_of - relativedelta(years=2)
        stayed += two_years
        long_rows.append(ChildRow(child.id, (("Looked after since", period.start),
                                             ("In this placement since", since_day or "No placement recorded")),
                                  "Yes" if two_years else "No"))
    stability = "DfE children looked after (SSDA903) placement stability measures"
    return [
        Measure("stability_three_placements", "Children with 3 or more placements in the last 12 months",
                "Of the children looked after on the measure date, the percentage who had 3 or more placements "
                "in the 12 months ending on it (every placement they were in at any time in those 12 months, "
                "including the one they started the year in). Lower is better.",
                stability, "%", percent(three, len(three_rows)), len(three_rows), numerator=three,
                rows=three_rows),
        Measure("stability_long_term", "Children in the same placement for 2 years or more",
                "Of the children under 16 looked after on the measure date who had been looked after for 2 and a "
                "half years or more, the percentage who had been in the same placement for 2 years or more, or "
                "who were placed for adoption and whose adoption placement together with the placement before it "
                "lasted 2 years or more. Higher is better.",
                stability, "%", percent(stayed, len(long_rows)), len(long_rows), numerator=stayed,
                rows=long_rows),
    ]


# --- section 20 ---------------------------------------------------------------------------------


def s20_group(start: date, as_of: date) -> str:
    for label, low, high in S20_GROUPS:
        if start + relativedelta(months=low) <= as_of and (high is None or as_of < start + relativedelta(months=high)):
            return label
    return S20_GROUPS[0][0]


def _s20(children: dict[int, _Child], as_of: date) -> Measure:
    rows = []
    for child in children.values():
        status = next((s for s in child.statuses if s.code == "V2" and s.current_on(as_of)), None)
        if status is not None:
            rows.append(ChildRow(child.id, (("Accommodated under section 20 since", status.start),
                                            ("Days", (as_of - status.start).days)), s20_group(status.start, as_of)))
    counts = {label: 0 for label, _, _ in S20_GROUPS}
    for row in rows:
        counts[row.counted_in] += 1
    return Measure(
        "s20_by_length", "Children accommodated under section 20, by how long",
        "Children accommodated under section 20 of the Children Act 1989 (legal status V2, with their parents' "
        "agreement) on the measure date, grouped by how long since the accommodation began. Long stays under "
        "section 20 are discouraged: the council should consider whether the child needs a care plan with a "
        "court's order.",
        "Children Act 1989 s20; DfE SSDA903 legal status V2", "children", len(rows), len(rows),
        breakdown=list(counts.items()), rows=rows)


# --- the public interface -------------------------------------------------------------------------


def council_measures(tenant_id: int, as_of: date) -> list[Measure]:
    """Every measure for the council on ``as_of``, worked out in the council's own scope."""
    with tenant_context(tenant_id):
        children = _load()
        return [*_adoption_measures(children, as_of), *_proceedings_measures(children, as_of),
                _plan_by_second_review(children, as_of), _without_plan(children, as_of, tenant_id),
                *_stability(children, as_of), _s20(children, as_of)]


MEASURE_IDS = ("a10", "a2", "a1", "proceedings_open_over_26_weeks", "proceedings_longest_open",
               "proceedings_concluded_weeks", "proceedings_within_26_weeks", "plan_by_second_review",
               "without_plan", "stability_three_placements", "stability_long_term", "s20_by_length")


def measure(tenant_id: int, measure_id: str, as_of: date) -> Measure | None:
    return next((m for m in council_measures(tenant_id, as_of) if m.id == measure_id), None)


def children_ids(tenant_id: int, measure_id: str, as_of: date) -> list[int]:
    """The children a measure counts (for the drill-down, which shows only those the viewer may see)."""
    found = measure(tenant_id, measure_id, as_of)
    return found.children_ids() if found is not None else []
