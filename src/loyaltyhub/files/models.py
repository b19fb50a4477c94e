"""Uploads in progress and the file records they become (reference (g).7 FileRecord)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime


class FileUpload(IdMixin, TenantMixin, TimestampMixin, Base):
    """An upload in parts: started with its type and size, parts streamed to storage, then finished."""

    __tablename__ = "file_uploads"

    fileable_type: Mapped[str] = mapped_column(String(32))
    fileable_id: Mapped[int] = mapped_column(BigIntId)
    kind: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default="started")
    parts: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    """Part number (as a string) → bytes received."""
    file_id: Mapped[int | None] = mapped_column(BigIntId)
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    crop_to: Mapped[str | None] = mapped_column(String(64))
    """``x_top_left,y_top_left,x_bottom_right,y_bottom_right``: the area the resized versions are made of."""


class FileRecord(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "file_records"
    __table_args__ = (Index("ix_file_records_fileable", "loyalty_club_id", "fileable_type", "fileable_id", "kind"),)

    fileable_type: Mapped[str] = mapped_column(String(32))
    fileable_id: Mapped[int] = mapped_column(BigIntId)
    kind: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(255))
    mime_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(300))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    last_active_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    uploaded_by: Mapped[str | None] = mapped_column(String(200))
    crop_to: Mapped[str | None] = mapped_column(String(64))
    versions: Mapped[dict[str, Any] | None] = mapped_column(Json)
    """The resized versions, made once when the file is first activated: size type → ``{"storage_key",
    "width", "height", "size", "mime_type"}``; None until then (and for kinds without versions: ``{}``)."""
