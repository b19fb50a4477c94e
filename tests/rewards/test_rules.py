"""The rewards rules as pure functions: lot expiry in the club's timezone, FIFO allocation, levels."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from loyaltyhub.rewards import rules
from loyaltyhub.rewards.rules import Lot

OSLO = ZoneInfo("Europe/Oslo")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2026, 1, 31), 1, date(2026, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 11, 15), 2, date(2027, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),
        (date(2026, 5, 5), 0, date(2026, 5, 5)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert rules.add_months(day, months) == expected


def test_end_of_day_on_the_spring_dst_change_is_a_23_hour_day():
    # 2026-03-29: Oslo's clocks go from 02:00 CET to 03:00 CEST.
    before = rules.lot_expiry(utc(2026, 1, 28, 12), OSLO, 2, "end_of_day")
    on = rules.lot_expiry(utc(2026, 1, 29, 12), OSLO, 2, "end_of_day")
    assert before == utc(2026, 3, 28, 23)  # midnight CET
    assert on == utc(2026, 3, 29, 22)  # midnight CEST
    assert (on - before).total_seconds() == 23 * 3600


def test_end_of_day_on_the_autumn_dst_change_is_a_25_hour_day():
    # 2026-10-25: 03:00 CEST becomes 02:00 CET.
    before = rules.lot_expiry(utc(2026, 8, 24, 12), OSLO, 2, "end_of_day")
    on = rules.lot_expiry(utc(2026, 8, 25, 12), OSLO, 2, "end_of_day")
    assert before == utc(2026, 10, 24, 22)
    assert on == utc(2026, 10, 25, 23)
    assert (on - before).total_seconds() == 25 * 3600


def test_end_of_year_is_oslos_new_year_and_earning_counts_in_local_time():
    # 23:30 UTC on 31 December is already 00:30 on 1 January in Oslo: the next year's points.
    assert rules.lot_expiry(utc(2026, 12, 31, 22, 30), OSLO, 0, "end_of_year") == utc(2026, 12, 31, 23)
    assert rules.lot_expiry(utc(2026, 12, 31, 23, 30), OSLO, 0, "end_of_year") == utc(2027, 12, 31, 23)
    assert rules.lot_expiry(utc(2026, 6, 1), OSLO, 12, "end_of_year") == utc(2027, 12, 31, 23)


def test_end_of_month_in_summer_time_and_no_policy_never_expires():
    assert rules.lot_expiry(utc(2026, 5, 31, 21, 59), OSLO, 1, "end_of_month") == utc(2026, 6, 30, 22)
    assert rules.lot_expiry(utc(2026, 5, 31, 22, 0), OSLO, 1, "end_of_month") == utc(2026, 7, 31, 22)
    assert rules.lot_expiry(utc(2026, 5, 31), OSLO, None, "end_of_month") is None


def test_allocate_takes_from_the_lots_that_expire_first_and_never_expiring_ones_last():
    lots = [
        Lot(1, 10, None, utc(2026, 1, 1)),
        Lot(2, 10, utc(2026, 6, 1), utc(2026, 2, 1)),
        Lot(3, 10, utc(2026, 5, 1), utc(2026, 3, 1)),
        Lot(4, 0, utc(2026, 4, 1), utc(2026, 3, 1)),
    ]
    assert rules.allocate(lots, 15) == [(3, 10), (2, 5)]
    assert rules.allocate(lots, 30) == [(3, 10), (2, 10), (1, 10)]
    assert rules.allocate(lots, 12, first=1) == [(1, 10), (3, 2)]
    assert rules.allocate(lots, 0) == []
    with pytest.raises(ValueError):
        rules.allocate(lots, 31)


LEVELS = {"type": "regular", "levels": [{"name": "2", "points_threshold": 300}, {"name": "1", "points_threshold": 0}]}


def test_levels_follow_the_points_earned_in_total():
    assert rules.member_level(LEVELS, 0) == "1"
    assert rules.member_level(LEVELS, 299) == "1"
    assert rules.member_level(LEVELS, 300) == "2"
    assert rules.member_level({"type": "virtual_level", "maximum_points": 1500}, 900) is None
    assert rules.member_level(None, 900) is None
    assert rules.level_reached(LEVELS, 300, "2") and not rules.level_reached(LEVELS, 299, "2")
    assert rules.level_reached(None, 0, None) and not rules.level_reached(LEVELS, 10_000, "gold")
