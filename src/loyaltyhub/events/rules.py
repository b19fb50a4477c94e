"""Rules of ingestion as plain functions (tested without HTTP or a database)."""

from __future__ import annotations

from datetime import datetime, timedelta

from loyaltyhub.events.types import CLIENT, EVENT_TYPES

FUTURE_TOLERANCE = timedelta(minutes=5)
"""A device clock may run a little ahead; an event further in the future is refused."""
MAX_AGE = timedelta(days=30)
"""Events older than this are refused: the Triggerer's periods and the reports are closed by then."""


def type_error(name: str) -> tuple[str, dict[str, object]] | None:
    """Why a client may not register an event of type ``name`` (the B.7 symbol and options), or None."""
    found = EVENT_TYPES.get(name)
    if found is None:
        return "inclusion", {"in": [t for t, v in EVENT_TYPES.items() if v.produced_by == CLIENT]}
    if found.produced_by != CLIENT:
        return "produced_by_loyaltyhub", {}
    return None


def occurred_at_error(occurred_at: datetime, now: datetime) -> tuple[str, dict[str, object]] | None:
    """Whether a client's ``occurred_at`` is acceptable at ``now``."""
    if occurred_at > now + FUTURE_TOLERANCE:
        return "in_future", {"tolerance_seconds": int(FUTURE_TOLERANCE.total_seconds())}
    if occurred_at < now - MAX_AGE:
        return "too_old", {"max_age_days": MAX_AGE.days}
    return None
