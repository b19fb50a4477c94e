"""Calendar periods of ``periodic_usage`` in a club's timezone (SPEC §5), DST-correct.

A period is ``[start, end)`` in UTC. Boundaries are wall-clock boundaries in the club's timezone:
local midnight for days, Monday midnight for ISO weeks, the 1st for months, 1 January for years,
the top of the local hour for hours. A day therefore lasts 23 or 25 hours across a DST change, and
the repeated hour of an autumn change is two distinct hour periods.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

Timespan = Literal["hour", "day", "week", "month", "year"]
TIMESPANS: tuple[Timespan, ...] = ("hour", "day", "week", "month", "year")


def _local_midnight(year: int, month: int, day: int, tz: ZoneInfo) -> datetime:
    # fold=0 on a wall time that does not exist (a DST gap at midnight) maps to the instant of the
    # transition, which is exactly where the local day begins.
    return datetime(year, month, day, tzinfo=tz).astimezone(UTC)


def period_bounds(timespan: Timespan, now: datetime, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC ``(start, end)`` of the ``timespan`` period containing ``now`` in timezone ``tz``."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(tz)
    if timespan == "hour":
        # Keep ``fold`` so the repeated autumn hour gives its own period; the local hour starts where
        # the UTC instant minus the minutes into the hour is (offsets are whole hours at a change
        # except for a few zones with 30-minute shifts, where the hour is still a wall-clock hour).
        start = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        if start > now:  # pragma: no cover - defensive: wall time mapped past a gap
            start -= timedelta(hours=1)
        return start, start + timedelta(hours=1)
    day = local.date()
    if timespan == "day":
        nxt = day + timedelta(days=1)
        return _local_midnight(day.year, day.month, day.day, tz), _local_midnight(nxt.year, nxt.month, nxt.day, tz)
    if timespan == "week":
        monday = day - timedelta(days=day.weekday())
        nxt = monday + timedelta(days=7)
        return (
            _local_midnight(monday.year, monday.month, monday.day, tz),
            _local_midnight(nxt.year, nxt.month, nxt.day, tz),
        )
    if timespan == "month":
        ny, nm = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        return _local_midnight(day.year, day.month, 1, tz), _local_midnight(ny, nm, 1, tz)
    if timespan == "year":
        return _local_midnight(day.year, 1, 1, tz), _local_midnight(day.year + 1, 1, 1, tz)
    raise ValueError(f"unknown timespan {timespan!r}")
