"""Where an export's rows come from: a small interface the reporting engine plugs into.

``describe`` validates a query synchronously (so a bad query is a 422 at POST time, not a failed job)
and says which report it is, its permit and its token cost. ``open`` streams ALL rows of the query,
without the interactive caps (page size, bucket and data-point limits).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from loyaltyhub.auth.context import CustomerAccess


@dataclass(frozen=True)
class ReportInfo:
    name: str
    permit: str | None
    cost: int


@dataclass
class RowStream:
    """Rows of one query. ``columns`` fixes the CSV header (``None``: the first row's keys)."""

    rows: Iterator[dict[str, Any]]
    columns: list[str] | None = None
    total: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


class RowSource(Protocol):
    def describe(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> ReportInfo: ...

    def open(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> RowStream: ...


class ReportingSource:
    """The reporting engine (:mod:`loyaltyhub.reporting.engine`) as a row source."""

    def describe(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> ReportInfo:
        checked = _check(access, query)
        return ReportInfo(name=checked.report.name, permit=checked.report.permit, cost=checked.cost)

    def open(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> RowStream:
        from loyaltyhub.reporting import engine

        checked = _check(access, query)
        rows = iter(engine.iter_rows(session, access, checked))
        first = next(rows, None)
        if first is None:
            return RowStream(rows=iter(()), columns=_columns(access, checked), total=0)
        return RowStream(
            rows=itertools.chain([first], rows), columns=list(first), total=_total(session, access, checked)
        )


def _check(access: CustomerAccess, query: dict[str, Any]) -> Any:
    """The engine's checks (422 for a bad query), and for time-based reports the time range too, without
    the interactive 150-bucket cap."""
    from loyaltyhub.reporting import engine
    from loyaltyhub.reporting.query import resolve_range

    checked = engine.check(access, query)
    if checked.report.format != "records":
        resolve_range(checked, [club.timezone for club in access.clubs], capped=False)
    return checked


def _columns(access: CustomerAccess, checked: Any) -> list[str]:
    """The header of an export without rows, from the report's declaration (with rows, the first row's
    keys are the header)."""
    report, aggregation = checked.report, checked.aggregation
    if report.format == "records":
        if aggregation is None:
            return [name for name in report.source().columns if not name.startswith("_")]
        return [*([report.club_key] if aggregation.per_club else []), *aggregation.labels, report.count_key]
    labels = list(aggregation.labels if aggregation else report.default_labels)
    several_zones = len({club.timezone for club in access.clubs}) > 1
    return [
        *(["bucket"] if report.format == "timeseries" else []),
        *(["loyalty_club_id", "timezone"] if several_zones else []),
        *labels,
        "value",
    ]


def _total(session: Session, access: CustomerAccess, checked: Any) -> int | None:
    """How many rows a plain records export will write (for ``progress``); None when not cheap to know."""
    if checked.report.format != "records" or checked.aggregation is not None:
        return None
    from sqlalchemy import func, select

    from loyaltyhub.reporting import compiler

    report = checked.report
    statement = compiler.records_page(report, report.source(), checked.node, access.club_ids, None, None)
    return int(session.execute(select(func.count()).select_from(statement.order_by(None).subquery())).scalar_one())
