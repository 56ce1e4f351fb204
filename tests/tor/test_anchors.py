"""Timescales anchored on events (issue 14): the nth occurrence of a repeating event, an event that
has not happened yet (the milestone waits, neither overdue nor drift), and the earliest or latest of
several anchors. Exact dates for crafted children; errors point at the line; the English wording.

Today is Monday 1 March 2027 unless a test says otherwise.
"""

from datetime import date

import pytest

from permanence.tor import compute_milestones, load_tor_from_text
from permanence.tor.loader import TorConfigError

MINIMAL = """\
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
        - {role: team-manager}
        - {role: social-worker}
"""

d = date
TODAY = d(2027, 3, 1)
IN_CARE = {"looked_after": True}


def _rule(yaml_due, completed_by="permanence_plan_agreed"):
    tor = load_tor_from_text(MINIMAL + f"""\
statutory_timescales: {{inherit: false}}
timescales:
  - id: t
    label: T
    due: {yaml_due}
    completed_by: {completed_by}
""")
    [rule] = tor.timescales
    return rule


def _one(rule, events, today=TODAY, facts=IN_CARE):
    [m] = compute_milestones([rule], facts, events, today)
    return m


# --- The nth occurrence ------------------------------------------------------------------------

SECOND_REVIEW = "{event: review, nth: 2}"
IN_CARE_EVENTS = {"entered_care": d(2027, 1, 4)}


def test_plan_by_the_second_review_agreed_after_it_is_achieved_late_at_the_second_reviews_date():
    rule = _rule(SECOND_REVIEW)
    events = {**IN_CARE_EVENTS, "review": (d(2027, 1, 28), d(2027, 2, 22)), "permanence_plan_agreed": d(2027, 2, 24)}
    m = _one(rule, events)
    assert (m.due, m.status, m.achieved, m.anchor_event, m.anchor_date) == (
        d(2027, 2, 22), "achieved_late", d(2027, 2, 24), "review", d(2027, 2, 22))
    # Agreed on the day of the review, or before it: on time.
    assert _one(rule, {**events, "permanence_plan_agreed": d(2027, 2, 22)}).status == "achieved"
    assert _one(rule, {**events, "permanence_plan_agreed": d(2027, 1, 10)}).status == "achieved"


def test_second_review_not_held_yet_waits_then_is_overdue_once_held_without_a_plan():
    rule = _rule(SECOND_REVIEW)
    one = {**IN_CARE_EVENTS, "review": (d(2027, 1, 28),)}
    m = _one(rule, one)
    assert (m.due, m.status, m.reason) == (None, "waiting", "waiting for the second looked-after review")
    assert not m.is_late
    # Even long after the first review, while the second is not held, nothing is overdue.
    assert _one(rule, one, today=d(2027, 12, 1)).status == "waiting"
    # Held on Mon 26 Apr without a plan: due that day, overdue from the next.
    two = {**IN_CARE_EVENTS, "review": (d(2027, 1, 28), d(2027, 4, 26))}
    assert (_one(rule, two, today=d(2027, 4, 26)).status, _one(rule, two, today=d(2027, 4, 26)).due) == (
        "due_soon", d(2027, 4, 26))
    m = _one(rule, two, today=d(2027, 4, 27))
    assert (m.due, m.status, m.anchor_date) == (d(2027, 4, 26), "overdue", d(2027, 4, 26))


def test_nth_with_an_offset_and_the_last_occurrence():
    reviews = {**IN_CARE_EVENTS, "review": (d(2027, 1, 28), d(2027, 2, 22), d(2027, 2, 26))}
    # 10 working days after the third review (Fri 26 Feb) is Fri 12 Mar.
    assert _one(_rule("{event: review, nth: 3, offset: {working_days: 10}}"), reviews).due == d(2027, 3, 12)
    assert _one(_rule("{event: review, nth: last, offset: {months: 6}}"), reviews).due == d(2027, 8, 26)
    # A panel's discussions are supplied the same way (by the meetings feature).
    panels = {"panel": (d(2027, 1, 12), d(2027, 2, 9))}
    assert _one(_rule("{event: panel, nth: 2, offset: {weeks: 2}}"), panels).due == d(2027, 2, 23)


