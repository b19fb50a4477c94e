"""Request bodies of the metadata endpoints (the query body is :class:`loyaltyhub.reporting.query.QueryBody`)."""

from __future__ import annotations

from pydantic import ConfigDict, Field

from loyaltyhub.instants import WallTimeOrInstant
from loyaltyhub.schemas import StrictModel


class MetadataBody(StrictModel):
    report: str | None = Field(default=None, description="Only this report (default: every report you may use)")


class FieldMetadataBody(StrictModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    report: str
    field: str
    from_: WallTimeOrInstant | None = Field(default=None, alias="from")
    to: WallTimeOrInstant | None = None
