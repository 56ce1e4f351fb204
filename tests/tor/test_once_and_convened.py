"""Per-child meetings held once after an event, and convened for one child when needed (issue 14,
item 2): the YAML forms, their milestone with exact dates, the errors pointing at the line, and the
English of the rendered terms of reference.

Easter 2027: Good Friday 26 March and Easter Monday 29 March are bank holidays.
"""

from datetime import date

import pytest

from permanence.tor import compute_milestones, load_tor_from_text
from permanence.tor.loader import TorConfigError
from permanence.tor.schedule import next_tracking_meeting_due
from permanence.tor.timescales import ACHIEVED, DUE_SOON, NOT_APPLICABLE, OVERDUE
from permanence.tor.vocabulary import held_by
from permanence.tor.wording import convened_words, once_words

d = date
HEAD = """\
council:
  name: Test Council
statutory_timescales: {inherit: false}
bodies:
  - id: ppm
    kind: tracking_meeting
    name: Permanence Planning Meeting
    short_name: PPM
    membership:
      chairs: [{role: team-manager}]
      members: [{role: social-worker}]
      quorum: {minimum: 1}
    agenda_parts:
      - {id: child, title: The child, headings: [Plan]}
"""
ONCE = HEAD + """\
    per_child_cadence:
      - id: after-entry
        once: true
        within: {working_days: 10}
        after: entered_care
        when: {fact: looked_after, eq: true}
        label: Permanence planning meeting
        source: 2.1
"""
CONVENED = HEAD + """\
    convened_by: [team-manager, service-manager]
"""
ENTERED = d(2027, 3, 24)  # a Wednesday, the day before Good Friday
IN_CARE = {"looked_after": True}


def _errors(text):
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(text, "tor.yaml")
    return [(e.line, e.dotted_path, e.message) for e in caught.value.errors]


def _milestone(events, today, facts=IN_CARE):
    tor = load_tor_from_text(ONCE)
    [m] = compute_milestones(tor.timescales, facts, events, today)
    return m


def test_once_is_due_ten_working_days_after_entering_care_across_easter():
    m = _milestone({"entered_care": ENTERED}, d(2027, 3, 25))
    assert (m.rule_id, m.label, m.due, m.status) == ("ppm-after-entry", "Permanence planning meeting",
                                                     d(2027, 4, 9), DUE_SOON)
    assert m.rule.describe() == "10 working days after the child became looked after, where the child is looked after"
    assert _milestone({"entered_care": ENTERED}, d(2027, 4, 12)).status == OVERDUE


def test_once_is_met_by_a_meeting_of_this_body_held_on_or_after_the_event_and_not_another():
    events = {"entered_care": ENTERED, held_by("ppm"): (d(2027, 4, 6),)}
    m = _milestone(events, d(2027, 6, 1))
    assert (m.status, m.achieved, m.due) == (ACHIEVED, d(2027, 4, 6), d(2027, 4, 9))
    # A tracking meeting of another body does not meet it; nor does one of this body before the event.
    other = {"entered_care": ENTERED, held_by("pptm"): (d(2027, 4, 6),), "last_tracking_meeting": d(2027, 4, 6)}
    assert _milestone(other, d(2027, 4, 12)).status == OVERDUE
    before = {"entered_care": ENTERED, held_by("ppm"): (d(2027, 3, 1),)}
    assert _milestone(before, d(2027, 3, 25)).status == DUE_SOON


def test_a_second_period_of_care_makes_it_due_again():
    events = {"entered_care": d(2027, 9, 1), held_by("ppm"): (d(2027, 4, 6),)}
    m = _milestone(events, d(2027, 9, 1))
    assert (m.status, m.due, m.anchor_date) == (DUE_SOON, d(2027, 9, 15), d(2027, 9, 1))
    # Not looked after (the when rule): no meeting is due.
    assert _milestone(events, d(2027, 9, 1), facts={"looked_after": False}).status == NOT_APPLICABLE


def test_next_tracking_meeting_due_knows_the_once_form():
    tor = load_tor_from_text(ONCE)
    body = tor.body("ppm")
    due, cadence = next_tracking_meeting_due(body, IN_CARE, {"entered_care": ENTERED})
    assert (due, cadence.id) == (d(2027, 4, 9), "after-entry")
    assert next_tracking_meeting_due(body, IN_CARE, {"entered_care": ENTERED,
                                                     held_by("ppm"): (d(2027, 4, 6),)}) is None