def test_the_child_not_in_care_or_gone_from_care_is_not_waiting():
    rule = _rule(SECOND_REVIEW)
    m = _one(rule, {}, facts={"looked_after": False})
    assert (m.status, m.reason) == ("not_applicable", "the date the child became looked after is not recorded yet")
    left = {**IN_CARE_EVENTS, "review": (d(2027, 1, 28),), "left_care": d(2027, 2, 1)}
    m = _one(rule, left)
    assert (m.status, m.reason) == ("not_applicable", "stopped applying when the child left care on 1 February 2027")


# --- An event that has not happened yet -----------------------------------------------------------

BEFORE_ADM = "{event: adm_decision, offset: {working_days: 5}, direction: before}"


def test_a_deadline_before_a_future_event_waits_for_it_then_counts_back_from_it():
    rule = _rule(BEFORE_ADM)
    m = _one(rule, IN_CARE_EVENTS)
    assert (m.status, m.due, m.reason) == (
        "waiting", None, "waiting for the agency decision maker's should-be-placed decision")
    # The decision is set for Wed 17 Mar: 5 working days before is Wed 10 Mar; due soon from 24 Feb.
    adm = {**IN_CARE_EVENTS, "adm_decision": d(2027, 3, 17)}
    assert (_one(rule, adm).due, _one(rule, adm).status) == (d(2027, 3, 10), "due_soon")
    assert _one(rule, adm, today=d(2027, 3, 11)).status == "overdue"
    assert _one(rule, {**adm, "permanence_plan_agreed": d(2027, 3, 3)}).status == "achieved"
    # Already met before the decision's date is known: achieved, whenever it comes.
    m = _one(rule, {**IN_CARE_EVENTS, "permanence_plan_agreed": d(2027, 2, 1)})
    assert (m.status, m.due, m.achieved) == ("achieved", None, d(2027, 2, 1))


# --- Whichever comes first / last -------------------------------------------------------------------

WEEK_20_OR_SECOND_REVIEW = "{earliest: [{event: proceedings_issued, offset: {weeks: 20}}, {event: review, nth: 2}]}"
PROCEEDINGS = {**IN_CARE_EVENTS, "proceedings_issued": d(2026, 11, 2), "review": (d(2027, 1, 28),)}


def test_whichever_comes_first_the_review_first():
    rule = _rule(WEEK_20_OR_SECOND_REVIEW)
    # Issued Mon 2 Nov 2026: week 20 is Mon 22 Mar 2027. The second review on Mon 1 Feb comes first.
    events = {**PROCEEDINGS, "review": (d(2027, 1, 28), d(2027, 2, 1)), "permanence_plan_agreed": d(2027, 2, 10)}
    m = _one(rule, events)
    assert (m.due, m.status, m.achieved, m.anchor_event) == (d(2027, 2, 1), "achieved_late", d(2027, 2, 10), "review")


def test_whichever_comes_first_week_20_first():
    rule = _rule(WEEK_20_OR_SECOND_REVIEW)
    # The second review not held yet: due at week 20 (it can only come sooner once the review is held).
    m = _one(rule, PROCEEDINGS)
    assert (m.due, m.status, m.anchor_event, m.anchor_date) == (
        d(2027, 3, 22), "upcoming", "proceedings_issued", d(2026, 11, 2))
    # The second review held on 10 Apr, after week 20, no plan: overdue since 22 Mar.
    later = {**PROCEEDINGS, "review": (d(2027, 1, 28), d(2027, 4, 10))}
    m = _one(rule, later, today=d(2027, 4, 12))
    assert (m.due, m.status, m.anchor_event) == (d(2027, 3, 22), "overdue", "proceedings_issued")
    # Neither known (not in proceedings, no second review yet): waiting for either.
    m = _one(rule, {**IN_CARE_EVENTS, "review": (d(2027, 1, 28),)})
    assert (m.status, m.reason) == (
        "waiting", "waiting for the date care proceedings were issued and the second looked-after review")


def test_whichever_comes_last_waits_for_every_anchor():
    rule = _rule("{latest: [{event: placement_order, offset: {weeks: 6}}, "
                 "{event: adm_decision, offset: {working_days: 10}}]}")
    po = {**IN_CARE_EVENTS, "placement_order": d(2027, 1, 11)}
    m = _one(rule, po)
    # The placement order's 6 weeks passed on 22 Feb, but the decision is still to come: not overdue.
    assert (m.status, m.due, m.reason) == (
        "waiting", None, "waiting for the agency decision maker's should-be-placed decision")
    # Decision Mon 15 Feb: 10 working days on is Mon 1 Mar, later than 22 Feb: due 1 Mar.
    m = _one(rule, {**po, "adm_decision": d(2027, 2, 15)})
    assert (m.due, m.status, m.anchor_event) == (d(2027, 3, 1), "due_soon", "adm_decision")
    m = _one(rule, {**po, "adm_decision": d(2027, 2, 1)})  # 10 working days on: 15 Feb; 22 Feb is later
    assert (m.due, m.status, m.anchor_event) == (d(2027, 2, 22), "overdue", "placement_order")


