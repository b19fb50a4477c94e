"""Tables of the collections domain.

Only what a manager writes is stored; the counters and windows of the seed's Collection model
(``offers_count``, ``usable_since``...) are computed from the offers when a collection is read.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime


class Collection(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "collections"
    __table_args__ = (Index("ix_collections_club_position", "loyalty_club_id", "position"),)

    # When set, the collection is destined for offers of that scope (see offers.types.TYPE_SCOPES).
    scope: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    offers_order: Mapped[list[Any]] = mapped_column(Json, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    files: Mapped[list[Any]] = mapped_column(Json, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
