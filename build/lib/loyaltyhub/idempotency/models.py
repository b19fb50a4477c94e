"""The stored answer of an idempotent request, per (actor, key)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, UTCDateTime, utcnow

MAX_KEY_LENGTH = 255


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor_key", "key"),)

    # Nullable, and not a tenant key: reporting exports run in a customer context that may span clubs; the
    # actor (a token or a user, plus the member) is what scopes a key.
    loyalty_club_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True, index=True)
    actor_key: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