def test_not_before_an_event_still_to_happen_waits_for_it():
    tor = load_tor_from_text(MINIMAL + """\
statutory_timescales: {inherit: false}
timescales:
  - id: t
    label: Presented to panel by week 20 of proceedings, but after the first review
    due: {event: proceedings_issued, offset: {weeks: 20}}
    not_before: first_review
    completed_by: last_panel
""")
    [rule] = tor.timescales
    m = _one(rule, {**IN_CARE_EVENTS, "proceedings_issued": d(2026, 11, 2)})
    assert (m.status, m.due, m.reason) == ("waiting", None, "waiting for the first looked-after review")
    # First review on Mon 29 Mar, after week 20 (22 Mar): due then.
    m = _one(rule, {**IN_CARE_EVENTS, "proceedings_issued": d(2026, 11, 2), "first_review": d(2027, 3, 29)})
    assert (m.status, m.due) == ("upcoming", d(2027, 3, 29))
    assert rule.describe() == ("20 weeks after care proceedings were issued, but not before the first "
                               "looked-after review")


# --- The old names still work beside the new form ---------------------------------------------

def test_old_event_names_see_the_latest_of_a_repeating_event():
    tor = load_tor_from_text(MINIMAL + """\
statutory_timescales: {inherit: false}
timescales:
  - id: old
    label: Old form
    event: latest_review
    offset: {months: 6}
  - id: rolling
    label: Rolling on the repeating event
    event: review
    offset: {months: 6}
""")
    events = {"latest_review": d(2027, 2, 22), "review": (d(2027, 1, 28), d(2027, 2, 22))}
    old, rolling = compute_milestones(tor.timescales, IN_CARE, events, TODAY)
    assert old.due == rolling.due == d(2027, 8, 22)


# --- The next occurrence after another event --------------------------------------------------------

WEEK_20_OR_NEXT_REVIEW = ("{earliest: [{event: proceedings_issued, offset: {weeks: 20}}, "
                          "{event: review, after: proceedings_issued}]}")


def test_the_next_review_after_proceedings_were_issued_whichever_comes_first():
    """'By week 20 of proceedings or the IRO's (next) review, whichever comes first': proceedings
    issued Mon 2 Nov 2026, week 20 Mon 22 Mar 2027. A review before proceedings does not count."""
    rule = _rule(WEEK_20_OR_NEXT_REVIEW)
    before = {**PROCEEDINGS, "review": (d(2026, 10, 20),)}
    m = _one(rule, before)
    assert (m.due, m.status, m.anchor_event) == (d(2027, 3, 22), "upcoming", "proceedings_issued")
    # The next review is held on Fri 5 Feb 2027, before week 20: due that day, overdue without a plan.
    held = {**PROCEEDINGS, "review": (d(2026, 10, 20), d(2027, 2, 5))}
    m = _one(rule, held)
    assert (m.due, m.status, m.anchor_event, m.anchor_date) == (d(2027, 2, 5), "overdue", "review", d(2027, 2, 5))
    # A review on the day proceedings were issued is the next one.
    m = _one(rule, {**PROCEEDINGS, "review": (d(2026, 11, 2),)})
    assert m.due == d(2026, 11, 2)


def test_the_next_review_alone_waits_for_it_and_for_its_starting_event():
    rule = _rule("{event: review, after: proceedings_issued, offset: {working_days: 5}}")
    m = _one(rule, {**IN_CARE_EVENTS, "review": (d(2027, 1, 28),)})
    assert (m.status, m.reason) == (
        "waiting", "waiting for the next looked-after review after care proceedings were issued")
    m = _one(rule, {**PROCEEDINGS, "review": (d(2027, 1, 28), d(2027, 2, 22))})
    assert (m.due, m.anchor_date) == (d(2027, 2, 4), d(2027, 1, 28))  # Thu 28 Jan + 5 working days
    second = _rule("{event: review, after: proceedings_issued, nth: 2}")
    assert _one(second, {**PROCEEDINGS, "review": (d(2027, 1, 28), d(2027, 2, 22))}).due == d(2027, 2, 22)


# --- Wording ------------------------------------------------------------------------------------

