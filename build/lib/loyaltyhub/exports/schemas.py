"""Request and response bodies of the exports API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from loyaltyhub.exports.models import ExportJob
from loyaltyhub.reporting.query import QueryBody


class ExportRequest(QueryBody):
    """The body of ``POST /v1/reporting/query`` plus ``format``. The query part is checked by the
    reporting engine exactly as the query endpoint does; ``per_page`` and ``next_page_info`` are accepted
    for symmetry but ignored: an export always covers every row."""

    format: Literal["csv", "ndjson"] = Field(description="File format: csv (RFC 4180) or ndjson")

    def query(self) -> dict[str, Any]:
        """The query part as JSON (absent keys stay absent), as stored on the job."""
        return self.model_dump(
            mode="json", by_alias=True, exclude_unset=True, exclude={"format", "per_page", "next_page_info"}
        )


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
