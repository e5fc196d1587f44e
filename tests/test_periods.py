"""Month, quarter and year arithmetic (keten.periods), which every surface shares."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from keten.periods import Month, add_months, next_month, period_bounds, periods_between

days = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31))


@given(day=days, months=st.integers(-2400, 2400))
def test_adding_months_lands_on_the_first_and_counts_calendar_months(day, months):
    moved = add_months(day, months)
    assert moved.day == 1
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert add_months(moved, -months) == day.replace(day=1)


@given(day=days, grain=st.sampled_from(["month", "quarter", "year"]))
def test_a_period_holds_its_day_and_the_next_one_starts_the_day_after_it_ends(day, grain):
    start, end, label = period_bounds(day, grain)
    assert start <= day <= end and start.day == 1
    following = period_bounds(end + dt.timedelta(days=1), grain)
    assert following[0] == end + dt.timedelta(days=1) and following[2] != label
    assert {"month": 1, "quarter": 3, "year": 12}[grain] == len(periods_between(start, end, "month"))


def test_labels_name_the_month_the_quarter_and_the_year():
    assert period_bounds(dt.date(2025, 8, 17), "month") == (
        dt.date(2025, 8, 1),
        dt.date(2025, 8, 31),
        "2025-08",
    )
    assert period_bounds(dt.date(2024, 2, 29), "quarter") == (
        dt.date(2024, 1, 1),
        dt.date(2024, 3, 31),
        "2024-K1",
    )
    assert period_bounds(dt.date(2025, 12, 31), "year") == (
        dt.date(2025, 1, 1),
        dt.date(2025, 12, 31),
        "2025",
    )
    with pytest.raises(ValueError, match="Unknown grain 'week'"):
        period_bounds(dt.date(2025, 1, 1), "week")


def test_a_month_steps_across_the_year_and_ends_at_midnight_in_the_chain_zone():
    december = Month.parse("2025-12")
    assert (december.next, december.previous, december.shift(-12)) == (
        Month(2026, 1),
        Month(2025, 11),
        Month(2024, 12),
    )
    assert next_month(dt.date(2025, 12, 31)) == dt.date(2026, 1, 1)
    assert Month(2025, 10).end_utc("Europe/Amsterdam") == dt.datetime(2025, 10, 31, 23, tzinfo=dt.UTC)
    assert str(Month(2025, 3)) == "2025-03" and Month(2025, 3).period == "2025-03-01"
    with pytest.raises(ValueError, match="use YYYY-MM"):
        Month.parse("maart")