@pytest.mark.parametrize("due, words", [
    (SECOND_REVIEW, "by the second looked-after review"),
    (BEFORE_ADM, "5 working days before the agency decision maker's should-be-placed decision"),
    (WEEK_20_OR_SECOND_REVIEW, "20 weeks after care proceedings were issued or the second looked-after review, "
                               "whichever comes first"),
    ("{latest: [{event: placement_order, offset: {weeks: 6}}, {event: review, nth: last}]}",
     "6 weeks after a placement order was made or the most recent looked-after review, whichever comes last"),
    ("{event: review, nth: 11, offset: {days: 1}}", "1 day after the 11th looked-after review"),
    (WEEK_20_OR_NEXT_REVIEW, "20 weeks after care proceedings were issued or the next looked-after review after "
                             "care proceedings were issued, whichever comes first"),
    ("{event: panel, after: placement_order, nth: 2}",
     "by the second panel discussion of the child after a placement order was made"),
])
def test_the_rule_in_english(due, words):
    assert _rule(due).describe() == words


# --- Errors point at the line -------------------------------------------------------------------

def _errors(timescale_lines):
    # MINIMAL is 16 lines; "timescales:" is line 17, "- id: t" 18, "label: T" 19, then these from 20.
    with pytest.raises(TorConfigError) as caught:
        load_tor_from_text(MINIMAL + "timescales:\n  - id: t\n    label: T\n" + timescale_lines,
                           "tenants/test/tor.yaml")
    return [(e.line, e.dotted_path, e.message) for e in caught.value.errors]


def test_unknown_event_in_an_anchor():
    [(line, path, message)] = _errors("    due:\n      event: second_looked_after_review\n      nth: 2\n")
    assert (line, path) == (21, "timescales[0].due.event")
    assert message.startswith("unknown event 'second_looked_after_review'; allowed: ")


def test_nth_below_one():
    [(line, path, message)] = _errors("    due:\n      event: review\n      nth: 0\n")
    assert (line, path, message) == (22, "timescales[0].due.nth", "nth counts from 1 (the first occurrence); got 0")


def test_nth_on_an_event_that_happens_once_and_a_repeating_event_without_nth():
    [(line, path, message)] = _errors("    due:\n      event: entered_care\n      nth: 2\n")
    assert (line, path) == (22, "timescales[0].due.nth")
    assert message.startswith("nth applies only to an event that happens many times (review, panel")
    [(line, path, message)] = _errors("    due:\n      earliest:\n        - {event: proceedings_issued}\n"
                                      "        - {event: review}\n")
    assert (line, path) == (23, "timescales[0].due.earliest[1].event")
    assert "happens many times: say which with nth" in message


def test_an_empty_anchor_list():
    [(line, path, message)] = _errors("    due:\n      latest: []\n")
    assert (line, path) == (21, "timescales[0].due.latest")
    assert message.startswith("latest needs at least one anchor")


def test_due_mixed_with_the_event_form():
    errors = _errors("    due: {event: review, nth: 2}\n    event: first_review\n    offset: {months: 3}\n")
    assert [(line, path) for line, path, _ in errors] == [(21, "timescales[0].event"), (22, "timescales[0].offset")]
    assert errors[0][2].startswith("event belongs to the event + offset form; with due, give the anchors inside due")


def test_neither_due_nor_event():
    errors = _errors("    completed_by: permanence_plan_agreed\n")
    assert [(path, message) for _, path, message in errors] == [
        ("timescales[0].event", "required key is missing (or give due: instead of event and offset)"),
        ("timescales[0].offset", "required key is missing (or give due: instead of event and offset)")]


def test_one_anchor_and_a_list_together():
    [(line, path, message)] = _errors(
        "    due:\n      event: review\n      nth: 2\n      earliest: [{event: adm_decision}]\n")
    assert (line, path) == (20, "timescales[0].due")
    assert message == ("due has exactly one of: event (one anchor), earliest or latest (a list of anchors); "
                       "got event and earliest")


def test_after_is_for_events_that_happen_many_times():
    [(line, path, message)] = _errors("    due: {event: placement_order, after: proceedings_issued}\n")
    assert (line, path) == (20, "timescales[0].due.after")
    assert message.startswith("after counts the occurrences of an event that happens many times")
    [(line, path, message)] = _errors("    due: {event: review, after: procedings_issued}\n")
    assert (line, path) == (20, "timescales[0].due.after") and "unknown event 'procedings_issued'" in message
