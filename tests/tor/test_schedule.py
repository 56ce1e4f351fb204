"""Sittings and deadlines of the five seed tenants from 1 January 2027, computed by hand from each ToR.

2027 England-and-Wales bank holidays: Fri 1 Jan, Fri 26 Mar, Mon 29 Mar, Mon 3 May, Mon 31 May,
Mon 30 Aug, Mon 27 Dec and Tue 28 Dec (substitutes for Christmas and Boxing Day). In late 2026,
Fri 25 Dec and Mon 28 Dec (Boxing Day substitute) are bank holidays.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from permanence.tor import deadlines, sitting_on, sittings
from permanence.tor.loader import load_tor_from_text
from permanence.tor.schedule import deadline, next_tracking_meeting_due

START = date(2027, 1, 1)
LONDON = ZoneInfo("Europe/London")


def _dates(body):
    return [s.date for s in sittings(body, START, count=6)]


def _first(body):
    return sittings(body, START, count=1)[0]


def _due(body, sitting, kind):
    found = deadline(body, sitting, kind)
    return found.due if found else None


def test_waltham_forest_fortnightly_wednesday_2_to_5_on_teams(tenants):
    body = tenants["waltham-forest"].body("ptm")
    # Fortnightly Wednesdays on the cycle anchored at Wed 7 Jan 2026; 6 Jan 2027 is 26 fortnights on.
    assert _dates(body) == [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17),
                            date(2027, 3, 3), date(2027, 3, 17)]
    first = _first(body)
    assert first.start == datetime(2027, 1, 6, 14, 0, tzinfo=LONDON)
    assert first.end == datetime(2027, 1, 6, 17, 0, tzinfo=LONDON)
    assert first.venue.platform == "Microsoft Teams"
    # Referrals five working days before Wed 6 Jan: Tue 5, Mon 4, (Fri 1 Jan bank holiday, weekend),
    # Thu 31 Dec, Wed 30, Tue 29 Dec 2026.
    assert _due(body, first, "referrals") == date(2026, 12, 29)
    # Papers (assumed 2 working days before, close of business): Tue 5, Mon 4 Jan.
    circulation = deadline(body, first, "agenda_circulation")
    assert circulation.due_at == datetime(2027, 1, 4, 17, 0, tzinfo=LONDON)
    # Decision sheets (assumed 5 working days after): Thu 7, Fri 8, Mon 11, Tue 12, Wed 13 Jan.
    assert _due(body, first, "minutes") == date(2027, 1, 13)


def test_permanence_panel_every_two_weeks_tuesday_morning(tenants):
    body = tenants["permanence-panel-pptm"].body("permanence-panel")
    assert _dates(body) == [date(2027, 1, 5), date(2027, 1, 19), date(2027, 2, 2), date(2027, 2, 16),
                            date(2027, 3, 2), date(2027, 3, 16)]
    first = _first(body)
    assert first.start.time() == time(9, 30)
    # Paperwork "at least 3 days before" Tue 5 Jan is Sat 2 Jan; the office is shut, so it moves to the
    # previous working day, skipping New Year's Day: Thu 31 Dec 2026.
    papers = deadline(body, first, "papers")
    assert (papers.due, papers.rolled_from) == (date(2026, 12, 31), date(2027, 1, 2))
    # Minutes within 5 working days: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 Jan.
    assert _due(body, first, "minutes") == date(2027, 1, 12)
    # Record on FWi "within 5 days": Sun 10 Jan, so Fri 8 Jan.
    assert _due(body, first, "record") == date(2027, 1, 8)
    assert _due(body, first, "referrals") is None  # booking is "at the earliest opportunity"


def test_pptm_deadlines_for_a_childs_meeting(tenants):
    body = tenants["permanence-panel-pptm"].body("pptm")
    meeting = sitting_on(body, date(2027, 1, 5))
    # Paperwork two (calendar) days before Tue 5 Jan is Sun 3 Jan, so Thu 31 Dec 2026 (1 Jan is a holiday).
    assert _due(body, meeting, "papers") == date(2026, 12, 31)
    assert _due(body, meeting, "minutes") == date(2027, 1, 12)
    with pytest.raises(ValueError):
        sittings(body, START, count=1)


def test_redbridge_twice_a_month(tenants):
    body = tenants["redbridge"].body("ptp")
    # Assumed first and third Wednesdays.
    assert _dates(body) == [date(2027, 1, 6), date(2027, 1, 20), date(2027, 2, 3), date(2027, 2, 17),
                            date(2027, 3, 3), date(2027, 3, 17)]
    first = _first(body)
    # Agenda 3 working days before Wed 6 Jan: Tue 5, Mon 4, (1 Jan holiday) Thu 31 Dec 2026.
    assert _due(body, first, "agenda_circulation") == date(2026, 12, 31)
    assert _due(body, first, "added_items") == date(2026, 12, 31)
    assert _due(body, first, "minutes") == date(2027, 1, 13)
    assert _due(body, first, "referrals") is None


def test_monthly_first_friday_moves_off_new_years_day(tenants):
    body = tenants["monthly-tracking-overview"].body("tracking-meeting")
    # First Fridays of 2027: 1 Jan (New Year's Day, moved to Mon 4 Jan), 5 Feb, 5 Mar, 2 Apr, 7 May, 4 Jun.
    assert _dates(body) == [date(2027, 1, 4), date(2027, 2, 5), date(2027, 3, 5), date(2027, 4, 2),
                            date(2027, 5, 7), date(2027, 6, 4)]
    first = _first(body)
    assert first.moved_from == date(2027, 1, 1)
    assert first.moved_because == "New Year's Day"
    # Minutes within 3 working days of Mon 4 Jan: Tue 5, Wed 6, Thu 7 Jan.
    assert _due(body, first, "minutes") == date(2027, 1, 7)
    assert _due(body, first, "referrals") is None and _due(body, first, "papers") is None


def test_knowsley_monthly_three_hours(tenants):
    body = tenants["knowsley"].body("permanency-panel")
    # Assumed third Wednesday, 09:30 for three hours.
    assert _dates(body) == [date(2027, 1, 20), date(2027, 2, 17), date(2027, 3, 17), date(2027, 4, 21),
                            date(2027, 5, 19), date(2027, 6, 16)]
    first = _first(body)
    assert (first.end - first.start).total_seconds() == 3 * 3600
    # British Summer Time from 28 March 2027.
    assert sittings(body, START, count=4)[3].start.utcoffset().total_seconds() == 3600
    # Papers one week in advance; minutes within one week.
    assert _due(body, first, "papers") == date(2027, 1, 13)
    assert _due(body, first, "minutes") == date(2027, 1, 27)


BANK_HOLIDAY_PANEL = """
council: {name: Test}
bodies:
  - id: panel
    kind: panel
    name: Friday panel
    cadence:
      rrule: FREQ=WEEKLY;BYDAY=FR
      anchor: 2027-01-01
      start_time: "10:00"
      end_time: "12:00"
      bank_holidays: %s
    membership:
      chairs: [{role: chair}]
      members: [{role: social-worker}, {role: team-manager}]
    deadlines:
      - kind: referrals
        offset: {working_days: 1, direction: before}
