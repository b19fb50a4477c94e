"""Calendar periods of ``periodic_usage`` in the club's timezone, across DST changes and week edges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyaltyhub.member_offers.periods import period_bounds

OSLO = ZoneInfo("Europe/Oslo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=OSLO, fold=fold)


def test_day_is_local_midnight_to_local_midnight():
    start, end = period_bounds("day", local(2026, 6, 10, 0, 30), OSLO)
    assert (start, end) == (utc(2026, 6, 9, 22), utc(2026, 6, 10, 22))


def test_spring_forward_day_lasts_23_hours():
    start, end = period_bounds("day", local(2026, 3, 29, 12), OSLO)
    assert start == utc(2026, 3, 28, 23)  # midnight CET
    assert end == utc(2026, 3, 29, 22)  # midnight CEST
    assert end - start == timedelta(hours=23)


def test_fall_back_day_lasts_25_hours():
    start, end = period_bounds("day", local(2026, 10, 25, 12), OSLO)
    assert end - start == timedelta(hours=25)


def test_the_repeated_autumn_hour_is_two_periods():
    first = period_bounds("hour", local(2026, 10, 25, 2, 30, fold=0), OSLO)
    second = period_bounds("hour", local(2026, 10, 25, 2, 30, fold=1), OSLO)
    assert first == (utc(2026, 10, 25, 0), utc(2026, 10, 25, 1))
    assert second == (utc(2026, 10, 25, 1), utc(2026, 10, 25, 2))


def test_hour_after_the_spring_gap():
    assert period_bounds("hour", local(2026, 3, 29, 3, 15), OSLO) == (utc(2026, 3, 29, 1), utc(2026, 3, 29, 2))


def test_iso_week_starts_monday_local_midnight():
    # Sunday 23:30 and Monday 00:30 Oslo are both Sunday in UTC, but in different weeks.
    sunday = period_bounds("week", local(2026, 11, 29, 23, 30), OSLO)
    monday = period_bounds("week", local(2026, 11, 30, 0, 30), OSLO)
    assert sunday == (utc(2026, 11, 22, 23), utc(2026, 11, 29, 23))
    assert monday == (utc(2026, 11, 29, 23), utc(2026, 12, 6, 23))


def test_week_spanning_dst_change_is_one_hour_short():
    start, end = period_bounds("week", local(2026, 3, 26, 12), OSLO)
    assert start == utc(2026, 3, 22, 23) and end == utc(2026, 3, 29, 22)
    assert end - start == timedelta(days=7, hours=-1)


def test_iso_week_across_new_year():
    start, end = period_bounds("week", local(2027, 1, 1, 12), OSLO)  # a Friday
    assert start == utc(2026, 12, 27, 23)  # Monday 28 December local
    assert end == utc(2027, 1, 3, 23)


def test_month_and_year():
    assert period_bounds("month", local(2026, 2, 28, 23, 59), OSLO) == (utc(2026, 1, 31, 23), utc(2026, 2, 28, 23))
    assert period_bounds("month", local(2026, 12, 31, 23), OSLO) == (utc(2026, 11, 30, 23), utc(2026, 12, 31, 23))
    assert period_bounds("year", utc(2026, 12, 31, 23, 30), OSLO) == (utc(2026, 12, 31, 23), utc(2027, 12, 31, 23))


@pytest.mark.parametrize("timespan", ["hour", "day", "week", "month", "year"])
@pytest.mark.parametrize("zone", ["Europe/Oslo", "America/New_York", "Asia/Kathmandu", "America/Santiago"])
def test_every_instant_lies_in_its_period_and_periods_tile(timespan, zone):
    tz = ZoneInfo(zone)
    moment = utc(2026, 3, 1)
    while moment < utc(2026, 4, 15):
        start, end = period_bounds(timespan, moment, tz)
        assert start <= moment < end
        assert period_bounds(timespan, end, tz)[0] == end  # the next period starts where this one ends
        moment += timedelta(minutes=37)


def test_naive_now_is_refused():
    with pytest.raises(ValueError):
        period_bounds("day", datetime(2026, 1, 1), OSLO)
