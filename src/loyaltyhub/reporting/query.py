"""The query body of ``POST /v1/reporting/query`` and its checks against a report declaration."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ConfigDict, Field, StrictInt, ValidationError

from loyaltyhub.errors import MissingPermit, ValidationFailed, details_tree
from loyaltyhub.instants import WallTimeOrInstant
from loyaltyhub.reporting.filters import Node, filter_cost, parse_filter
from loyaltyhub.reporting.registry import Aggregation, Report, reports
from loyaltyhub.schemas import StrictModel
from loyaltyhub.timebuckets import MAX_BUCKETS, auto_interval, bucket_starts

MAX_PER_PAGE = 1000
DEFAULT_PER_PAGE = 100


class QueryBody(StrictModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    report: str
    filter: dict[str, Any] | None = None
    aggregate_by: str | None = None
    interval: str | None = None
    from_: WallTimeOrInstant | None = Field(default=None, alias="from")
    to: WallTimeOrInstant | None = None
    per_page: StrictInt = Field(default=DEFAULT_PER_PAGE, ge=1, le=MAX_PER_PAGE)
    next_page_info: str | None = None


@dataclass(frozen=True)
class Query:
    """A checked query: the report, its parsed filter and aggregation, and the raw body."""

    report: Report
    node: Node | None
    aggregation: Aggregation | None
    body: QueryBody

    @property
    def cost(self) -> int:
        return self.report.cost + filter_cost(self.node)


def validate_body(raw: Any) -> QueryBody:
    """Parse a plain dict (the exports helper passes one) with the same 422 answers as the route."""
    if isinstance(raw, QueryBody):
        return raw
    try:
        return QueryBody.model_validate(raw)
    except ValidationError as exc:
        from loyaltyhub.http.errors import symbol_for

        items = []
        for error in exc.errors():
            symbol, options = symbol_for(dict(error))
            items.append((tuple(error["loc"]), symbol, options))
        raise ValidationFailed(details_tree(items))


def check_query(raw: Any, permits: frozenset[str]) -> Query:
    body = validate_body(raw)
    catalogue = reports()
    report = catalogue.get(body.report)
    if report is None:
        raise ValidationFailed.at(("report",), "inclusion", **{"in": list(catalogue)})
    if report.permit not in permits:
        raise MissingPermit(report.permit)
    node = parse_filter(body.filter, report.field_map)
    try:
        aggregation = report.aggregation(body.aggregate_by)
    except KeyError:
        raise ValidationFailed.at(("aggregate_by",), "inclusion", **{"in": [a.name for a in report.aggregations]})
    if report.format != "records":
        _check_time(report, body)
    return Query(report, node, aggregation, body)


def _check_time(report: Report, body: QueryBody) -> None:
    errors = []
    if body.from_ is None:
        errors.append((("from",), "blank", {}))
    if body.to is None:
        errors.append((("to",), "blank", {}))
    allowed = ("auto", *report.intervals)
    if body.interval is not None and body.interval not in allowed:
        errors.append((("interval",), "inclusion", {"in": list(allowed)}))
    if errors:
        raise ValidationFailed(details_tree(errors))


def _aware(value: datetime, tz: ZoneInfo | Any) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=tz)


@dataclass(frozen=True)
class TimeRange:
    """The resolved interval and each club's UTC window."""

    interval: str
    timezone: str | None  # None: clubs in several timezones ("local")
    start: datetime  # in the shared timezone, or a wall time (naive) for "local"
    end: datetime


def resolve_range(query: Query, timezones: list[str], *, capped: bool = True) -> TimeRange:
    body = query.body
    assert body.from_ is not None and body.to is not None
    zones = sorted(set(timezones))
    if len(zones) == 1:
        tz = ZoneInfo(zones[0])
        start, end = _aware(body.from_, tz), _aware(body.to, tz)
        timezone: str | None = zones[0]
    else:
        # Several timezones: from/to are wall-clock times read as UTC (reference A.1).
        start = _aware(body.from_, UTC).astimezone(UTC).replace(tzinfo=None)
        end = _aware(body.to, UTC).astimezone(UTC).replace(tzinfo=None)
        timezone = None
    if end <= start:
        raise ValidationFailed.at(("to",), "greater_than_property", property="from")
    allowed = query.report.intervals
    interval = body.interval or "auto"
    if interval == "auto":
        interval = auto_interval(start, end, allowed)
    if capped and query.report.format == "timeseries":  # statistics have no buckets to count
        probe_tz = ZoneInfo(zones[0]) if len(zones) == 1 else UTC
        probe_start = start if start.tzinfo else start.replace(tzinfo=UTC)
        probe_end = end if end.tzinfo else end.replace(tzinfo=UTC)
        count = len(bucket_starts(probe_start, probe_end, probe_tz, interval, limit=MAX_BUCKETS))
        if count > MAX_BUCKETS:
            raise ValidationFailed.at(("interval",), "too_many_time_buckets", maximum=MAX_BUCKETS, interval=interval)
    return TimeRange(interval, timezone, start, end)
