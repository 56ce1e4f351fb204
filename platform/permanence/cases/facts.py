"""A child's histories turned into the facts and events the terms of reference speak.

``child_facts`` answers "what is true of this child on this day" in exactly the
fact vocabulary of ``tor.vocabulary.FACTS`` (cohort rules and timescale
conditions test these); ``child_events`` gives the dates of the
``tor.vocabulary.EVENTS`` the histories can show (timescales are measured from
them). Both are pure reads of the loaded record: no query of their own beyond
lazy-loading the child's histories, and no notion of "today" but the one passed in.
A fact nobody recorded is ``None``, which a rule treats as false.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..tor.vocabulary import PERMANENT_PLACEMENT_ROUTES, RECORDABLE_EVENTS
from .codes import PERMANENCE_EXITS

ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
ORDERS_MADE = frozenset({"care_order", "supervision_order", "placement_order", "special_guardianship_order",
                         "child_arrangements_order"})  # proceedings outcomes that are a final order
CHILD_PROTECTION_PLAN = "child_protection_plan"
DISRUPTED = "disrupted_permanent_placement"  # the circumstance whose start is the event placement_disrupted
CARE_LEAVER_FROM_AGE = 16  # looked after at 16 or later (domain.md §2.10: eligible/relevant/former relevant)
CARE_LEAVER_UNTIL_AGE = 25  # personal adviser support ends at 25


def whole_months(start: date, end: date) -> int:
    """Completed calendar months from ``start`` to ``end`` (0 if ``end`` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return max(0, months)


def _current(rows, day: date):
    """The latest row of a span history that is current on ``day``."""
    found = [row for row in rows if row.current_on(day)]
    return found[-1] if found else None


def _current_period(child, day: date):
    return _current(child.care_periods, day)


def _latest_period_start(child, day: date) -> date | None:
    starts = [p.start for p in child.care_periods if p.start <= day]
    return max(starts) if starts else None


def _reviews_in_period(child, day: date) -> list[date]:
    """Reviews of the latest period of care begun by ``day`` (the cycle restarts with each period)."""
    since = _latest_period_start(child, day)
    return sorted(r.held_on for r in child.reviews if r.held_on <= day and (since is None or r.held_on >= since))


def _age(child, day: date) -> int | None:
    if child.date_of_birth is None:
        return 0 if child.expected_date_of_birth is not None else None
    return max(0, child.age_on(day))


def _is_care_leaver(child, day: date, looked_after: bool) -> bool:
    if looked_after or child.date_of_birth is None:
        return False
    age = child.age_on(day)
    if age is None or age >= CARE_LEAVER_UNTIL_AGE:
        return False
    for period in child.care_periods:
        if period.end is None or period.end > day or period.reason_ceased in PERMANENCE_EXITS:
            continue
        if child.age_on(period.end) >= CARE_LEAVER_FROM_AGE:
            return True
    return False


def _flags(child, day: date, looked_after: bool) -> set[str]:
    flags = {f.flag for f in child.flags if f.current_on(day)}
    # The 903 UASC table: the child was unaccompanied until DUC (no DUC: still is).
    if any(u.ceased_on is None or day < u.ceased_on for u in child.unaccompanied):
        flags.add("unaccompanied")
    if any(p.open_on(day) for p in child.proceedings):
        flags.add("in_proceedings")
    if any(p.open_on(day) for p in child.pre_proceedings):
        flags.update({"pre_proceedings", "legal_planning"})
    if child.date_of_birth is None and child.expected_date_of_birth is not None:
        flags.add("pre_birth")
    elif child.date_of_birth is not None and child.date_of_birth <= day and whole_months(child.date_of_birth, day) < 1:
        flags.add("pre_birth")  # new-born: pre-birth planning continues in the first weeks
    if child.sibling_group_id is not None:
        flags.add("sibling_group")
    if _is_care_leaver(child, day, looked_after):
        flags.add("care_leaver")
    return flags


def child_facts(child, on: date) -> dict[str, Any]:
    """The child's facts on ``on``, keyed by the dotted names of ``tor.vocabulary.FACTS``."""
    period = _current_period(child, on)
    looked_after = period is not None
    status = _current(child.legal_statuses, on)
    placement = _current(child.placements, on)
    proceedings = [p for p in child.proceedings if p.open_on(on)]
    plans = [p for p in child.plans if p.current_on(on)]
    primary = [p for p in plans if p.kind == "primary"]
    contingency = sorted({p.route for p in plans if p.kind != "primary"})
    primary_route = primary[-1].route if primary else None
    cp_plan = _child_protection_plan(child, on)
    facts = {
        "legal_status": status.code if status else None,
        "age_years": _age(child, on),
        "looked_after": looked_after,
        "placement.type": placement.place if placement else None,
        "placement.approved_permanent": placement.permanent_on(on) if placement else None,
        "months_in_placement": whole_months(placement.start, on) if placement else None,
        "months_in_care": whole_months(period.start, on) if period else None,
        "weeks_in_proceedings": (on - proceedings[0].issued_on).days // 7 if proceedings else None,
        "reviews_held": len(_reviews_in_period(child, on)) if looked_after else 0,
        "plan.primary_route": primary_route,
        "plan.contingency_routes": contingency,
        "plan.routes": sorted(set(contingency) | ({primary_route} if primary_route else set())),
        "flags": sorted(_flags(child, on, looked_after)),
        "days_in_care": (on - period.start).days if period else None,
        "permanence_plan_recorded": bool(primary),
        "permanent_placement_required": _permanent_placement_required(child, on, primary_route, placement),
        "final_order_made": _final_order_made(child, on),
        "s20_entry": status.s20_entry if status is not None and status.code == "V2" else None,
        "remanded": status is not None and status.code == "J1",
        "months_on_child_protection_plan": whole_months(cp_plan.start, on) if cp_plan else None,
        "steps_recorded": sorted({k.event for k in child.key_dates
                                  if k.happened_on <= on and k.event in RECORDABLE_EVENTS}),
    }
    return facts


def _child_protection_plan(child, day: date):
    return _current([f for f in child.flags if f.flag == CHILD_PROTECTION_PLAN], day)


def _final_order_made(child, day: date) -> bool:
    """The latest proceedings begun by ``day`` have concluded with an order (not withdrawn, no order)."""
    begun = [p for p in child.proceedings if p.issued_on <= day]
    if not begun:
        return False
    latest = begun[-1]
    return latest.concluded_on is not None and latest.concluded_on <= day and latest.outcome in ORDERS_MADE


def _permanent_placement_required(child, day: date, primary_route: str | None, placement) -> bool:
    """A permanent home is still to be found: the plan needs one (or it was decided, or the child is
    recorded as awaiting one) and the current placement is not approved as permanent."""
    if placement is not None and placement.permanent_on(day):
        return False
    decided = any(k.event == "permanent_placement_decided" and k.happened_on <= day for k in child.key_dates)
    awaiting = any(f.flag == "awaiting_permanent_placement" and f.current_on(day) for f in child.flags)
    return primary_route in PERMANENT_PLACEMENT_ROUTES or decided or awaiting


def _first(dates) -> date | None:
    dates = [d for d in dates if d is not None]
    return min(dates) if dates else None


def _last(dates) -> date | None:
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def child_events(child, on: date | None = None) -> dict[str, date | tuple[date, ...]]:
    """The dates of the events the record shows (names from ``tor.vocabulary.EVENTS``).

    Repeating events (placements) give their latest date, except the ones of
    ``tor.vocabulary.REPEATING_EVENTS`` (``review``), which give the tuple of their dates; reviews are those
    of the latest period of care, since the statutory cycle restarts with each period.
    Events with no date are left out. ``on`` (default: no limit) ignores later records."""
    day = on or date.max

    def upto(d):
        return d if d is not None and d <= day else None

    entered = _latest_period_start(child, day)
    periods = [p for p in child.care_periods if p.start <= day]
    latest_period = max(periods, key=lambda p: p.start) if periods else None
    reviews = _reviews_in_period(child, day) if entered else sorted(
        r.held_on for r in child.reviews if r.held_on <= day)
    placements = [p for p in child.placements if p.start <= day]
    proceedings = [p for p in child.proceedings if p.issued_on <= day]
    latest_proceedings = proceedings[-1] if proceedings else None
    primary_plans = [p for p in child.plans if p.kind == "primary" and p.agreed_on <= day]
    statuses = [s for s in child.legal_statuses if s.start <= day]
    permanent = [p for p in placements if p.approved_as_permanent]
    exits = [p.end for p in child.care_periods if p.reason_ceased in PERMANENCE_EXITS]

    events = {
        "birth": upto(child.date_of_birth),
        "expected_birth": child.expected_date_of_birth if child.date_of_birth is None else None,
        "entered_care": entered,
        # The latest period of care has ended and no other has begun: the child is no longer looked after.
        "left_care": latest_period.end if latest_period is not None and latest_period.end is not None
        and latest_period.end <= day else None,
        "first_review": reviews[0] if reviews else None,
        "second_review": reviews[1] if len(reviews) > 1 else None,
        "latest_review": reviews[-1] if reviews else None,
        "review": tuple(reviews) or None,  # every review of the period, for anchors on the nth
        "legal_planning_meeting": _last(p.decision_on for p in child.pre_proceedings if p.decision_on <= day),
        "pre_proceedings_start": _last(
            upto(_first([p.letter_on, p.meeting_on])) for p in child.pre_proceedings),
        "proceedings_issued": latest_proceedings.issued_on if latest_proceedings else None,
        "final_order": upto(latest_proceedings.concluded_on) if latest_proceedings else None,
        "care_order": _first(s.start for s in statuses if s.code == "C2"),
        "placement_order": _first(s.start for s in statuses if s.code in ("E1", "D1")),
        "placement_start": placements[-1].start if placements else None,
        "placed_for_adoption": _last(p.start for p in placements if p.place in ADOPTION_PLACEMENTS),
        "permanence_plan_agreed": _first(p.agreed_on for p in primary_plans),
        "permanence_achieved": _first([_first(upto(p.approved_permanent_on or p.start) for p in permanent),
                                       _first(upto(d) for d in exits)]),
        "child_protection_plan_started": _last(
            f.start for f in child.flags if f.flag == CHILD_PROTECTION_PLAN and f.start <= day),
        "placement_disrupted": _last(
            f.start for f in child.flags if f.flag == DISRUPTED and f.start <= day),
    }
    # Key dates recorded on the child's page, and the same steps as the SSDA903 return gives them (the
    # should-be-placed decision: PlacedAdoption DATE_PLACED unless reversed by ``day``, AD1 DATE_INT;
    # the match: AD1 DATE_MATCH): the latest of each.
    dated = [(key.event, key.happened_on) for key in child.key_dates if key.event in RECORDABLE_EVENTS]
    dated += [("adm_decision", a.start) for a in child.adoption_decisions if a.end is None or a.end > day]
    for adoption in child.adoptions:
        dated += [("adm_decision", adoption.decided_on), ("match", adoption.matched_on)]
    for event, when in dated:
        if when is not None and when <= day:
            events[event] = _last([events.get(event), when])
    return {name: when for name, when in events.items() if when is not None}
