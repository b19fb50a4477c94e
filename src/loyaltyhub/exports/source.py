"""Where an export's rows come from: a small interface the reporting engine plugs into.

``describe`` validates a query synchronously (so a bad query is a 422 at POST time, not a failed job)
and says which report it is, its permit and its token cost. ``open`` streams ALL rows of the query,
without the interactive caps (page size, bucket and data-point limits).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from loyaltyhub.auth.dependencies import CustomerAccess


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
    """The reporting engine (``loyaltyhub.reporting.engine``) as a row source."""

    def describe(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> ReportInfo:
        from loyaltyhub.reporting import engine

        return engine.describe_query(session, access, query)  # type: ignore[attr-defined,no-any-return]

    def open(self, session: Session, access: CustomerAccess, query: dict[str, Any]) -> RowStream:
        from loyaltyhub.reporting import engine

        return RowStream(rows=iter(engine.iter_rows(session, access, query)))  # type: ignore[attr-defined]


_source: list[RowSource] = []


def get_source() -> RowSource:
    """The row source in use: the reporting engine, unless a test installed another one."""
    return _source[-1] if _source else ReportingSource()


def use_source(source: RowSource | None) -> None:
    """Install ``source`` (tests, benchmarks); ``None`` restores the reporting engine."""
    _source.clear()
    if source is not None:
        _source.append(source)
