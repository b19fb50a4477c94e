"""Rules of the rewards program as pure functions over plain data (tested without a database).

* :func:`lot_expiry`: when points earned at an instant expire, by the club's policy, in its timezone;
* :func:`allocate`: which lots a debit takes its points from (the lots that expire first, FIFO);
* :func:`member_level`: the member's level in a ``regular`` levels program (by points earned in total);
* :func:`usage_view` / :func:`check_use`: the state of a purchased reward and whether it may be used now;
* :func:`period_bounds`: the calendar hour, day, week, month or year of an instant, in the club's timezone
  (achievement frequencies, receipt limits);
* :func:`multiplied`: earned points under the highest matching point multiplier.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from loyaltyhub.timebuckets import bucket_start, next_bucket, wall_to_instant

NEVER = datetime.max.replace(tzinfo=UTC)


def add_months(day: date, months: int) -> date:
    """``day`` + ``months`` calendar months; the 31st of a shorter month becomes its last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_month = date(year + (month == 12), month % 12 + 1, 1)
    return date(year, month, min(day.day, (next_month - timedelta(days=1)).day))


def lot_expiry(earned_at: datetime, tz: ZoneInfo, validity_months: int | None, expire_at: str) -> datetime | None:
    """When points earned at ``earned_at`` expire: the first instant after the end of the local day,
    month or year (``expire_at``) that falls ``validity_months`` after the local date of earning. None
    when the policy has no validity (points never expire).

    Boundaries are local midnights, mapped to UTC with the date's own offset: a day of a DST change
    lasts 23 or 25 hours, and the end of a year is the local new year, not UTC's."""
    if validity_months is None:
        return None
    local_day = earned_at.astimezone(tz).date()
    target = add_months(local_day, validity_months)
    if expire_at == "end_of_day":
        boundary = target + timedelta(days=1)
    elif expire_at == "end_of_month":
        boundary = add_months(target.replace(day=1), 1)
    elif expire_at == "end_of_year":
        boundary = date(target.year + 1, 1, 1)
    else:
        raise ValueError(f"unknown expiry rule {expire_at}")
    return wall_to_instant(datetime(boundary.year, boundary.month, boundary.day), tz)


@dataclass(frozen=True)
class Lot:
    id: int
    remaining: int
    expires_at: datetime | None
    occurred_at: datetime


def spending_order(lot: Lot) -> tuple[datetime, datetime, int]:
    """Lots that expire first are spent first; lots that never expire last; then the oldest."""
    return (lot.expires_at or NEVER, lot.occurred_at, lot.id)


def allocate(lots: Sequence[Lot], amount: int, first: int | None = None) -> list[tuple[int, int]]:
    """``[(lot id, points taken)]`` for a debit of ``amount`` points, in spending order (``first``: a lot
    to take from before the others, e.g. the lot a cancellation undoes). Raises ValueError when the lots
    hold fewer points than ``amount``."""
    if amount < 0:
        raise ValueError("a debit is a positive number of points")
    ordered = sorted((lot for lot in lots if lot.remaining > 0), key=spending_order)
    if first is not None:
        ordered.sort(key=lambda lot: lot.id != first)
    taken: list[tuple[int, int]] = []
    left = amount
    for lot in ordered:
        if left == 0:
            break
        take = min(lot.remaining, left)
        taken.append((lot.id, take))
        left -= take
    if left:
        raise ValueError("not enough points")
    return taken


