"""Hourly rollups of offer usages: one row per (club, UTC hour, dimension, value) with its count.

``roll_up`` adds every hour that closed (ended more than a grace period ago) since the last run; a
worker job runs it every minute. The usage reports read the rollup for whole hours before
``rolled_until`` and the raw ``offer_usages`` for the rest of the range (a ragged start or end, and the
hours not rolled up yet), then add both: answers equal the raw table's, at a fraction of the rows.

A query can use the rollup when it has no filter, at most one aggregation label (a rolled-up dimension),
one timezone whose offset is whole hours over the range, and (timeseries) buckets of an hour or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import time_bucket
from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.digits import decimal

NAME = "offer_usages_hourly"
GRACE = timedelta(minutes=5)
DIMENSIONS = (
    "member_gender",
    "member_age",
    "member_city_place_id",
    "member_place_id",
    "authorized",
    "authorization_type",
    "offer_type",
    "offer_id",
    "store_id",
)
TOTAL = ""
ROLLUP_REPORTS = frozenset({"offers_usages_stats", "offers_usages_history"})


def floor_hour(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def ceil_hour(value: datetime) -> datetime:
    floored = floor_hour(value)
    return floored if floored == value else floored + timedelta(hours=1)


def rolled_until(session: Session) -> datetime | None:
    from loyaltyhub.reporting.models import RollupState

    state = session.get(RollupState, NAME)
    return state.rolled_until if state else None


def roll_up(session: Session, now: datetime | None = None) -> datetime | None:
    """Roll up every closed hour after the previous run, for every club at once; returns the new
    ``rolled_until``."""
    from loyaltyhub.member_offers.models import OfferUsage
    from loyaltyhub.reporting.models import OfferUsageHourly, RollupState

    now = now or utcnow()
    closed = floor_hour(now - GRACE)
    state = session.get(RollupState, NAME, with_for_update=True)
    if state is None:
        state = RollupState(name=NAME, rolled_until=None)
        session.add(state)
        session.flush()
    start = state.rolled_until
    if start is None:
        first = session.execute(across_clubs(select(func.min(OfferUsage.used_at)))).scalar()
        start = floor_hour(first) if first is not None else closed
    if start >= closed:
        state.rolled_until = start
        return start
    usages = OfferUsage.__table__
    hour = time_bucket(usages.c.used_at, literal("UTC"), "1h")
    window = (usages.c.used_at >= start, usages.c.used_at < closed)
    target = OfferUsageHourly.__table__
    columns = ["loyalty_club_id", "hour", "dimension", "value", "usages_count"]
    for dimension in (TOTAL, *DIMENSIONS):
        value: Any = cast(usages.c[dimension], String) if dimension else literal(None, String)
        grouped = [usages.c.loyalty_club_id, hour] + ([usages.c[dimension]] if dimension else [])
        source = (
            select(usages.c.loyalty_club_id, hour, literal(dimension), value, func.count())
            .where(*window)
            .group_by(*grouped)
        )
        session.execute(across_clubs(insert(target).from_select(columns, source)))
    state.rolled_until = closed
    session.flush()
    return closed


def rebuild(session: Session, now: datetime | None = None) -> datetime | None:
    """Forget the rollup and build it again from the raw usages (bulk loads, repairs)."""
    from loyaltyhub.reporting.models import OfferUsageHourly, RollupState

    session.execute(across_clubs(delete(OfferUsageHourly)))
    session.execute(delete(RollupState).where(RollupState.name == NAME))
    session.flush()
    return roll_up(session, now)


def whole_hour_zone(tz: ZoneInfo, start: datetime, end: datetime) -> bool:
    """Whether local hours start on UTC hours over the range (not Asia/Kathmandu, Asia/Kolkata...)."""
    probe = start
    while probe <= end + timedelta(days=1):
        offset = probe.astimezone(tz).utcoffset() or timedelta()
        if offset % timedelta(hours=1):
            return False
        probe += timedelta(days=30)
    return True


def parse_value(value: str | None, field_type: str) -> Any:
    """A rolled-up value back in its field's type (values are stored as text)."""
    if value is None:
        return None
    if field_type == "boolean":
        return value.lower() in ("true", "1", "t")
    if field_type == "integer":
        number = decimal(value, signed=True)
        return value if number is None else number
    return value


def split(start: datetime, end: datetime, until: datetime | None) -> tuple[list[tuple[datetime, datetime]], Any]:
    """``(raw ranges, rollup range or None)`` covering ``[start, end)``."""
    if until is None:
        return [(start, end)], None
    middle_start = ceil_hour(start)
    middle_end = min(floor_hour(end), until)
    if middle_end <= middle_start:
        return [(start, end)], None
    raw = [(a, b) for a, b in ((start, middle_start), (middle_end, end)) if a < b]
    return raw, (middle_start, middle_end)


def eligible(report_name: str, node: Any, labels: Sequence[str], interval: str | None, local: bool) -> bool:
    if report_name not in ROLLUP_REPORTS or node is not None or local:
        return False
    if len(labels) > 1 or (labels and labels[0] not in DIMENSIONS):
        return False
    return interval is None or interval != "5m"
