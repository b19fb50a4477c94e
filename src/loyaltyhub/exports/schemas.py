"""Request and response bodies of the exports API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from loyaltyhub.exports.models import ExportJob


class ExportRequest(BaseModel):
    """The body of ``POST /v1/reporting/query`` plus ``format``. The query part is validated by the
    reporting engine, exactly as the query endpoint does; ``per_page`` and ``next_page_info`` are
    accepted for symmetry, but an export always covers every row."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    format: Literal["csv", "ndjson"] = Field(description="File format: csv (RFC 4180) or ndjson")
    report: Any = Field(description="Report name, e.g. members")
    filter: Any = None
    aggregate_by: Any = None
    interval: Any = None
    from_: Any = Field(default=None, alias="from")
    to: Any = None
    next_page_info: Any = None
    per_page: Any = None

    def query(self) -> dict[str, Any]:
        """The query part, as sent (absent keys stay absent)."""
        return self.model_dump(by_alias=True, exclude_unset=True, exclude={"format"})


class ExportOut(BaseModel):
    id: int
    status: Literal["queued", "running", "done", "failed", "cancelled", "expired"]
    progress: float = Field(description="Share of rows written, 0.0 to 1.0 (1.0 when done)")
    rows: int = Field(description="Rows written so far (all rows when done)")
    created_at: datetime
    report: str
    format: str
    tenants: bool = Field(description="A tenants export: one run per club, club id in every row")
    started_at: datetime | None
    finished_at: datetime | None
    expires_at: datetime | None
    size_bytes: int | None
    error: str | None
    download_url: str | None

    @classmethod
    def of(cls, job: ExportJob) -> ExportOut:
        return cls(
            id=job.id,
            status=job.status,  # type: ignore[arg-type]
            progress=job.progress,
            rows=job.rows,
            created_at=job.created_at,
            report=job.report,
            format=job.format,
            tenants=job.per_club,
            started_at=job.started_at,
            finished_at=job.finished_at,
            expires_at=job.expires_at,
            size_bytes=job.size_bytes,
            error=job.error,
            download_url=f"/v1/reporting/exports/{job.id}/download" if job.status == "done" else None,
        )


class ExportList(BaseModel):
    exports: list[ExportOut]
