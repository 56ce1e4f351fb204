"""Cohort rules: every agenda-part cohort of the five seeds, against crafted children."""

import pytest

from permanence.tor import evaluate, explain, parse_rule
from permanence.tor.rules import RuleError, facts_used


def _cohort(tenants, slug, body_id, part_id):
    return tenants[slug].body(body_id).part(part_id).cohort


KNOWSLEY = ("knowsley", "permanency-panel")


@pytest.mark.parametrize("child, expected", [
    ({"legal_status": "E1", "age_years": 9}, True),                        # placement order
    ({"legal_status": "C1", "age_years": 4}, True),                        # ICO and under 5
    ({"legal_status": "C1", "age_years": 5}, False),                       # ICO but 5
    ({"legal_status": "C2", "plan": {"routes": ["long_term_fostering", "adoption"]}}, True),  # contingency
    ({"legal_status": "V2", "age_years": 2}, False),
    ({}, False),
])
def test_knowsley_part_1_adoption_tracking(tenants, child, expected):
    assert evaluate(_cohort(tenants, *KNOWSLEY, "adoption-tracking"), child) is expected


@pytest.mark.parametrize("child, expected", [
    ({"placement": {"type": "P1"}, "legal_status": "C2"}, True),
    ({"placement": {"type": "P1"}, "legal_status": "C1"}, False),
    ({"placement": {"type": "U6"}, "legal_status": "C2"}, False),
])
def test_knowsley_part_3_placed_with_parents(tenants, child, expected):
    assert evaluate(_cohort(tenants, *KNOWSLEY, "placed-with-parents"), child) is expected


@pytest.mark.parametrize("child, expected", [
    ({"placement.type": "K2", "placement.approved_permanent": True}, True),    # residential
    ({"placement.type": "U6", "placement.approved_permanent": False}, True),   # not permanent
    ({"placement.type": "U4", "placement.approved_permanent": True, "flags": ["care_leaver"]}, True),
    ({"placement.type": "U4", "placement.approved_permanent": True, "flags": []}, False),
])
def test_knowsley_part_4_scrutiny(tenants, child, expected):
    assert evaluate(_cohort(tenants, *KNOWSLEY, "scrutiny"), child) is expected


@pytest.mark.parametrize("route, expected", [("special_guardianship", True), ("staying_close", True),
                                             ("adoption", False)])
def test_knowsley_part_2_matching(tenants, route, expected):
    rule = _cohort(tenants, *KNOWSLEY, "matching-and-approval")
    assert evaluate(rule, {"plan": {"primary_route": route}}) is expected


@pytest.mark.parametrize("flags, expected", [(["pre_proceedings"], True), (["pre_birth"], True),
                                             (["legal_planning"], True), (["in_proceedings"], False), ([], False)])
def test_redbridge_early_alerts(tenants, flags, expected):
    assert evaluate(_cohort(tenants, "redbridge", "ptp", "early-alerts"), {"flags": flags}) is expected


def test_redbridge_other_cohorts(tenants):
    def cohort(part):
        return _cohort(tenants, "redbridge", "ptp", part)

    assert evaluate(cohort("new-to-care"), {"looked_after": True, "reviews_held": 1})
    assert not evaluate(cohort("new-to-care"), {"looked_after": True, "reviews_held": 0})
    assert evaluate(cohort("second-review"), {"looked_after": True, "reviews_held": 2})
    assert evaluate(cohort("in-proceedings"), {"flags": ["in_proceedings", "reunification_not_recommended"]})
    assert not evaluate(cohort("in-proceedings"), {"flags": ["in_proceedings"]})
    awaiting = cohort("awaiting-permanence")
    assert evaluate(awaiting, {"plan": {"primary_route": "adoption"}, "placement": {"approved_permanent": False}})
    assert not evaluate(awaiting, {"plan": {"primary_route": "adoption"}, "placement": {"approved_permanent": True}})
    assert evaluate(awaiting, {"flags": ["awaiting_permanent_placement"]})
    assert evaluate(cohort("family-and-friends"), {"placement": {"type": "U3"}})
    assert not evaluate(cohort("family-and-friends"), {"placement": {"type": "U6"}})


