"""Milestones for crafted children under every timescale of the five seeds, with a fixed today.

Today is Monday 1 March 2027. Expected due dates are worked out by hand in the comments.
"""

from datetime import date

import pytest

from permanence.core.workdays import Offset
from permanence.tor import compute_milestones, escalation_steps_reached
from permanence.tor.loader import load_tor_from_text
from permanence.tor.timescales import TimescaleRule

TODAY = date(2027, 3, 1)

# A child who entered care on Mon 4 Jan 2027, under an interim care order in foster care.
CHILD = {"legal_status": "C1", "looked_after": True, "placement": {"type": "U6"}, "reviews_held": 1,
         "flags": ["in_proceedings"], "age_years": 3}
EVENTS = {
    "entered_care": date(2027, 1, 4),
    "first_review": date(2027, 1, 28),
    "latest_review": date(2027, 1, 28),
    "proceedings_issued": date(2026, 11, 2),
    "last_panel": date(2027, 2, 16),
    "last_tracking_meeting": date(2027, 1, 19),
}


def _milestones(tor, facts=CHILD, events=EVENTS, today=TODAY):
    return {m.rule_id: m for m in compute_milestones(tor.timescales, facts, events, today)}


def test_statutory_timescales_every_tenant_inherits(tenants):
    for tor in tenants.values():
        m = _milestones(tor)
        # First review: 20 working days after Mon 4 Jan = Mon 1 Feb; held 28 Jan.
        assert (m["first-review"].due, m["first-review"].status) == (date(2027, 2, 1), "achieved")
        assert m["first-review"].achieved == date(2027, 1, 28)
        # Second review: 3 months after 28 Jan = 28 Apr.
        assert (m["second-review"].due, m["second-review"].status) == (date(2027, 4, 28), "upcoming")
        assert m["subsequent-reviews"].status == "not_applicable"
        # Week 26 of proceedings issued Mon 2 Nov 2026: Mon 3 May 2027 (a bank holiday; statutory dates
        # are not moved).
        assert (m["proceedings-week-26"].due, m["proceedings-week-26"].status) == (date(2027, 5, 3), "upcoming")
        assert m["first-review"].source == "CPPCR 2010 reg 33(1)"


def test_subsequent_reviews_every_six_months_due_soon_boundary(tenants):
    m = _milestones(tenants["knowsley"], {"reviews_held": 3}, {"latest_review": date(2026, 9, 15)})
    # 15 Sep 2026 + 6 months = Mon 15 Mar 2027; due soon from 10 working days before, Mon 1 Mar.
    assert (m["subsequent-reviews"].due, m["subsequent-reviews"].status) == (date(2027, 3, 15), "due_soon")
    m = _milestones(tenants["knowsley"], {"reviews_held": 3}, {"latest_review": date(2026, 9, 15)},
                    today=date(2027, 2, 26))
    assert m["subsequent-reviews"].status == "upcoming"
    m = _milestones(tenants["knowsley"], {"reviews_held": 3}, {"latest_review": date(2026, 9, 15)},
                    today=date(2027, 3, 16))
    assert m["subsequent-reviews"].status == "overdue"


def test_final_order_achieves_week_26(tenants):
    m = _milestones(tenants["knowsley"], CHILD, {**EVENTS, "final_order": date(2027, 5, 10)}, today=date(2027, 6, 1))
    assert (m["proceedings-week-26"].status, m["proceedings-week-26"].achieved) == ("achieved_late", date(2027, 5, 10))


def test_permanence_panel_within_six_weeks_of_entering_care(tenants):
    m = _milestones(tenants["permanence-panel-pptm"])
    # 4 Jan + 6 weeks = 15 Feb; the panel met on 16 Feb.
    rule = m["panel-within-6-weeks-of-care"]
    assert (rule.due, rule.status, rule.achieved) == (date(2027, 2, 15), "achieved_late", date(2027, 2, 16))
    assert rule.source == "2.1 Purpose and Intended Outcomes"
    assert m["panel-within-6-weeks-of-proceedings"].status == "not_applicable"


