"""The reporting engine: run a query for a Customer context and shape the answer.

Interfaces used by other domains (exports)::

    run_query(session, access, query) -> dict            # the API answer (records page / timeseries / statistics)
    iter_rows(session, access, query) -> Iterator[dict]  # every row, no interactive caps

``query`` is the request body as a dict (``{"report", "filter", "aggregate_by", ...}``). Both check the
caller's permits (``Reporting:Api:Query`` plus the report's own) and raise the API's errors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits as permit_names
from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.db.dialect import bucket_instant, time_bucket
from loyaltyhub.digits import decimal
from loyaltyhub.errors import MissingPermit, ValidationFailed
from loyaltyhub.reporting import compiler, rollups
from loyaltyhub.reporting.cursor import InvalidCursor, decode_cursor, encode_cursor, query_fingerprint
from loyaltyhub.reporting.fields import INTEGER
from loyaltyhub.reporting.query import Query, TimeRange, check_query, resolve_range
from loyaltyhub.reporting.registry import Source
from loyaltyhub.settings import Settings
from loyaltyhub.timebuckets import (
    MAX_DATA_POINTS,
    bucket_start,
    format_instant,
    format_wall,
    wall_to_instant,
)

__all__ = ["check", "iter_rows", "run_query"]


def check(access: CustomerAccess, query: Any) -> Query:
    """Check permits and the body; the checked :class:`Query` (its ``cost`` is the rate-limit charge)."""
    if permit_names.REPORTING_QUERY not in access.permits:
        raise MissingPermit(permit_names.REPORTING_QUERY)
    return check_query(query, access.permits)


def run_query(session: Session, access: CustomerAccess, query: Any, *, secret_key: str | None = None) -> dict[str, Any]:
    checked = query if isinstance(query, Query) else check(access, query)
    if checked.report.format == "records":
        # The cursor of the next page is signed with the secret key (the app passes its own).
        return _records(session, access, checked, secret_key or Settings().secret_key)
    return _series(session, access, checked)


def iter_rows(session: Session, access: CustomerAccess, query: Any) -> Iterator[dict[str, Any]]:
    """Every row of a query. Records: record dicts. Timeseries/statistics: ``{bucket?, **label, value}``."""
    checked = query if isinstance(query, Query) else check(access, query)
    report, source = checked.report, checked.report.source()
    club_ids = access.club_ids
    if report.format == "records":
        if checked.aggregation is None:
            statement = compiler.records_page(report, source, checked.node, club_ids, None, None)
            chunk: list[dict[str, Any]] = []
            for row in session.execute(statement.execution_options(yield_per=1000)):
                chunk.append(_record(report, row._asdict()))
                if len(chunk) == 1000:
                    yield from _enriched(session, report, chunk)
                    chunk = []
            yield from _enriched(session, report, chunk)
        else:
            statement = compiler.aggregated_records(
                report, source, checked.node, checked.aggregation, club_ids, 0, None
            )
            for row in session.execute(statement.execution_options(yield_per=1000)):
                yield dict(row._asdict())
        return
    span = resolve_range(checked, [club.timezone for club in access.clubs], capped=False)
    for point in _points(session, access, checked, span):
        yield point.long_form()


# --- records ------------------------------------------------------------------------------------------


def _record(report: Any, record: dict[str, Any]) -> dict[str, Any]:
    record.pop("_key", None)
    for key, value in record.items():
        if isinstance(value, datetime):
            record[key] = _iso(value)
    return report.shape(record) if report.shape else record


def _enriched(session: Session, report: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if report.enrich is not None and records:
        report.enrich(session, records)
    return records


def _statement(
    kind: str, report: Any, node: Any, aggregation: Any, club_ids: Any, position: Any, limit: int
) -> Select[Any]:
    """The records statement of a query, built once per distinct query while it is in use: dashboards
    repeat theirs, and building a statement from the declaration costs more than running it on a small
    table. Only first pages are kept (a later page's position is new each time), and queries whose
    filter values cannot be hashed (lists) are built every time."""

    def build() -> Select[Any]:
        if kind == "page":
            return compiler.records_page(report, report.source(), node, club_ids, position, limit)
        return compiler.aggregated_records(report, report.source(), node, aggregation, club_ids, position, limit)

    if position not in (None, 0):
        return build()
    key = (kind, report.name, node, aggregation.name if aggregation else None, tuple(club_ids), position, limit)
    try:
        statement = _STATEMENTS.get(key)
    except TypeError:
        return build()
    if statement is None:
        if len(_STATEMENTS) >= _STATEMENTS_KEPT:
            _STATEMENTS.clear()
        statement = _STATEMENTS[key] = build()
    return statement


_STATEMENTS: dict[tuple[Any, ...], Select[Any]] = {}
_STATEMENTS_KEPT = 512


def _dicts(result: Any) -> list[dict[str, Any]]:
    """All rows of ``result`` as dicts, fetched at once (row by row, with ``Row._asdict``, costs more
    than the query for a page of small rows)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _iso(value: datetime) -> str:
    return value.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _records(session: Session, access: CustomerAccess, query: Query, secret: str) -> dict[str, Any]:
    report, body = query.report, query.body
    fingerprint = query_fingerprint(report.name, body.filter, body.aggregate_by, access.club_ids)
    state: dict[str, Any] = {}
    if body.next_page_info:
        try:
            state = decode_cursor(body.next_page_info, secret)
        except InvalidCursor:
            raise ValidationFailed.at(("next_page_info",), "invalid")
        if state.get("q") != fingerprint:
            raise ValidationFailed.at(("next_page_info",), "invalid")
    limit = body.per_page
    if query.aggregation is None:
        statement = _statement("page", report, query.node, None, access.club_ids, state.get("k"), limit + 1)
        rows = _dicts(session.execute(statement))
        more = len(rows) > limit
        rows = rows[:limit]
        cursor = encode_cursor({"q": fingerprint, "k": rows[-1]["_key"]}, secret) if more else None
        records = _enriched(session, report, [_record(report, row) for row in rows])
    else:
        offset = int(state.get("o", 0))
        statement = _statement("aggregated", report, query.node, query.aggregation, access.club_ids, offset, limit + 1)
        rows = _dicts(session.execute(statement))
        more = len(rows) > limit
        records = rows[:limit]
        cursor = encode_cursor({"q": fingerprint, "o": offset + limit}, secret) if more else None
    return {"records": records, "pagination": {"next_page_info": cursor}, "result_type": "records"}


# --- timeseries and statistics ----------------------------------------------------------------------


class _Point:
    __slots__ = ("bucket", "club_id", "label", "timezone", "value")

    def __init__(self, bucket: datetime | None, club_id: int | None, label: dict[str, Any], timezone: str, value: Any):
        self.bucket = bucket
        self.club_id = club_id
        self.label = label
        self.timezone = timezone
        self.value = value

    def long_form(self) -> dict[str, Any]:
        row: dict[str, Any] = {}
        if self.bucket is not None:
            row["bucket"] = format_instant(self.bucket, ZoneInfo(self.timezone))
        if self.club_id is not None:
            row["loyalty_club_id"] = self.club_id
            row["timezone"] = self.timezone
        return {**row, **self.label, "value": self.value}


def _windows(access: CustomerAccess, span: TimeRange) -> list[compiler.ClubWindow]:
    windows = []
    for club in access.clubs:
        tz = ZoneInfo(club.timezone)
        if span.timezone is None:
            start, end = wall_to_instant(span.start, tz), wall_to_instant(span.end, tz)
        else:
            start, end = span.start, span.end
        start = bucket_start(start, tz, span.interval)  # buckets are whole: the first starts on a round time
        windows.append(compiler.ClubWindow(club.id, club.timezone, start, end))
    return windows


def _points(session: Session, access: CustomerAccess, query: Query, span: TimeRange) -> list[_Point]:
    report = query.report
    timeseries = report.format == "timeseries"
    interval = span.interval if timeseries else None
    windows = _windows(access, span)
    labels = list(query.aggregation.labels if query.aggregation else report.default_labels)
    local = span.timezone is None
    hourly = interval != "5m" and not local
    if hourly and not rollups.whole_hour_zone(ZoneInfo(windows[0].timezone), windows[0].start, windows[0].end):
        hourly = False
    if hourly and report.totals is not None:
        return _points_with_totals(session, access, query, span, windows, labels)
    if hourly and rollups.eligible(report.name, query.node, labels, interval, local):
        return _points_with_rollup(session, access, query, span, windows, labels)
    return _raw_points(session, access, query, span, windows, labels)


def _raw_points(
    session: Session,
    access: CustomerAccess,
    query: Query,
    span: TimeRange,
    windows: list[compiler.ClubWindow],
    labels: list[str],
    source: Source | None = None,
) -> list[_Point]:
    report = query.report
    timeseries = report.format == "timeseries"
    statement = compiler.series_statement(
        report,
        source or report.source(),
        query.node,
        query.aggregation,
        windows,
        span.interval if timeseries else None,
        per_club=span.timezone is None,
    )
    zones = {club.id: club.timezone for club in access.clubs}
    fields = report.field_map
    points = []
    for row in session.execute(statement):
        data = row._asdict()
        club_id = data.get(compiler.CLUB)
        timezone = zones[club_id] if club_id is not None else span.timezone
        assert timezone is not None
        bucket = None
        if timeseries:
            bucket = bucket_instant(data[compiler.BUCKET], ZoneInfo(timezone), span.interval)
        label = {name: _plain(data[name], fields.get(name)) for name in labels}
        points.append(_Point(bucket, club_id, label, timezone, _number(data[compiler.VALUE])))
    return points


def _points_with_totals(
    session: Session,
    access: CustomerAccess,
    query: Query,
    span: TimeRange,
    windows: list[compiler.ClubWindow],
    labels: list[str],
) -> list[_Point]:
    """The whole hours of the range from the report's pre-counted totals, a ragged start or end from its
    own rows (only those of the ``key`` values the totals show in the hours around it); the sum of both."""
    totals = query.report.totals
    assert totals is not None
    start, end = windows[0].start, windows[0].end
    middle = (rollups.ceil_hour(start), rollups.floor_hour(end))
    if middle[1] <= middle[0]:
        middle = (start, start)

    def part(a: datetime, b: datetime) -> list[compiler.ClubWindow]:
        return [compiler.ClubWindow(w.club_id, w.timezone, a, b) for w in windows]

    counted = totals.source()
    points: list[_Point] = []
    if middle[0] < middle[1]:
        points += _raw_points(session, access, query, span, part(*middle), labels, counted)
    for a, b in ((start, middle[0]), (middle[1], end)):
        if a >= b:
            continue
        present = (
            select(counted.columns[totals.key])
            .select_from(counted.from_)
            .where(
                counted.club.in_(access.club_ids),
                counted.time >= rollups.floor_hour(a),
                counted.time < rollups.ceil_hour(b),
                *counted.where,
            )
        )
        keys = sorted({key for key in session.execute(present.distinct()).scalars() if key is not None})
        if not keys:
            continue
        raw = query.report.source()
        narrowed = replace(raw, where=(*raw.where, raw.columns[totals.key].in_(keys)))
        points += _raw_points(session, access, query, span, part(a, b), labels, narrowed)
    merged: dict[tuple[Any, ...], _Point] = {}
    for point in points:
        key = (point.bucket, tuple(point.label.items()))
        if key in merged:
            merged[key].value += point.value
        else:
            merged[key] = point
    return list(merged.values())


def _points_with_rollup(
    session: Session,
    access: CustomerAccess,
    query: Query,
    span: TimeRange,
    windows: list[compiler.ClubWindow],
    labels: list[str],
) -> list[_Point]:
    """Whole rolled-up hours from the hourly rollup, the rest from the raw rows; the sum of both."""
    from sqlalchemy import func, literal, select

    from loyaltyhub.reporting.models import OfferUsageHourly

    timezone = windows[0].timezone
    raw_ranges, middle = rollups.split(windows[0].start, windows[0].end, rollups.rolled_until(session))
    points: list[_Point] = []
    for start, end in raw_ranges:
        part = [compiler.ClubWindow(w.club_id, w.timezone, start, end) for w in windows]
        points += _raw_points(session, access, query, span, part, labels)
    if middle is not None:
        hourly = OfferUsageHourly.__table__
        timeseries = query.report.format == "timeseries"
        columns: list[Any] = []
        group: list[Any] = []
        if timeseries:
            bucket = time_bucket(hourly.c.hour, literal(timezone), span.interval)
            columns.append(bucket.label(compiler.BUCKET))
            group.append(bucket)
        if labels:
            columns.append(hourly.c.value.label(labels[0]))
            group.append(hourly.c.value)
        columns.append(func.sum(hourly.c.usages_count).label(compiler.VALUE))
        statement = select(*columns).where(
            hourly.c.loyalty_club_id.in_(access.club_ids),
            hourly.c.dimension == (labels[0] if labels else rollups.TOTAL),
            hourly.c.hour >= middle[0],
            hourly.c.hour < middle[1],
        )
        if group:
            statement = statement.group_by(*group)
        fields = query.report.field_map
        tz = ZoneInfo(timezone)
        # Tens of thousands of rows (a day per offer over months) share few buckets and labels: each is
        # converted once.
        buckets: dict[Any, datetime] = {}
        values: dict[Any, Any] = {}
        for row in session.execute(statement).mappings():
            bucket_at = None
            if timeseries:
                raw_bucket = row[compiler.BUCKET]
                bucket_at = buckets.get(raw_bucket)
                if bucket_at is None:
                    bucket_at = buckets[raw_bucket] = bucket_instant(raw_bucket, tz, span.interval)
            label = {}
            for name in labels:
                raw = row[name]
                if raw not in values:
                    values[raw] = _plain(rollups.parse_value(raw, fields[name].type), fields[name])
                label[name] = values[raw]
            points.append(_Point(bucket_at, None, label, timezone, _number(row[compiler.VALUE])))
    merged: dict[tuple[Any, ...], _Point] = {}
    for point in points:
        key = (point.bucket, tuple((k, v) for k, v in point.label.items()))
        if key in merged:
            merged[key].value += point.value
        else:
            merged[key] = point
    return list(merged.values())


def _plain(value: Any, field: Any) -> Any:
    if isinstance(value, datetime):
        return _iso(value)
    if (
        field is not None
        and field.type == INTEGER
        and isinstance(value, str)
        and (number := decimal(value)) is not None
    ):
        return number  # place ids are stored as text and documented as integers
    return value


def _number(value: Any) -> int | float:
    if value is None:
        return 0
    as_float = float(value)
    return int(as_float) if as_float.is_integer() else as_float


def _label_key(point: _Point) -> tuple[Any, ...]:
    club = point.club_id if point.club_id is not None else -1
    return (club, *((value is None, str(value)) for value in point.label.values()))


def _series(session: Session, access: CustomerAccess, query: Query) -> dict[str, Any]:
    span = resolve_range(query, [club.timezone for club in access.clubs])
    points = _points(session, access, query, span)
    local = span.timezone is None
    range_timezone = "local" if local else span.timezone
    if query.report.format == "statistics":
        series = []
        for point in sorted(points, key=_label_key):
            entry: dict[str, Any] = {}
            if local:
                entry["timezone"] = point.timezone
                entry["label"] = {"loyalty_club_id": point.club_id, **point.label}
            else:
                entry["label"] = point.label
            entry["value"] = point.value
            series.append(entry)
        series = series[:MAX_DATA_POINTS]
        return {
            "interval": span.interval,
            "range_timezone": range_timezone,
            "series": series,
            "data_points": len(series),
            "result_type": "statistics",
        }

    # Bucket keys: the UTC instant (one timezone) or the wall-clock start ("local").
    def bucket_key(point: _Point) -> datetime:
        assert point.bucket is not None
        if local:
            return point.bucket.astimezone(ZoneInfo(point.timezone)).replace(tzinfo=None)
        return point.bucket

    keyed = sorted(((bucket_key(p), _label_key(p), p) for p in points), key=lambda k: (k[0], k[1]))
    kept = keyed[:MAX_DATA_POINTS]
    buckets = sorted({bucket for bucket, _key, _point in kept})
    position = {bucket: index for index, bucket in enumerate(buckets)}
    series_by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    for bucket, key, point in sorted(kept, key=lambda k: k[1]):
        entry = series_by_key.get(key)
        if entry is None:
            entry = {}
            if local:
                entry["timezone"] = point.timezone
                entry["label"] = {"loyalty_club_id": point.club_id, **point.label}
            else:
                entry["label"] = point.label
            entry["values"] = [None] * len(buckets)
            series_by_key[key] = entry
        entry["values"][position[bucket]] = point.value
    tz = ZoneInfo(span.timezone) if span.timezone else None
    time_buckets = [format_wall(b) if local else format_instant(b, tz) for b in buckets]  # type: ignore[arg-type]
    return {
        "interval": span.interval,
        "range_timezone": range_timezone,
        "time_buckets": time_buckets,
        "series": list(series_by_key.values()),
        "data_points": len(kept),
        "result_type": "timeseries",
    }