def test_permanence_panel_and_pptm_cohorts(tenants):
    def cohort(body, part):
        return _cohort(tenants, "permanence-panel-pptm", body, part)

    assert evaluate(cohort("permanence-panel", "new-to-care"), {"looked_after": True, "reviews_held": 1})
    at_home = cohort("permanence-panel", "children-at-home-in-proceedings")
    assert evaluate(at_home, {"flags": ["in_proceedings"], "looked_after": False})
    assert evaluate(at_home, {"flags": ["in_proceedings"], "looked_after": True, "placement": {"type": "P1"}})
    assert not evaluate(at_home, {"flags": ["in_proceedings"], "looked_after": True, "placement": {"type": "U6"}})
    assert evaluate(cohort("permanence-panel", "disruptions"), {"flags": ["disrupted_permanent_placement"]})
    full = cohort("permanence-panel", "full-care-orders")
    assert evaluate(full, {"legal_status": "C2", "placement": {"approved_permanent": False}})
    assert not evaluate(full, {"legal_status": "C2", "placement": {"approved_permanent": True}})
    pptm = cohort("pptm", "tracking-review")
    assert evaluate(pptm, {"flags": ["in_proceedings"]})
    assert evaluate(pptm, {"legal_status": "E1"})
    assert evaluate(pptm, {"legal_status": "C2", "months_in_placement": 11})
    assert not evaluate(pptm, {"legal_status": "C2", "months_in_placement": 12})


def test_monthly_overview_and_waltham_forest_cohorts(tenants):
    rule = _cohort(tenants, "monthly-tracking-overview", "tracking-meeting", "permanency-tracking")
    assert evaluate(rule, {"looked_after": True, "placement": {"approved_permanent": False}})
    assert not evaluate(rule, {"looked_after": True, "placement": {"approved_permanent": True}})
    assert _cohort(tenants, "waltham-forest", "ptm", "tracking") is None  # referral only
    assert explain(None) == "all children"


def test_explain_reads_well(tenants):
    assert explain(_cohort(tenants, *KNOWSLEY, "adoption-tracking")) == (
        "legal status is E1 (placement order), or legal status is C1 (interim care order) and age is under 5, "
        "or plan (primary or contingency) includes adoption")
    assert explain(_cohort(tenants, *KNOWSLEY, "scrutiny")) == (
        "placement type is K1 (secure children's home), K2 (children's home) or R1 (residential care home), "
        "or the placement is not approved as permanent, or the child is a care leaver")
    assert explain(_cohort(tenants, "redbridge", "ptp", "early-alerts")) == (
        "the child is in pre-proceedings under the Public Law Outline, subject to a legal planning meeting "
        "or unborn or new-born (pre-birth planning)")
    assert explain(parse_rule({"not": {"fact": "months_in_placement", "lt": 12}})) == (
        "time in current placement is at least 12 months")
    nested = parse_rule({"all": [{"fact": "flags", "contains": "in_proceedings"},
                                 {"any": [{"fact": "looked_after", "eq": False},
                                          {"fact": "placement.type", "in": ["P1"]}]}]})
    assert explain(nested) == ("the child is in care proceedings and (the child is not looked after, "
                               "or placement type is P1 (placed with parents))")


@pytest.mark.parametrize("rule, words", [
    ({"not": {"fact": "flags", "contains": "pre_proceedings"}},
     "the child is not in pre-proceedings under the Public Law Outline"),
    ({"fact": "flags", "not_contains": "in_proceedings"}, "the child is not in care proceedings"),
    ({"fact": "plan.routes", "not_contains": "adoption"}, "plan (primary or contingency) does not include adoption"),
    ({"not": {"fact": "legal_status", "in": ["C2", "E1"]}},
     "legal status is neither C2 (care order) nor E1 (placement order)"),
    ({"fact": "legal_status", "not_in": ["C1", "C2", "E1"]},
     "legal status is none of C1 (interim care order), C2 (care order) and E1 (placement order)"),
    # "not" is carried down to each condition (De Morgan), never "not (...)".
    ({"not": {"any": [{"fact": "flags", "contains": "in_proceedings"}, {"fact": "age_years", "lt": 2}]}},
     "the child is not in care proceedings and age is at least 2"),
    ({"all": [{"fact": "looked_after", "eq": True},
              {"not": {"all": [{"fact": "age_years", "lt": 2}, {"fact": "legal_status", "eq": "C2"}]}}]},
     "the child is looked after and (age is at least 2, or legal status is not C2 (care order))"),
    ({"not": {"fact": "flags", "contains_all": ["care_leaver", "unaccompanied"]}},
     "it is not the case that the child is a care leaver and an unaccompanied asylum-seeking child"),
])
def test_negations_read_as_english(rule, words):
    assert explain(parse_rule(rule)) == words


