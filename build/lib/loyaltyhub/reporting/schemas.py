"""Request bodies of the metadata endpoints (the query body is :class:`loyaltyhub.reporting.query.QueryBody`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field

from loyaltyhub.schemas import StrictModel


class MetadataBody(StrictModel):
    report: str | None = Field(default=None, description="Only this report (default: every report you may use)")


class FieldMetadataBody(StrictModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    report: str
    field: str
    from_: datetime | None = Field(default=None, alias="from")
    to: datetime | None = None
