"""Time buckets on the club's wall clock: a DST matrix, checked in Python and through SQL on the database."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from loyaltyhub.reporting.engine import run_query
from loyaltyhub.timebuckets import auto_interval, bucket_start, bucket_starts, format_instant
from tests.reporting.factories import access, balance_event

# (zone, a transition instant in UTC): spring-forward and fall-back, plus Kathmandu's +05:45 (no DST).
TRANSITIONS = [
    ("Europe/Oslo", datetime(2024, 3, 31, 1, tzinfo=UTC)),
    ("Europe/Oslo", datetime(2024, 10, 27, 1, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 3, 10, 7, tzinfo=UTC)),
    ("America/New_York", datetime(2024, 11, 3, 6, tzinfo=UTC)),
    ("Africa/Cairo", datetime(2024, 4, 25, 22, tzinfo=UTC)),
    ("Africa/Cairo", datetime(2024, 10, 31, 21, tzinfo=UTC)),
    ("Asia/Kathmandu", datetime(2024, 6, 1, 0, tzinfo=UTC)),
]


def hours(start: datetime, end: datetime) -> float:
    return (end - start).total_seconds() / 3600


@pytest.mark.parametrize(
    ("zone", "day", "length"),
    [
        ("Europe/Oslo", datetime(2024, 3, 31), 23),
        ("Europe/Oslo", datetime(2024, 10, 27), 25),
        ("America/New_York", datetime(2024, 3, 10), 23),
        ("America/New_York", datetime(2024, 11, 3), 25),
        ("Africa/Cairo", datetime(2024, 4, 26), 23),
        ("Africa/Cairo", datetime(2024, 10, 31), 25),
        ("Asia/Kathmandu", datetime(2024, 6, 1), 24),
    ],
)
def test_transition_days_are_23_or_25_hours_long(zone, day, length):
    tz = ZoneInfo(zone)
    noon = day.replace(hour=12, tzinfo=tz)
    start = bucket_start(noon, tz, "1d")
    following = bucket_starts(start, start + timedelta(hours=30), tz, "1d")
    assert hours(following[0], following[1]) == length


def test_cairo_day_without_midnight_starts_at_one_oclock():
    tz = ZoneInfo("Africa/Cairo")
    start = bucket_start(datetime(2024, 4, 26, 12, tzinfo=tz), tz, "1d")
    assert format_instant(start, tz) == "2024-04-26T01:00:00.000+03:00"


def test_new_york_repeated_hour_gives_two_hourly_buckets():
    tz = ZoneInfo("America/New_York")
    starts = bucket_starts(datetime(2024, 11, 3, 4, tzinfo=UTC), datetime(2024, 11, 3, 8, tzinfo=UTC), tz, "1h")
    assert [format_instant(s, tz) for s in starts] == [
        "2024-11-03T00:00:00.000-04:00",
        "2024-11-03T01:00:00.000-04:00",
        "2024-11-03T01:00:00.000-05:00",
        "2024-11-03T02:00:00.000-05:00",
    ]


def test_kathmandu_hours_start_at_a_quarter_past_utc():
    tz = ZoneInfo("Asia/Kathmandu")
    start = bucket_start(datetime(2024, 6, 1, 10, 20, tzinfo=UTC), tz, "1h")
    assert start == datetime(2024, 6, 1, 10, 15, tzinfo=UTC)
    assert format_instant(start, tz) == "2024-06-01T16:00:00.000+05:45"


def test_weeks_start_on_monday_and_months_on_the_first():
    tz = ZoneInfo("Europe/Oslo")
    week = bucket_start(datetime(2024, 10, 27, 12, tzinfo=UTC), tz, "1w")
    assert format_instant(week, tz) == "2024-10-21T00:00:00.000+02:00"
    month = bucket_start(datetime(2024, 10, 31, 23, 30, tzinfo=UTC), tz, "1mo")
    assert format_instant(month, tz) == "2024-11-01T00:00:00.000+01:00"


@pytest.mark.parametrize(
    ("span", "expected"),
    [(timedelta(hours=12), "5m"), (timedelta(hours=13), "1h"), (timedelta(days=3), "1h"), (timedelta(days=4), "1d")],
)
def test_auto_interval(span, expected):
    start = datetime(2024, 1, 1, tzinfo=UTC)
    assert auto_interval(start, start + span) == expected


@pytest.mark.parametrize("interval", ["1h", "1d", "1w", "1mo"])
@pytest.mark.parametrize(("zone", "transition"), TRANSITIONS)
def test_sql_buckets_match_python_around_transitions(session, factory, zone, transition, interval):
    """Events every 20 minutes for 3 days around a transition, bucketed by the database."""
    club = factory.club(timezone=zone)
    start, end = transition - timedelta(hours=36), transition + timedelta(hours=36)
    tz = ZoneInfo(zone)
    instants = [start + timedelta(minutes=20 * i) for i in range(int(hours(start, end) * 3))]
    for at in instants:
        balance_event(session, club, at)
    expected = Counter(bucket_start(at, tz, interval) for at in instants)
    answer = run_query(
        session,
        access(club),
        {
            "report": "member_balance",
            "interval": interval,
            "from": start.isoformat(),
            "to": end.isoformat(),
        },
    )
    assert answer["range_timezone"] == zone
    assert answer["time_buckets"] == [format_instant(b, tz) for b in sorted(expected)]
    assert answer["series"] == [{"label": {"type": "in"}, "values": [expected[b] for b in sorted(expected)]}]
    assert answer["data_points"] == len(expected)
