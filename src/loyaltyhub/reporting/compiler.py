"""The one compiler: (report, filter, aggregation, time window, page) → SQLAlchemy Core SELECT.

Every statement starts from the report's source restricted to the caller's clubs, then applies the
checked filter tree, then either lists records (keyset on the source key), groups them into an
aggregation (records), or groups them by time bucket and labels (timeseries) or by labels only
(statistics). The SQL is the same on SQLite and PostgreSQL except time bucketing and JSON helpers,
which are constructs of :mod:`loyaltyhub.db.dialect`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, literal, or_, select, tuple_

from loyaltyhub.db.dialect import time_bucket
from loyaltyhub.reporting.filters import Node, compile_filter
from loyaltyhub.reporting.registry import Aggregation, Report, Source

VALUE = "value"
BUCKET = "bucket"
CLUB = "club_id"


@dataclass(frozen=True)
class ClubWindow:
    """One club's part of a time query: its id, timezone name and UTC range ``[start, end)``."""

    club_id: int
    timezone: str
    start: datetime
    end: datetime


def _base(report: Report, source: Source, node: Node | None, aggregation: Aggregation | None, club_ids: Sequence[int]):
    conditions: list[ColumnElement[bool]] = [source.club.in_(list(club_ids)), *source.where]
    if node is not None:
        conditions.append(compile_filter(node, source.target))
    if report.implicit is not None:
        extra = report.implicit(node, aggregation)
        if extra is not None:
            conditions.append(extra)
    return conditions


def _labels(source: Source, aggregation: Aggregation | None, defaults: tuple[str, ...]):
    """(from clause, [(label name, expression)]) including any expansion join."""
    from_ = source.from_
    columns = dict(source.columns)
    if aggregation is not None and aggregation.expand is not None:
        from_, extra = aggregation.expand(source)
        columns.update(extra)
    names = list(aggregation.labels) if aggregation is not None else list(defaults)
    return from_, [(name, columns[name]) for name in names]


def _measure(report: Report, source: Source) -> ColumnElement[Any]:
    if report.measure == "count":
        return func.count() if source.weight is None else func.coalesce(func.sum(source.weight), 0)
    return func.coalesce(func.sum(source.measure), 0)


def records_page(
    report: Report, source: Source, node: Node | None, club_ids: Sequence[int], after: Any, limit: int | None
) -> Select[Any]:
    """Raw records ordered by the source key, after the keyset position ``after``."""
    assert source.key is not None
    conditions = _base(report, source, node, None, club_ids)
    if after is not None:
        conditions.append(source.key > after)
    columns = [expr.label(name) for name, expr in source.columns.items()]
    statement = select(*columns, source.key.label("_key")).select_from(source.from_).where(and_(*conditions))
    statement = statement.order_by(source.key)
    return statement.limit(limit) if limit is not None else statement


def aggregated_records(
    report: Report,
    source: Source,
    node: Node | None,
    aggregation: Aggregation,
    club_ids: Sequence[int],
    offset: int,
    limit: int | None,
) -> Select[Any]:
    from_, labels = _labels(source, aggregation, ())
    conditions = _base(report, source, node, aggregation, club_ids)
    group: list[ColumnElement[Any]] = []
    columns: list[Any] = []
    if aggregation.per_club:
        group.append(source.club)
        columns.append(source.club.label(report.club_key))
    for name, expr in labels:
        group.append(expr)
        columns.append(expr.label(name))
    columns.append(_measure(report, source).label(report.count_key))
    statement = select(*columns).select_from(from_).where(and_(*conditions))
    if group:
        statement = statement.group_by(*group).order_by(*(g.asc().nulls_last() for g in group))
    statement = statement.offset(offset) if offset else statement
    return statement.limit(limit) if limit is not None else statement


def _time_conditions(source: Source, windows: Sequence[ClubWindow]) -> ColumnElement[bool]:
    assert source.time is not None
    ranges: dict[tuple[datetime, datetime], list[int]] = {}
    for window in windows:
        ranges.setdefault((window.start, window.end), []).append(window.club_id)
    parts = [
        and_(source.club.in_(ids), source.time >= start, source.time < end) for (start, end), ids in ranges.items()
    ]
    return parts[0] if len(parts) == 1 else or_(*parts)


def _timezone_expr(source: Source, windows: Sequence[ClubWindow]) -> ColumnElement[Any]:
    zones = {w.timezone for w in windows}
    if len(zones) == 1:
        return literal(zones.pop())
    return case({w.club_id: w.timezone for w in windows}, value=source.club)


def series_statement(
    report: Report,
    source: Source,
    node: Node | None,
    aggregation: Aggregation | None,
    windows: Sequence[ClubWindow],
    interval: str | None,
    per_club: bool,
) -> Select[Any]:
    """Timeseries (``interval`` given) or statistics (``interval`` None): values per (bucket,) labels."""
    assert source.time is not None
    club_ids = [w.club_id for w in windows]
    from_, labels = _labels(source, aggregation, report.default_labels)
    conditions = [*_base(report, source, node, aggregation, club_ids), _time_conditions(source, windows)]
    group: list[ColumnElement[Any]] = []
    columns: list[Any] = []
    if interval is not None:
        bucket = time_bucket(source.time, _timezone_expr(source, windows), interval)
        group.append(bucket)
        columns.append(bucket.label(BUCKET))
    if per_club:
        group.append(source.club)
        columns.append(source.club.label(CLUB))
    for name, expr in labels:
        group.append(expr)
        columns.append(expr.label(name))
    if report.measure == "last":
        return _last_snapshot(report, source, from_, conditions, group, columns, interval, windows)
    columns.append(_measure(report, source).label(VALUE))
    statement = select(*columns).select_from(from_).where(and_(*conditions))
    return statement.group_by(*group) if group else statement


def _last_snapshot(report, source, from_, conditions, group, columns, interval, windows) -> Select[Any]:
    """Snapshot reports: the value of each bucket is the club's last snapshot in it (summed over clubs)."""
    if interval is not None:
        bucket = time_bucket(source.time, _timezone_expr(source, windows), interval)
        latest = (
            select(source.club, func.max(source.time))
            .select_from(source.from_)
            .where(and_(*conditions))
            .group_by(source.club, bucket)
        )
    else:
        latest = select(source.club, func.max(source.time)).where(and_(*conditions)).group_by(source.club)
    picked = tuple_(source.club, source.time).in_(latest)
    columns = [*columns, func.coalesce(func.sum(source.measure), 0).label(VALUE)]
    statement = select(*columns).select_from(from_).where(and_(*conditions, picked))
    return statement.group_by(*group) if group else statement