"""


@pytest.mark.parametrize("policy, expected", [
    # Good Friday 26 Mar 2027 is skipped, or moved to Tue 30 Mar (after Easter Monday) or Thu 25 Mar.
    ("skip", [date(2027, 3, 19), date(2027, 4, 2)]),
    ("next_working_day", [date(2027, 3, 19), date(2027, 3, 30), date(2027, 4, 2)]),
    ("previous_working_day", [date(2027, 3, 19), date(2027, 3, 25), date(2027, 4, 2)]),
])
def test_bank_holiday_policies_on_good_friday(policy, expected):
    body = load_tor_from_text(BANK_HOLIDAY_PANEL % policy).body("panel")
    assert [s.date for s in sittings(body, date(2027, 3, 19), until=date(2027, 4, 2))] == expected


def test_deadline_across_easter():
    body = load_tor_from_text(BANK_HOLIDAY_PANEL % "skip").body("panel")
    after_easter = sittings(body, date(2027, 4, 2), count=1)[0]
    # One working day before Fri 2 Apr is Thu 1 Apr; before Tue 30 Mar it would be Thu 25 Mar.
    assert deadlines(body, after_easter)[0].due == date(2027, 4, 1)
    assert deadlines(body, sitting_on(body, date(2027, 3, 30)))[0].due == date(2027, 3, 25)


def test_sittings_needs_a_limit(tenants):
    with pytest.raises(ValueError):
        sittings(tenants["knowsley"].body("permanency-panel"), START)


def test_next_pptm_due_by_cohort(tenants):
    body = tenants["permanence-panel-pptm"].body("pptm")
    last = {"last_tracking_meeting": date(2027, 1, 5)}
    in_proceedings = {"flags": ["in_proceedings"], "legal_status": "C1"}
    due, cadence = next_tracking_meeting_due(body, in_proceedings, last)
    assert (due, cadence.id) == (date(2027, 2, 16), "in-proceedings")       # 6 weeks
    care_order = {"legal_status": "C2", "months_in_placement": 4}
    due, cadence = next_tracking_meeting_due(body, care_order, last)
    assert (due, cadence.id) == (date(2027, 3, 30), "care-order-new-placement")  # 12 weeks
    settled = {"legal_status": "C2", "months_in_placement": 18}
    assert next_tracking_meeting_due(body, settled, last) is None
    # No meeting yet: the first is counted from the placement order.
    due, _ = next_tracking_meeting_due(body, {"legal_status": "E1"}, {"placement_order": date(2027, 1, 11)})
    assert due == date(2027, 2, 22)
