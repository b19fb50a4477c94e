"""Timestamps a request may carry: every one must be an instant the database (and Python, in UTC) can hold.

``9999-12-31T23:59:59-14:00`` is a valid ISO 8601 timestamp whose UTC instant is in the year 10000, and
``0001-01-01T00:00:00+01:00`` one in the year 0: converting either to UTC (to store it, compare it or
bucket it) raised ``OverflowError``, a 500 (issue #14). :data:`Instant` refuses them at validation, 422
``out_of_range`` at the field; so does :func:`representable` for timestamps parsed by hand (reporting
filters). A naive wall time (reporting's ``from``/``to``, read in a club's timezone) must be a day away
from the ends, so that every timezone's instant exists.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime
from pydantic_core import PydanticCustomError

EARLIEST = "0001-01-01T00:00:00Z"
LATEST = "9999-12-31T23:59:59Z"


def representable(value: datetime) -> bool:
    """Whether ``value`` names an instant within years 1–9999 in UTC (a naive value: in every timezone)."""
    try:
        if value.tzinfo is None:
            value - timedelta(days=1)
            value + timedelta(days=1)
        else:
            value.astimezone(UTC)
    except OverflowError:
        return False
    return True


def _in_range(value: datetime) -> datetime:
    if not representable(value):
        raise PydanticCustomError(
            "out_of_range",
            "must be an instant between {min} and {max}",
            {"min": EARLIEST, "max": LATEST},
        )
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_in_range)]
"""A timestamp with an offset, within years 1–9999 in UTC."""

WallTimeOrInstant = Annotated[datetime, AfterValidator(_in_range)]
"""A timestamp with or without an offset (a wall time, read in a club's timezone), representable."""