def test_permanence_panel_within_six_weeks_of_proceedings_for_a_child_at_home(tenants):
    at_home = {"looked_after": False, "flags": ["in_proceedings"]}
    events = {"proceedings_issued": date(2027, 1, 12)}
    m = _milestones(tenants["permanence-panel-pptm"], at_home, events)
    # 12 Jan + 6 weeks = 23 Feb; no panel yet.
    assert (m["panel-within-6-weeks-of-proceedings"].due,
            m["panel-within-6-weeks-of-proceedings"].status) == (date(2027, 2, 23), "overdue")
    assert m["panel-within-6-weeks-of-care"].status == "not_applicable"
    assert m["panel-within-6-weeks-of-care"].reason == "the date the child became looked after is not recorded yet"


def test_pptm_cadence_by_legal_status(tenants):
    tor = tenants["permanence-panel-pptm"]
    m = _milestones(tor)
    # In proceedings: 6 weeks after the PPTM of 19 Jan = 2 Mar, due soon on 1 Mar.
    assert (m["pptm-in-proceedings"].due, m["pptm-in-proceedings"].status) == (date(2027, 3, 2), "due_soon")
    assert m["pptm-placement-order"].status == "not_applicable"
    assert m["pptm-care-order-new-placement"].status == "not_applicable"
    # Placement order made 11 Jan, no PPTM yet: first due 6 weeks later, 22 Feb: overdue.
    m = _milestones(tor, {"legal_status": "E1"}, {"placement_order": date(2027, 1, 11)})
    assert (m["pptm-placement-order"].due, m["pptm-placement-order"].status) == (date(2027, 2, 22), "overdue")
    # Care order, 5 months in placement: 12 weeks after the PPTM of 19 Jan = 13 Apr.
    m = _milestones(tor, {"legal_status": "C2", "months_in_placement": 5}, EVENTS)
    assert (m["pptm-care-order-new-placement"].due,
            m["pptm-care-order-new-placement"].status) == (date(2027, 4, 13), "upcoming")
    # A year or more in placement under a care order: no PPTM cadence applies.
    m = _milestones(tor, {"legal_status": "C2", "months_in_placement": 14}, EVENTS)
    assert m["pptm-care-order-new-placement"].status == "not_applicable"


def test_redbridge_ptp_within_four_weeks_but_after_first_review(tenants):
    tor = tenants["redbridge"]
    m = _milestones(tor)
    # 4 Jan + 4 weeks = 1 Feb (first review 28 Jan was earlier); presented 16 Feb.
    assert (m["ptp-initial-plan"].due, m["ptp-initial-plan"].status) == (date(2027, 2, 1), "achieved_late")
    # First review late on 10 Feb: the plan cannot be presented before it, so due 10 Feb. A panel on
    # 9 Feb, before the review, does not count.
    events = {**EVENTS, "first_review": date(2027, 2, 10), "last_panel": date(2027, 2, 9)}
    m = _milestones(tor, CHILD, events)
    assert (m["ptp-initial-plan"].due, m["ptp-initial-plan"].status) == (date(2027, 2, 10), "overdue")


def test_permanence_plan_by_second_review(tenants):
    # due: {event: review, nth: 2}: due at the second review itself, open until it is held.
    for slug in ("redbridge", "monthly-tracking-overview"):
        one_review = {**EVENTS, "review": (date(2027, 1, 28),)}
        rule = _milestones(tenants[slug], CHILD, one_review)["permanence-plan-by-second-review"]
        assert (rule.due, rule.status, rule.reason) == (None, "waiting", "waiting for the second looked-after review")
        # Agreed on 25 Feb, before the second review is even held: achieved, on time whenever it is.
        rule = _milestones(tenants[slug], CHILD, {**one_review, "permanence_plan_agreed": date(2027, 2, 25)})[
            "permanence-plan-by-second-review"]
        assert (rule.due, rule.status, rule.achieved) == (None, "achieved", date(2027, 2, 25))
        # Second review on 22 Feb, no plan by 1 March: overdue since 22 Feb.
        two = {**EVENTS, "review": (date(2027, 1, 28), date(2027, 2, 22))}
        rule = _milestones(tenants[slug], CHILD, two)["permanence-plan-by-second-review"]
        assert (rule.due, rule.status, rule.anchor_event, rule.anchor_date) == (
            date(2027, 2, 22), "overdue", "review", date(2027, 2, 22))


