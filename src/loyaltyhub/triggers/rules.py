"""The Triggerer's decisions as plain functions over plain data (tested without a database).

For one member and one rule, the n-th matching event (``n = events before + 1``):

* ``minimum``: nothing happens while ``n <= minimum`` (that many events come before any action);
* ``rate``: past the minimum, every ``rate``-th event acts (null or 0: every event);
* ``limit``: at most ``limit`` actions per member, ever (null: no limit);
* ``frequency`` ``{"limit": k, "timespan": "day"}``: at most ``k`` actions per calendar period of the
  club's timezone (hour, day, ISO week from Monday, month, year), DST-correct;
* ``data_conditions``: the condition tree holds (the reporting filter grammar, :mod:`.conditions`);
  ``audience_id`` and ``excluded_sources`` likewise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from loyaltyhub.member_offers.periods import TIMESPANS, period_bounds
from loyaltyhub.reporting.filters import Node
from loyaltyhub.triggers import conditions


@dataclass(frozen=True)
class Terms:
    minimum: int
    rate: int | None
    limit: int | None
    frequency_limit: int | None
    frequency_timespan: str | None
    data_conditions: Node | None
    """The parsed condition tree (:mod:`loyaltyhub.triggers.conditions`)."""
    audience_id: int | None
    excluded_sources: tuple[str, ...]


@dataclass(frozen=True)
class Standing:
    events_before: int
    actions_before: int
    actions_in_period: int


@dataclass(frozen=True)
class Decision:
    fire: bool
    reason: str | None = None


def terms_of(rule: Any) -> Terms:
    frequency = rule.frequency or {}
    return Terms(
        minimum=rule.minimum or 0,
        rate=rule.rate,
        limit=rule.limit,
        frequency_limit=frequency.get("limit"),
        frequency_timespan=frequency.get("timespan"),
        data_conditions=conditions.compiled(rule.event_type, rule.data_conditions),
        audience_id=rule.audience_id,
        excluded_sources=tuple(rule.excluded_sources or ()),
    )


def period_of(terms: Terms, occurred_at: datetime, tz: ZoneInfo) -> datetime | None:
    if terms.frequency_timespan is None:
        return None
    return period_bounds(terms.frequency_timespan, occurred_at, tz)[0]  # type: ignore[arg-type]


def admits(terms: Terms, *, source: str | None, member: dict[str, Any], data: dict[str, Any]) -> str | None:
    """Why the event does not count for the rule at all (None when it counts)."""
    if source is not None and source in terms.excluded_sources:
        return "excluded_source"
    if terms.audience_id is not None and terms.audience_id not in (member.get("group_ids") or []):
        return "not_in_audience"
    if terms.data_conditions is not None and not conditions.holds(
        terms.data_conditions, source=source, member=member, data=data
    ):
        return "data_conditions"
    return None


def decide(terms: Terms, standing: Standing) -> Decision:
    """Whether the next counted event fires the hook, given the member's standing."""
    n = standing.events_before + 1
    if n <= terms.minimum:
        return Decision(False, "below_minimum")
    if terms.rate and (n - terms.minimum) % terms.rate != 0:
        return Decision(False, "rate")
    if terms.limit is not None and standing.actions_before >= terms.limit:
        return Decision(False, "limit")
    if terms.frequency_limit is not None and standing.actions_in_period >= terms.frequency_limit:
        return Decision(False, "frequency")
    return Decision(True)


def frequency_problems(frequency: Any) -> list[tuple[tuple[str | int, ...], str, dict[str, Any]]]:
    if frequency is None:
        return []
    problems: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = []
    if frequency.get("timespan") not in TIMESPANS:
        problems.append((("timespan",), "inclusion", {"in": list(TIMESPANS)}))
    limit = frequency.get("limit")
    if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
        problems.append((("limit",), "greater_than_or_equal_to", {"count": 1}))
    return problems
