"""Tables of the exports domain: one row per export job (the job's whole state lives here)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, IdMixin, Json, TenantMixin, UTCDateTime, utcnow

QUEUED = "queued"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
EXPIRED = "expired"
STATUSES = (QUEUED, RUNNING, DONE, FAILED, CANCELLED, EXPIRED)
ACTIVE = (QUEUED, RUNNING)

FORMATS = ("csv", "ndjson")


class ExportJob(IdMixin, TenantMixin, Base):
    """An export of one reporting query to a file, run by a background worker.

    ``loyalty_club_id`` is the first club of the selection (the tenant key); ``club_ids`` holds them
    all. ``actor_key`` is the caller (client token or staff user): only the same caller sees the job.
    A worker owns a running job while ``claim_token`` is its own and ``heartbeat_at`` is fresh.
    """

    __tablename__ = "export_jobs"
    __table_args__ = (
        Index("ix_export_jobs_status_id", "status", "id"),
        Index("ix_export_jobs_actor_key_id", "actor_key", "id"),
    )

    actor_key: Mapped[str] = mapped_column(String(200))
    principal_name: Mapped[str] = mapped_column(String(320))
    permits: Mapped[list[Any]] = mapped_column(Json, default=list)
    club_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    organization_context: Mapped[bool] = mapped_column(Boolean, default=False)
    per_club: Mapped[bool] = mapped_column(Boolean, default=False)
    report: Mapped[str] = mapped_column(String(100))
    report_permit: Mapped[str | None] = mapped_column(String(200))
    query: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    format: Mapped[str] = mapped_column(String(16))
    cost: Mapped[int] = mapped_column(Integer, default=0)

    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    rows: Mapped[int] = mapped_column(BigInteger, default=0)
    total_rows: Mapped[int | None] = mapped_column(BigInteger)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    worker_id: Mapped[str | None] = mapped_column(String(200))
    file_name: Mapped[str | None] = mapped_column(String(255))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """A job taken back from a dead worker waits this long before it is claimed again (backoff)."""
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
