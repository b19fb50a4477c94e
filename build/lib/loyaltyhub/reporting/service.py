"""Metadata and field metadata, generated from the report declarations."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.errors import MissingPermit, ValidationFailed
from loyaltyhub.reporting.fields import ARRAY_TYPES, OBJECT, TYPE_LABELS
from loyaltyhub.reporting.registry import Report, reports
from loyaltyhub.reporting.schemas import FieldMetadataBody

MAX_DISTINCT_VALUES = 200


def usable_reports(access: CustomerAccess) -> list[Report]:
    return [report for report in reports().values() if report.permit in access.permits]


def metadata(access: CustomerAccess, name: str | None) -> dict[str, Any]:
    chosen = usable_reports(access)
    if name is not None:
        report = _report(name)
        if report.permit not in access.permits:
            raise MissingPermit(report.permit)
        chosen = [report]
    return {"reports": [report.metadata() for report in chosen]}


def _report(name: str) -> Report:
    report = reports().get(name)
    if report is None:
        raise ValidationFailed.at(("report",), "inclusion", **{"in": list(reports())})
    return report


def field_metadata(session: Session, access: CustomerAccess, body: FieldMetadataBody) -> dict[str, Any]:
    """A field's type and its possible values: the enum, or the distinct values present (in the time frame)."""
    report = _report(body.report)
    if report.permit not in access.permits:
        raise MissingPermit(report.permit)
    field = report.field_map.get(body.field)
    if field is None:
        raise ValidationFailed.at(("field",), "inclusion", **{"in": list(report.field_map)})
    answer: dict[str, Any] = {"report": report.name, **field.metadata()}
    answer["type"] = TYPE_LABELS[field.type]
    if field.enum is not None:
        answer["values"] = list(field.enum)
        answer["values_source"] = "enum"
        return answer
    if field.type in ARRAY_TYPES or field.type == OBJECT or field.via_customer_header or field.array_backed:
        answer["values"] = None
        answer["values_source"] = None
        return answer
    source = report.source()
    column = source.columns[field.name]
    conditions = [source.club.in_(access.club_ids), *source.where]
    if source.time is not None:
        if body.from_ is not None:
            conditions.append(source.time >= body.from_)
        if body.to is not None:
            conditions.append(source.time < body.to)
    statement = (
        select(column)
        .select_from(source.from_)
        .where(and_(*conditions), column.is_not(None))
        .distinct()
        .order_by(column)
        .limit(MAX_DISTINCT_VALUES + 1)
    )
    values = [row[0] for row in session.execute(statement)]
    answer["values"] = [v.isoformat() if hasattr(v, "isoformat") else v for v in values[:MAX_DISTINCT_VALUES]]
    answer["values_source"] = "present"
    answer["values_truncated"] = len(values) > MAX_DISTINCT_VALUES
    return answer
