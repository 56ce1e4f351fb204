"""Outcomes offered only when a condition holds (``only_when``), subject to a named role's
agreement (``requires_sign_off_by``), and setting dates for the child (``sets_dates``): the keys
load, a wrong one is an error at its line, and the English the ToR page shows (issue 14)."""

import pytest

from permanence.tor import load_tor_from_text
from permanence.tor.loader import TorConfigError
from permanence.tor.model import agreed_date_rule_id
from permanence.tor.wording import agreed_dates_words, condition_words

# The body's "outcomes:" is line 18; its first "- id:" line 19.
HEAD = """\
council:
  name: Test Council
bodies:
  - id: panel
    kind: panel
    name: Test Panel
    cadence:
      rrule: FREQ=WEEKLY;INTERVAL=2;BYDAY=WE
      anchor: 2027-01-06
      start_time: "14:00"
      end_time: "17:00"
    membership:
      chairs: [{role: chair}]
      members:
        - {role: legal-adviser, title: Legal advisor}
        - {role: team-manager}
        - {role: social-worker}
    outcomes:
"""


def _load(outcome_lines: str):
    return load_tor_from_text(HEAD + outcome_lines, "tenants/test/tor.yaml")


def _errors(outcome_lines: str):
    with pytest.raises(TorConfigError) as caught:
        _load(outcome_lines)
    return [(e.line, e.dotted_path, e.message) for e in caught.value.errors]


def test_the_forms_load():
    tor = _load("""\
      - id: revoke
        label: Recommend revocation of the care order
        only_when: {present: [legal-adviser], when: {fact: legal_status, in: [C2]}}
        requires_sign_off_by: senior-manager
      - id: timescales
        label: Timescales agreed
        sets_dates:
          - {id: matching-report, label: Matching report to panel, met_by: last_panel}
""")
    revoke, timescales = tor.body("panel").outcomes
    assert revoke.only_when.present == ("legal-adviser",)
    assert revoke.only_when.when is not None
    assert revoke.requires_sign_off_by == "senior-manager"
    [agreed] = timescales.sets_dates
    assert (agreed.id, agreed.label, agreed.met_by) == ("matching-report", "Matching report to panel", "last_panel")
    assert agreed_date_rule_id("panel", agreed.id) == "panel-agreed-matching-report"


def test_an_unknown_role_is_an_error_at_its_line():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        only_when:
          present: [lawyer]
""")
    assert (line, path) == (22, "bodies[0].outcomes[0].only_when.present[0]")
    assert message.startswith("unknown role 'lawyer'; known roles: chair,")


def test_a_role_with_no_seat_on_the_body_could_never_be_present():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        only_when:
          present: [finance-officer]
""")
    assert (line, path) == (22, "bodies[0].outcomes[0].only_when.present[0]")
    assert message == ("no seat of the panel has the role 'finance-officer', so nobody could be recorded present "
                       "in it; seats' roles: chair, legal-adviser, social-worker, team-manager")


def test_a_sign_off_role_nobody_in_the_platform_could_give_is_refused():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        requires_sign_off_by: agency-adviser
""")
    assert (line, path) == (21, "bodies[0].outcomes[0].requires_sign_off_by")
    assert message.startswith("role 'agency-adviser' (access role panel_member) cannot agree a recommendation in the "
                              "platform, so the outcome would wait for ever; name a role whose access role is one "
                              "of: chair, vice_chair, team_manager, senior_manager")


def test_an_unknown_key_is_an_error_at_its_line():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        only_when:
          attending: [legal-adviser]
""")
    assert (line, path) == (22, "bodies[0].outcomes[0].only_when.attending")
    assert message == "unknown key 'attending'; allowed keys: present, when"


def test_an_empty_condition_says_what_it_needs():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        only_when: {}
""")
    assert (line, path) == (21, "bodies[0].outcomes[0].only_when")
    assert message.startswith("only_when needs present (roles that must be at the sitting")


def test_a_bad_rule_in_when_is_an_error_at_its_line():
    [(line, path, message)] = _errors("""\
      - id: revoke
        label: Recommend revocation
        only_when:
          when: {fact: shoe_size, gt: 3}
""")
    assert (line, path) == (22, "bodies[0].outcomes[0].only_when.when.fact")
    assert "shoe_size" in message


def test_a_date_needs_the_event_that_meets_it():
    [(line, path, message)] = _errors("""\
      - id: timescales
        label: Timescales agreed
        sets_dates:
          - id: matching-report
            label: Matching report to panel
""")
    assert (line, path) == (22, "bodies[0].outcomes[0].sets_dates[0].met_by")
    assert message == "required key is missing"


def test_an_unknown_event_in_met_by_is_an_error_at_its_line():
    [(line, path, message)] = _errors("""\
      - id: timescales
        label: Timescales agreed
        sets_dates:
          - id: matching-report
            label: Matching report to panel
            met_by: matching_panel
""")
    assert (line, path) == (24, "bodies[0].outcomes[0].sets_dates[0].met_by")
    assert message.startswith("unknown event 'matching_panel'; allowed: entered_care,")


def test_a_date_id_used_twice_in_one_outcome_is_an_error():
    [(line, path, message)] = _errors("""\
      - id: timescales
        label: Timescales agreed
        sets_dates:
          - {id: report, label: Report, met_by: last_panel}
          - {id: report, label: Report, met_by: last_panel}
""")
    assert (line, path, message) == (23, "bodies[0].outcomes[0].sets_dates[1].id", "date id 'report' is used more than once")


def test_one_date_id_is_one_milestone_so_two_outcomes_give_it_one_label():
    [(line, path, message)] = _errors("""\
      - id: timescales
        label: Timescales agreed
        sets_dates: [{id: report, label: Report, met_by: last_panel}]
      - id: more-timescales
        label: Timescales agreed again
        sets_dates: [{id: report, label: Final report, met_by: last_panel}]
""")
    assert (line, path) == (24, "bodies[0].outcomes[1].sets_dates[0].id")
    assert message.startswith("date id 'report' is already set by outcome 'timescales' with the label 'Report'")


def test_the_forms_in_english():
    tor = _load("""\
      - id: revoke
        label: Recommend revocation of the care order
        only_when: {present: [legal-adviser], when: {fact: legal_status, in: [C2]}}
      - id: timescales
        label: Timescales agreed
        sets_dates:
          - {id: matching-report, label: Matching report to panel, met_by: last_panel}
          - {id: monitoring, label: Monitoring review, met_by: last_tracking_meeting}
""")
    revoke, timescales = tor.body("panel").outcomes
    words = condition_words(revoke.only_when, lambda r: tor.roles[r].label)
    assert words == ("Offered only when a legal adviser is recorded present at the sitting (for the item's part of "
                     "the agenda), and only for children where legal status is C2 (care order).")
    assert agreed_dates_words(timescales.sets_dates) == (
        "The meeting agrees a date for Matching report to panel (met by the most recent panel discussion of the "
        "child after the meeting) and Monitoring review (met by the most recent tracking meeting after the meeting); "
        "each date becomes a milestone in the child's tracker, overdue the day after it. A later meeting may set "
        "the date again: the latest date agreed counts.")
