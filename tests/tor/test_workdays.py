"""The platform's working-day calendar: England-and-Wales bank holidays and offsets."""

from datetime import date

import pytest

from permanence.core.workdays import (Offset, add_working_days, apply_offset, bank_holidays, is_working_day,
                                      next_working_day, previous_working_day, roll, working_days_between)


def test_2027_bank_holidays_include_substitute_days():
    # Christmas Day and Boxing Day 2027 fall on a Saturday and Sunday; the package lists them and
    # their substitute days, Monday 27 and Tuesday 28 December.
    weekday_holidays = sorted(d for d in bank_holidays(2027) if d.weekday() < 5)
    assert weekday_holidays == [
        date(2027, 1, 1), date(2027, 3, 26), date(2027, 3, 29), date(2027, 5, 3), date(2027, 5, 31),
        date(2027, 8, 30), date(2027, 12, 27), date(2027, 12, 28),
    ]


@pytest.mark.parametrize("day, working", [
    (date(2027, 1, 1), False),    # New Year's Day
    (date(2027, 1, 4), True),
    (date(2027, 3, 26), False),   # Good Friday
    (date(2027, 3, 29), False),   # Easter Monday
    (date(2027, 12, 27), False),  # Christmas Day (substitute)
    (date(2027, 12, 28), False),  # Boxing Day (substitute)
    (date(2027, 12, 29), True),
    (date(2027, 1, 2), False),    # Saturday
])
def test_is_working_day(day, working):
    assert is_working_day(day) is working


def test_five_working_days_before_steps_over_new_year_and_weekend():
    # Wed 6 Jan 2027: Tue 5 (1), Mon 4 (2), [Fri 1 Jan bank holiday, weekend], Thu 31 Dec (3),
    # Wed 30 (4), Tue 29 (5). Mon 28 Dec 2026 is the Boxing Day substitute.
    assert add_working_days(date(2027, 1, 6), -5) == date(2026, 12, 29)


def test_working_days_across_easter_2027():
    # Thu 25 Mar + 1 working day skips Good Friday, the weekend and Easter Monday.
    assert add_working_days(date(2027, 3, 25), 1) == date(2027, 3, 30)


def test_working_days_between_is_inverse_of_add():
    assert working_days_between(date(2026, 12, 29), date(2027, 1, 6)) == 5
    assert working_days_between(date(2027, 1, 6), date(2026, 12, 29)) == -5
    assert working_days_between(date(2027, 1, 6), date(2027, 1, 6)) == 0


def test_next_and_previous_working_day():
    assert next_working_day(date(2027, 12, 24)) == date(2027, 12, 29)
    assert previous_working_day(date(2027, 3, 29)) == date(2027, 3, 25)


def test_roll_policies():
    assert roll(date(2027, 1, 2), "previous_working_day") == date(2026, 12, 31)
    assert roll(date(2027, 1, 2), "next_working_day") == date(2027, 1, 4)
    assert roll(date(2027, 1, 2), "keep") == date(2027, 1, 2)
    assert roll(date(2027, 1, 5), "previous_working_day") == date(2027, 1, 5)


@pytest.mark.parametrize("start, offset, expected", [
    (date(2027, 1, 4), Offset(20, "working_days"), date(2027, 2, 1)),
    (date(2027, 1, 6), Offset(3, "days", "before"), date(2027, 1, 3)),
    (date(2027, 1, 6), Offset(6, "weeks"), date(2027, 2, 17)),
    (date(2027, 1, 31), Offset(1, "months"), date(2027, 2, 28)),
    (date(2027, 3, 31), Offset(1, "months", "before"), date(2027, 2, 28)),
])
def test_apply_offset(start, offset, expected):
    assert apply_offset(start, offset) == expected


def test_offset_describes_itself_and_rejects_nonsense():
    assert Offset(5, "working_days", "before").describe("the meeting") == "5 working days before the meeting"
    assert Offset(1, "weeks").describe() == "1 week"
    with pytest.raises(ValueError):
        Offset(5, "fortnights")
    with pytest.raises(ValueError):
        Offset(-1, "days")


def test_adding_working_days_by_whole_weeks_lands_where_counting_day_by_day_does():
    """``add_working_days`` skips whole weeks; the answer is the one counting each day gives, on every
    start day of three years (weekends, Easter, Christmas substitutes), both ways."""
    from datetime import timedelta

    def counted(d, n):
        step = 1 if n >= 0 else -1
        for _ in range(abs(n)):
            d += timedelta(days=step)
            while not is_working_day(d):
                d += timedelta(days=step)
        return d

    start = date(2026, 1, 1)
    for offset in range(0, 3 * 365, 2):
        day = start + timedelta(days=offset)
        for n in (-70, -26, -11, -6, -5, -1, 0, 1, 5, 6, 7, 10, 11, 15, 20, 21, 31, 64, 130):
            assert add_working_days(day, n) == counted(day, n), (day, n)