def test_redbridge_viability_assessment_signed_off_by_managing_director(tenants):
    tor = tenants["redbridge"]
    kinship = {"placement": {"type": "U3"}, "looked_after": True}
    events = {"placement_start": date(2027, 2, 26), "viability_assessment_signed_off": date(2027, 3, 1)}
    rule = _milestones(tor, kinship, events)["viability-assessment-sign-off"]
    # Placed Fri 26 Feb; due one day later, Sat 27 Feb; signed off Mon 1 Mar.
    assert (rule.due, rule.status) == (date(2027, 2, 27), "achieved_late")
    assert rule.sign_off_by == ("managing-director", "deputy-managing-director")
    rule = _milestones(tor, kinship, {"placement_start": date(2027, 3, 1)})["viability-assessment-sign-off"]
    assert (rule.due, rule.status) == (date(2027, 3, 2), "due_soon")
    assert _milestones(tor, {"placement": {"type": "U6"}}, events)["viability-assessment-sign-off"].status == \
        "not_applicable"


def test_tenant_overrides_and_disables_statutory_timescales():
    text = """\
council: {name: Test}
statutory_timescales: {disable: [proceedings-week-26]}
timescales:
  - id: first-review
    label: First review (local target)
    event: entered_care
    offset: {working_days: 15}
    completed_by: first_review
    source: Local procedure
bodies:
  - id: p
    kind: panel
    name: P
    cadence: {rrule: FREQ=MONTHLY;BYDAY=+1MO, anchor: 2027-01-04, start_time: "10:00", duration_minutes: 60}
    membership: {chairs: [{role: chair}], members: [{role: social-worker}, {role: team-manager}]}
"""
    tor = load_tor_from_text(text)
    assert [t.id for t in tor.timescales] == ["second-review", "subsequent-reviews", "first-review"]
    m = _milestones(tor, {}, {"entered_care": date(2027, 1, 4)})
    # 15 working days after Mon 4 Jan: Mon 25 Jan.
    assert (m["first-review"].due, m["first-review"].source) == (date(2027, 1, 25), "Local procedure")


def test_repeating_cycle_moves_past_met_cycles():
    rule = TimescaleRule(id="fortnightly", label="Fortnightly check", event="proceedings_issued",
                         offset=Offset(2, "weeks"), repeat=Offset(2, "weeks"), completed_by="last_tracking_meeting")
    events = {"proceedings_issued": date(2027, 1, 4), "last_tracking_meeting": date(2027, 2, 1)}
    [m] = compute_milestones([rule], {}, events, TODAY)
    # Cycles due 18 Jan, 1 Feb, 15 Feb...; met up to 1 Feb, so 15 Feb is open and overdue.
    assert (m.due, m.status) == (date(2027, 2, 15), "overdue")
    assert "then every 2 weeks" in rule.describe()


def test_escalation_ladder_steps(tenants):
    ladder = tenants["redbridge"].ladder("redbridge-escalation")
    # Overdue since Mon 1 Feb: team manager after 5 working days (Mon 8 Feb), head of service after 10 (15 Feb).
    reached = escalation_steps_reached(ladder, date(2027, 2, 1), date(2027, 2, 10))
    assert [s.role for s in reached] == ["team-manager"]
    reached = escalation_steps_reached(ladder, date(2027, 2, 1), date(2027, 2, 15))
    assert [s.role for s in reached] == ["team-manager", "head-of-service"]
    by_chair = escalation_steps_reached(ladder, date(2027, 2, 1), date(2027, 2, 1), trigger="chair_decision")
    assert [s.role for s in by_chair] == ["managing-director"]
    wf = tenants["waltham-forest"].ladder("corporate-parenting")
    assert [s.role for s in wf.steps] == ["corporate-parenting-management-team", "corporate-parenting-board"]


@pytest.mark.parametrize("today, status", [(date(2027, 1, 15), "upcoming"), (date(2027, 1, 18), "due_soon"),
                                           (date(2027, 2, 1), "due_soon"), (date(2027, 2, 2), "overdue")])
def test_status_boundaries(tenants, today, status):
    m = _milestones(tenants["knowsley"], {}, {"entered_care": date(2027, 1, 4)}, today=today)
    # Due Mon 1 Feb; due soon from 10 working days before, Mon 18 Jan.
    assert m["first-review"].status == status
