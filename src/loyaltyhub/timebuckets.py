"""Intervals and time buckets (reference A.5), aligned to a club's wall clock and DST-correct.

Sub-day buckets (``5m``, ``1h``) are fixed lengths of real time whose starts fall on round local
minutes: the two 02:00 hours of an autumn night are two buckets (+02:00, then +01:00). Day and longer
buckets (``1d``, ``1w`` from Monday, ``1mo``) are calendar units of the local wall clock, so a day is
23 or 25 hours long across a transition and starts at its first existing instant (Africa/Cairo skips
midnight in spring: that day starts at 01:00+03:00).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta

INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
SUB_DAY = {"5m": timedelta(minutes=5), "1h": timedelta(hours=1)}
MAX_BUCKETS = 150
MAX_DATA_POINTS = 1000


def auto_interval(start: datetime, end: datetime, allowed: tuple[str, ...] = INTERVALS) -> str:
    """``auto``: up to 12 h → 5m, up to 3 days → 1h, else 1d (the nearest allowed one upward)."""
    span = end - start
    wanted = "5m" if span <= timedelta(hours=12) else "1h" if span <= timedelta(days=3) else "1d"
    for candidate in INTERVALS[INTERVALS.index(wanted) :]:
        if candidate in allowed:
            return candidate
    return allowed[-1]


def floor_wall(local: datetime, interval: str) -> datetime:
    """Truncate a naive local wall time to the start of its bucket."""
    if interval == "5m":
        return local.replace(minute=local.minute - local.minute % 5, second=0, microsecond=0)
    if interval == "1h":
        return local.replace(minute=0, second=0, microsecond=0)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "1d":
        return day
    if interval == "1w":
        return day - timedelta(days=day.weekday())
    if interval == "1mo":
        return day.replace(day=1)
    raise ValueError(interval)


def wall_to_instant(wall: datetime, tz: ZoneInfo) -> datetime:
    """The first instant showing ``wall`` on the clock.

    A wall time inside a DST gap shows on no clock; it is read with the offset in force before the gap,
    so a bucket boundary at the very start of a gap (midnight in zones that spring forward at midnight)
    maps to the instant the gap ends, and one inside the gap to as far past that instant as it lies past
    the gap's start.
    """
    instant = wall.replace(tzinfo=tz, fold=0).astimezone(UTC)
    return instant


def bucket_start(instant: datetime, tz: ZoneInfo, interval: str) -> datetime:
    """The UTC start of the bucket holding ``instant``."""
    local = instant.astimezone(tz)
    wall = local.replace(tzinfo=None)
    if interval in SUB_DAY:
        return (instant - (wall - floor_wall(wall, interval))).astimezone(UTC)
    return wall_to_instant(floor_wall(wall, interval), tz)


def next_bucket(start: datetime, tz: ZoneInfo, interval: str) -> datetime:
    if interval in SUB_DAY:
        return bucket_start(start + SUB_DAY[interval], tz, interval)
    wall = start.astimezone(tz).replace(tzinfo=None)
    wall = floor_wall(wall, interval)
    step = {"1d": relativedelta(days=1), "1w": relativedelta(weeks=1), "1mo": relativedelta(months=1)}[interval]
    return wall_to_instant(wall + step, tz)


def bucket_starts(
    start: datetime, end: datetime, tz: ZoneInfo, interval: str, limit: int | None = None
) -> list[datetime]:
    """UTC starts of every bucket overlapping ``[start, end)``; stops after ``limit + 1`` buckets."""
    starts: list[datetime] = []
    current = bucket_start(start, tz, interval)
    while current < end:
        starts.append(current)
        if limit is not None and len(starts) > limit:
            break
        current = next_bucket(current, tz, interval)
    return starts


def format_instant(instant: datetime, tz: ZoneInfo) -> str:
    """``2024-04-30T00:00:00.000+02:00``: the bucket start on the club's clock, with its offset."""
    local = instant.astimezone(tz)
    text = local.isoformat(timespec="milliseconds")
    return text


def format_wall(wall: datetime) -> str:
    """``2024-04-30T00:00:00.000``: a wall-clock bucket start without offset (the ``local`` form)."""
    return wall.replace(tzinfo=None).isoformat(timespec="milliseconds")
