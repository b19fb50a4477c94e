"""Report declarations: one :class:`Report` per report, collected in one registry.

A report says what it offers (fields with type and filterability, aggregations, format, intervals,
permit, token cost) and where its rows come from (a :class:`Source` built lazily from the tables).
The compiler (:mod:`loyaltyhub.reporting.compiler`) and the metadata endpoint both read these
declarations; nothing else knows a report's shape.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from sqlalchemy import ColumnElement, FromClause, Table, literal

from loyaltyhub.db.base import Base
from loyaltyhub.db.dialect import json_array_overlaps
from loyaltyhub.reporting.fields import Field

Format = Literal["records", "timeseries", "statistics"]
Measure = Literal["count", "sum", "last"]


def table(name: str) -> Table:
    """A table by name; the report module that names it imports the model module defining it."""
    return Base.metadata.tables[name]


@dataclass(frozen=True)
class JsonArray:
    """An array field stored as a JSON array: ``in`` matches when any element is shared."""

    column: ColumnElement[Any]
    integers: bool = True

    def any_of(self, values: list[Any]) -> ColumnElement[bool]:
        return json_array_overlaps(self.column, *(literal(int(v) if self.integers else str(v)) for v in values))


@dataclass(frozen=True)
class Source:
    """Where a report's rows come from: a FROM clause and one expression per field."""

    from_: FromClause
    columns: Mapping[str, ColumnElement[Any]]
    club: ColumnElement[Any]
    time: ColumnElement[Any] | None = None
    key: ColumnElement[Any] | None = None
    where: tuple[ColumnElement[bool], ...] = ()
    filter_targets: Mapping[str, Any] = field(default_factory=dict)
    measure: ColumnElement[Any] | None = None
    weight: ColumnElement[Any] | None = None
    """Pre-counted rows: each row stands for ``weight`` rows of the report (a count report sums it)."""

    def target(self, name: str) -> Any:
        return self.filter_targets[name] if name in self.filter_targets else self.columns[name]


@dataclass(frozen=True)
class Totals:
    """Pre-counted totals of a timeseries or statistics report, kept per UTC hour.

    ``source`` gives the report's fields over the totals (``time`` an instant in the hour counted,
    ``weight`` the count). The engine reads it for the whole hours of a query's range and the report's own
    source for a ragged start or end, narrowed to the ``key`` values (a field) the totals show in those
    hours; answers are the same as from the report's source alone.
    """

    source: Callable[[], Source]
    key: str


Expansion = Callable[[Source], tuple[FromClause, dict[str, ColumnElement[Any]]]]
"""Joins a table-valued function to the source, giving extra label columns (consents, interests)."""


@dataclass(frozen=True)
class Aggregation:
    name: str
    labels: tuple[str, ...]
    description: str
    per_club: bool = True
    label_types: Mapping[str, str] = field(default_factory=dict)
    expand: Expansion | None = None

    def metadata(self, report: Report) -> dict[str, Any]:
        from loyaltyhub.reporting.fields import TYPE_LABELS

        returned: list[dict[str, str]] = []
        if self.per_club and report.format == "records":
            returned.append({"key": report.club_key, "type": "Integer"})
        fields = report.field_map
        for label in self.labels:
            kind = self.label_types.get(label) or (fields[label].type if label in fields else "string")
            returned.append({"key": label, "type": TYPE_LABELS.get(kind, kind)})
        if report.format == "records":
            returned.append({"key": report.count_key, "type": "Integer"})
        return {"name": self.name, "description": self.description, "returned_fields": returned}


@dataclass(frozen=True)
class Report:
    name: str
    format: Format
    permit: str
    cost: int
    description: str
    fields: tuple[Field, ...]
    source: Callable[[], Source]
    aggregations: tuple[Aggregation, ...] = ()
    intervals: tuple[str, ...] = ()
    club_key: str = "community_id"
    count_key: str = "members_count"
    default_labels: tuple[str, ...] = ()
    default_aggregation: str | None = None
    measure: Measure = "count"
    shape: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    implicit: Callable[[Any, Aggregation | None], ColumnElement[bool] | None] | None = None
    data_lag: str | None = None
    enrich: Callable[[Any, list[dict[str, Any]]], None] | None = None
    totals: Totals | None = None

    @property
    def field_map(self) -> dict[str, Field]:
        return {f.name: f for f in self.fields}

    def aggregation(self, name: str | None) -> Aggregation | None:
        name = name or self.default_aggregation
        if name is None:
            return None
        for aggregation in self.aggregations:
            if aggregation.name == name:
                return aggregation
        raise KeyError(name)

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "format": self.format,
            "description": self.description,
            "permit": self.permit,
            "rate_limit_tokens_cost": self.cost,
            "fields": [f.metadata() for f in self.fields],
            "aggregations": [a.metadata(self) for a in self.aggregations],
        }
        if self.format != "records":
            data["intervals"] = list(self.intervals)
            data["default_labels"] = list(self.default_labels)
        if self.default_aggregation:
            data["default_aggregation"] = self.default_aggregation
        if self.data_lag:
            data["data_lag"] = self.data_lag
        return data


REPORT_MODULES = (
    "loyaltyhub.reporting.reports.members",
    "loyaltyhub.reporting.reports.offers",
    "loyaltyhub.reporting.reports.rewards",
    "loyaltyhub.reporting.reports.events",
    # Reports of a domain above reporting (it uses reporting's filter grammar), declared beside its tables
    # and found here by name, not imported: see docs/decisions/messaging.md.
    "loyaltyhub.messaging.reports",
)


@cache
def reports() -> dict[str, Report]:
    """Every report by name, in documentation order."""
    import importlib

    found: dict[str, Report] = {}
    for module_name in REPORT_MODULES:
        for report in importlib.import_module(module_name).REPORTS:
            found[report.name] = report
    return found