def regular_levels(levels_program: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not levels_program or levels_program.get("type") != "regular":
        return []
    return sorted(levels_program.get("levels") or [], key=lambda level: level["points_threshold"])


def member_level(levels_program: dict[str, Any] | None, lifetime_earned: int) -> str | None:
    """The name of the highest ``regular`` level whose threshold the points earned in total reach
    (reference (a).1: "in total, not the current balance"); None without regular levels."""
    reached = None
    for level in regular_levels(levels_program):
        if lifetime_earned >= level["points_threshold"]:
            reached = level["name"]
    return reached


def level_reached(levels_program: dict[str, Any] | None, lifetime_earned: int, required: str | None) -> bool:
    """Whether the member's level is at least ``required`` (an unknown level name is never reached)."""
    if required is None:
        return True
    levels = regular_levels(levels_program)
    threshold = next((level["points_threshold"] for level in levels if level["name"] == required), None)
    return threshold is not None and lifetime_earned >= threshold


@dataclass(frozen=True)
class PurchaseState:
    uses_count: int
    active_until: datetime | None


def usage_view(uses_per_purchase: int | None, state: PurchaseState, now: datetime) -> dict[str, Any]:
    """The documented Usage object: ``left`` (null: no limit), ``usable`` (still usable once the
    activation time passes), ``active_until`` (null: never used)."""
    left = None if uses_per_purchase is None else max(uses_per_purchase - state.uses_count, 0)
    return {
        "left": left,
        "usable": left is None or left > 0,
        "active_until": iso(state.active_until),
    }


def is_active(state: PurchaseState, now: datetime) -> bool:
    return state.active_until is not None and state.active_until > now


def has_uses_left(uses_per_purchase: int | None, state: PurchaseState) -> bool:
    return uses_per_purchase is None or state.uses_count < uses_per_purchase


def iso(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with milliseconds and ``Z``, as the vendor prints times."""
    if value is None:
        return None
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    # isoformat is C code (member status renders up to 1,000 transactions): "...T12:00:00.000+00:00".
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


TIMESPANS = ("hour", "day", "week", "month", "year")
_BUCKETS = {"hour": "1h", "day": "1d", "week": "1w", "month": "1mo"}


def period_bounds(instant: datetime, tz: ZoneInfo, timespan: str) -> tuple[datetime, datetime]:
    """``[start, end)`` in UTC of the calendar ``timespan`` holding ``instant`` on the club's clock: a
    local hour, day (23 or 25 hours across DST), week from Monday, month or year."""
    if timespan == "year":
        year = instant.astimezone(tz).year
        return wall_to_instant(datetime(year, 1, 1), tz), wall_to_instant(datetime(year + 1, 1, 1), tz)
    interval = _BUCKETS[timespan]
    start = bucket_start(instant, tz, interval)
    return start, next_bucket(start, tz, interval)


@dataclass(frozen=True)
class Multiplier:
    id: int
    factor_percent: int
    store_ids: Sequence[int] | None
    member_group_ids: Sequence[int] | None
    sources: Sequence[str] | None
    starts_at: datetime | None
    ends_at: datetime | None


def multiplier_applies(
    multiplier: Multiplier, *, source: str, store_id: int | None, group_ids: Sequence[int], at: datetime
) -> bool:
    """Every condition the multiplier sets holds (a condition it leaves empty holds always)."""
    if multiplier.sources and source not in multiplier.sources:
        return False
    if multiplier.store_ids and store_id not in multiplier.store_ids:
        return False
    if multiplier.member_group_ids and not set(multiplier.member_group_ids) & set(group_ids):
        return False
    if multiplier.starts_at is not None and at < multiplier.starts_at:
        return False
    return multiplier.ends_at is None or at < multiplier.ends_at


def multiplied(
    points: int,
    multipliers: Sequence[Multiplier],
    *,
    source: str,
    store_id: int | None,
    group_ids: Sequence[int],
    at: datetime,
) -> tuple[int, Multiplier | None]:
    """``points`` × the highest factor among the multipliers that apply (rounded down), and that
    multiplier; ``(points, None)`` when none applies. Factors do not compound."""
    best = max(
        (m for m in multipliers if multiplier_applies(m, source=source, store_id=store_id, group_ids=group_ids, at=at)),
        key=lambda m: (m.factor_percent, -m.id),
        default=None,
    )
    if best is None:
        return points, None
    return points * best.factor_percent // 100, best


def receipt_points(total: int, points_per_unit: int, unit_amount: int) -> int:
    """Points for a receipt of ``total`` (minor units): ``points_per_unit`` for every whole ``unit_amount``."""
    if unit_amount <= 0:
        return 0
    return total // unit_amount * points_per_unit
