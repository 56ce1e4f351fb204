"""Agenda parts whose items are requests, not children's cases (issue 14, item 6): a resources
panel's funding requests. The form loads; every misuse is a line-pointing error."""

import pytest

from permanence.tor import load_tor_from_text
from permanence.tor.loader import TorConfigError

HEAD = """\
council:
  name: Test Council
bodies:
  - id: resources
    kind: panel
    name: Resources Panel
    cadence:
      rrule: FREQ=WEEKLY;BYDAY=TH
      anchor: 2027-01-07
      start_time: "10:00"
      end_time: "12:00"
    membership:
      chairs: [{role: chair}]
      members:
        - {role: team-manager}
        - {role: social-worker}
    outcomes:
      - {id: agreed, label: Agreed}
      - {id: agreed-with-conditions, label: Agreed with conditions, needs_conditions: true}
      - {id: not-agreed, label: Not agreed}
      - {id: deferred-for-information, label: Deferred for more information}
    agenda_parts:
      - id: placements
        title: Placements
"""

FUNDING = """\
      - id: funding
        title: Funding requests
        items: requests
        request_form:
          - {id: what, label: What is asked for, type: long_text, required: true}
          - {id: amount, label: Amount (£), type: money, required: true}
          - {id: period, label: For how long, type: text}
        who_may_request: [social-worker, team-manager]
        outcomes: [agreed, agreed-with-conditions, not-agreed]
"""


def _errors(text):
    with pytest.raises(TorConfigError) as info:
        load_tor_from_text(text, "tor.yaml")
    return [(e.line, e.dotted_path, e.message) for e in info.value.errors]


def test_a_requests_part_loads_with_its_form_askers_and_outcomes():
    tor = load_tor_from_text(HEAD + FUNDING)
    body = tor.body("resources")
    part = body.part("funding")
    assert part.takes_requests and not body.part("placements").takes_requests
    assert part.entry_routes == ("request",)
    assert [(f.id, f.type, f.required) for f in part.request_form] == [
        ("what", "long_text", True), ("amount", "money", True), ("period", "text", False)]
    assert part.who_may_request == ("social-worker", "team-manager")
    assert [o.id for o in body.outcomes_for("funding")] == ["agreed", "agreed-with-conditions", "not-agreed"]
    assert len(body.outcomes_for("placements")) == 4  # a part naming none has all the body's outcomes
    assert [o.needs_conditions for o in body.outcomes] == [False, True, False, False]


def test_a_money_field_on_a_childrens_part_is_fine():
    tor = load_tor_from_text(HEAD + """\
        referral_form:
          - {id: cost, label: Weekly cost (£), type: money}
""")
    assert tor.body("resources").part("placements").referral_form[0].type == "money"


def test_a_requests_part_with_a_cohort_is_refused_at_its_line():
    assert _errors(HEAD + FUNDING + """\
        cohort: {fact: legal_status, in: [C2]}
""") == [(34, "bodies[0].agenda_parts[1].cohort",
          "requests are not children: a part whose items are requests has no cohort; leave it out")]


def test_a_requests_part_with_a_cohort_rule_entry_route_is_refused_at_its_line():
    assert _errors(HEAD + FUNDING + """\
        entry_routes: [cohort_rule]
""") == [(34, "bodies[0].agenda_parts[1].entry_routes[0]",
          "requests are not children: entry route 'cohort_rule' is for children's cases; a part whose items "
          "are requests takes them by request (leave entry_routes out)")]


def test_an_unknown_field_type_is_refused_at_its_line():
    errors = _errors(HEAD + FUNDING.replace("type: money", "type: currency"))
    assert errors == [(30, "bodies[0].agenda_parts[1].request_form[1].type",
                       "unknown field type 'currency'; allowed: text, long_text, date, number, money, yes_no, "
                       "choice, choices, file, person")]


def test_an_unknown_role_who_may_request_is_refused_at_its_line():
    [(line, path, message)] = _errors(HEAD + FUNDING.replace("[social-worker, team-manager]",
                                                              "[social-worker, grants-officer]"))
    assert (line, path) == (32, "bodies[0].agenda_parts[1].who_may_request[1]")
    assert message.startswith("unknown role 'grants-officer'; known roles: ")


def test_a_role_that_cannot_make_requests_is_refused():
    assert _errors(HEAD + FUNDING.replace("[social-worker, team-manager]", "[social-worker, independent-reviewing-officer]")) == [
        (32, "bodies[0].agenda_parts[1].who_may_request[1]",
         "role 'independent-reviewing-officer' (access role iro) cannot make requests in the platform; name a role whose access role is one "
         "of: panel_administrator, panel_member, team_manager, social_worker")]


def test_an_outcome_not_among_the_bodys_is_refused_at_its_line():
    assert _errors(HEAD + FUNDING.replace("not-agreed]", "refused]")) == [
        (33, "bodies[0].agenda_parts[1].outcomes[2]",
         "unknown outcome 'refused'; outcomes of resources: agreed, agreed-with-conditions, not-agreed, "
         "deferred-for-information")]


def test_request_keys_on_a_childrens_part_are_refused():
    assert _errors(HEAD + """\
        who_may_request: [social-worker]
""") == [(25, "bodies[0].agenda_parts[0].who_may_request",
          "who_may_request is for a part whose items are requests; add items: requests to the part, or leave it "
          "out")]


def test_a_requests_part_must_say_what_a_request_asks():
    assert _errors(HEAD + """\
      - id: funding
        title: Funding requests
        items: requests
""") == [(27, "bodies[0].agenda_parts[1].items",
          "say what a request asks: give request_form (for example what is asked for and the amount)")]


def test_a_tracking_meeting_has_no_requests_part():
    text = (HEAD + FUNDING).replace("    kind: panel\n", "    kind: tracking_meeting\n").replace(
        """    cadence:
      rrule: FREQ=WEEKLY;BYDAY=TH
      anchor: 2027-01-07
      start_time: "10:00"
      end_time: "12:00"
""", "    per_child_cadence:\n      - {id: monthly, every: {months: 1}}\n")
    assert _errors(text) == [(24, "bodies[0].agenda_parts[1].items",
                              "a tracking meeting is held for one child: its items are the child's; requests are "
                              "decided at a panel's sittings")]
