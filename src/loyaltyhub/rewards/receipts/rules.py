"""Rules of receipts as pure functions: the limits a member has used, and the verdict on a form."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from loyaltyhub.rewards.rules import period_bounds

LIMIT_TIMESPANS = (("day", "daily_limit"), ("week", "weekly_limit"), ("month", "monthly_limit"))


@dataclass(frozen=True)
class Rules:
    """The configuration's rules on a form (amounts in minor units)."""

    min_total: int | None = None
    max_total: int | None = None
    accepted_store_ids: Sequence[int] | None = None
    max_age_days: int | None = None


@dataclass(frozen=True)
class Form:
    store_id: int | None
    total: int | None
    purchased_at: datetime | None

    @property
    def complete(self) -> bool:
        return self.store_id is not None and self.total is not None and self.purchased_at is not None


def rejection(form: Form, rules: Rules, now: datetime, duplicate: bool) -> str | None:
    """Why a complete form is refused by the club's rules (the submission becomes ``REJECTED`` with it),
    or None when it passes them."""
    if rules.accepted_store_ids is not None and form.store_id not in rules.accepted_store_ids:
        return "Store is not accepted"
    assert form.total is not None and form.purchased_at is not None
    if rules.min_total is not None and form.total < rules.min_total:
        return "Total is below the minimum"
    if rules.max_total is not None and form.total > rules.max_total:
        return "Total is above the maximum"
    if form.purchased_at > now:
        return "Purchase date is in the future"
    if rules.max_age_days is not None and form.purchased_at < now - timedelta(days=rules.max_age_days):
        return "Receipt is too old"
    if duplicate:
        return "Receipt was already submitted"
    return None


def limit_windows(
    limits: dict[str, int | None], now: datetime, tz: ZoneInfo
) -> list[tuple[str, int, datetime, datetime]]:
    """``(timespan, limit, start, end)`` of every limit set: the calendar day, week (from Monday) and
    month holding ``now`` on the club's clock."""
    windows = []
    for timespan, key in LIMIT_TIMESPANS:
        limit = limits.get(key)
        if limit is not None:
            start, end = period_bounds(now, tz, timespan)
            windows.append((timespan, limit, start, end))
    return windows