def test_a_body_may_hold_only_convened_meetings():
    tor = load_tor_from_text(CONVENED)
    body = tor.body("ppm")
    assert body.convened_by == ("team-manager", "service-manager")
    assert not body.per_child_cadence
    assert convened_words(tor, body) == ("Convened for one child when needed by the team manager or the "
                                         "service manager")
    assert once_words(load_tor_from_text(ONCE).body("ppm").per_child_cadence[0]) == (
        "Once, within ten working days after the child became looked after, where the child is looked after")


@pytest.mark.parametrize("entry, expected", [
    ("      - {id: x, once: true, within: {working_days: 10}, after: entered_care, every: {weeks: 6}}",
     (16, "bodies[0].per_child_cadence[0].every", "a meeting held once does not repeat")),
    ("      - {id: x, once: true, after: entered_care}",
     (16, "bodies[0].per_child_cadence[0].within", "required key is missing: how soon after the event")),
    ("      - {id: x, once: true, within: {working_days: 10}}",
     (16, "bodies[0].per_child_cadence[0].after", "required key is missing: the event the meeting follows")),
    ("      - {id: x, once: true, within: {working_days: 10}, after: became_looked_after}",
     (16, "bodies[0].per_child_cadence[0].after", "unknown event 'became_looked_after'")),
    ("      - {id: x, within: {working_days: 10}, after: entered_care}",
     (16, "bodies[0].per_child_cadence[0].after", "after is for a meeting held once: add once: true")),
    ("      - {id: x, once: true, within: {working_days: 10, direction: before}, after: entered_care}",
     (16, "bodies[0].per_child_cadence[0].within", "within counts forward from the after event")),
    ("      - {id: x, once: true, within: {working_days: 10}, after: entered_care, first_after: entered_care}",
     (16, "bodies[0].per_child_cadence[0].first_after", "first_after is for a repeating cadence")),
    ("      - {id: x, when: {fact: looked_after, eq: true}}",
     (16, "bodies[0].per_child_cadence[0].every", "required key is missing: give every")),
])
def test_once_errors_point_at_the_line(entry, expected):
    errors = _errors(HEAD + "    per_child_cadence:\n" + entry + "\n")
    line, path, message = expected
    assert any(e[0] == line and e[1] == path and message in e[2] for e in errors), errors


def test_convened_by_errors_point_at_the_line():
    errors = _errors(HEAD + "    convened_by: [team-manager, area-boss]\n")
    assert errors[0][:2] == (15, "bodies[0].convened_by[1]")
    assert "unknown role 'area-boss'" in errors[0][2]
    errors = _errors(HEAD + "    convened_by: [virtual-school-head]\n")
    assert errors == [(15, "bodies[0].convened_by[0]",
                       "role 'virtual-school-head' (access role panel_member) cannot convene meetings in the "
                       "platform; name a role whose access role is one of: panel_administrator, chair, vice_chair, "
                       "iro, team_manager, social_worker, senior_manager")]
    assert _errors(HEAD + "    convened_by: []\n")[0][1:] == (
        "bodies[0].convened_by", "name at least one role that convenes the meeting, or leave convened_by out")
    assert _errors(HEAD + "    convened_by: [team-manager, team-manager]\n") == [
        (15, "bodies[0].convened_by[1]", "role 'team-manager' is named more than once")]


def test_a_tracking_meeting_needs_a_cadence_or_convened_by():
    assert _errors(HEAD) == [(5, "bodies[0].per_child_cadence",
                              "a tracking meeting needs per_child_cadence (when it is due for each child) or "
                              "convened_by (who convenes it for one child when needed), or both")]


def test_a_panel_is_not_convened_for_one_child():
    text = """\
council: {name: Test Council}
bodies:
  - id: panel
    kind: panel
    name: Test Panel
    cadence: {rrule: FREQ=WEEKLY, anchor: 2027-01-06, start_time: "14:00", end_time: "17:00"}
    membership:
      chairs: [{role: chair}]
      quorum: {minimum: 1}
    convened_by: [team-manager]
"""
    assert _errors(text) == [(10, "bodies[0].convened_by", "convened_by is for a tracking meeting (held for one "
                                                           "child); a panel sits on its cadence")]


def test_a_tracking_meeting_needs_an_agenda_part_for_the_childs_item():
    text = CONVENED.replace("    agenda_parts:\n      - {id: child, title: The child, headings: [Plan]}\n", "")
    assert _errors(text) == [(5, "bodies[0].agenda_parts", "a tracking meeting needs an agenda part: each child's "
                                                           "item is booked in the first, and its headings are the "
                                                           "meeting's agenda")]