def test_operators():
    assert evaluate(parse_rule({"fact": "age_years", "gte": 16}), {"age_years": 16})
    assert evaluate(parse_rule({"fact": "legal_status", "not_in": ["V2"]}), {"legal_status": "C2"})
    assert evaluate(parse_rule({"fact": "flags", "contains_all": ["care_leaver", "unaccompanied"]}),
                    {"flags": ["care_leaver", "unaccompanied", "sibling_group"]})
    assert evaluate(parse_rule({"fact": "flags", "not_contains": "care_leaver"}), {"flags": []})
    assert evaluate(parse_rule({"not": {"fact": "legal_status", "eq": "E1"}}), {"legal_status": "C1"})


def test_missing_facts_never_put_a_child_in_a_cohort():
    assert not evaluate(parse_rule({"fact": "age_years", "lt": 5}), {"age_years": None})
    assert not evaluate(parse_rule({"fact": "placement.type", "in": ["P1"]}), {"placement": {}})


@pytest.mark.parametrize("rule, message", [
    ({"fact": "legl_status", "in": ["E1"]}, {"fact": ["unknown fact 'legl_status'; known facts: legal_status, "
                                                      "age_years, looked_after, placement.type, "
                                                      "placement.approved_permanent, months_in_placement, "
                                                      "months_in_care, days_in_care, weeks_in_proceedings, "
                                                      "reviews_held, plan.primary_route, plan.contingency_routes, "
                                                      "plan.routes, permanence_plan_recorded, "
                                                      "permanent_placement_required, final_order_made, s20_entry, "
                                                      "remanded, months_on_child_protection_plan, steps_recorded, "
                                                      "flags"]}),
    ({"fact": "age_years", "contains": 3}, {"contains": ["operator 'contains' does not apply to age_years "
                                                         "(number); use one of: eq, ne, lt, lte, gt, gte"]}),
    ({"fact": "age_years", "lt": "five"}, {"lt": ["age_years is a number; got 'five'"]}),
    ({"fact": "placement.approved_permanent", "eq": "no"}, {"eq": ["placement.approved_permanent is true or "
                                                                    "false; got 'no'"]}),
    ({"any": []}, {"any": ["'any' takes a non-empty list of rules"]}),
    ({"all": [{"fact": "flags", "contains": "lost"}]},
     {"all": {0: {"contains": ["unknown value 'lost' for flags; allowed: pre_proceedings, legal_planning, "
                               "pre_birth, in_proceedings, care_leaver, sibling_group, "
                               "disrupted_permanent_placement, unaccompanied, awaiting_permanent_placement, "
                               "reunification_not_recommended, unresolved_issue, tracking_closed, "
                               "child_protection_plan, plan_to_become_looked_after"]}}}),
    ("legal_status == E1", ["a rule is a mapping: {fact: ..., <operator>: ...}, or {all: [...]}, {any: [...]}, "
                            "{not: ...}"]),
])
def test_malformed_rules(rule, message):
    with pytest.raises(RuleError) as caught:
        parse_rule(rule)
    assert caught.value.messages == message


def test_facts_used():
    rule = parse_rule({"any": [{"fact": "legal_status", "in": ["E1"]},
                               {"not": {"fact": "age_years", "lt": 5}}]})
    assert facts_used(rule) == {"legal_status", "age_years"}
