"""Tables of the member events domain: one append-only row per event a member did (or loyaltyhub saw)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, UTCDateTime, utcnow


class MemberEvent(IdMixin, TenantMixin, Base):
    """One event of one member: its ``type`` (see :mod:`loyaltyhub.events.types`), when it happened
    (``occurred_at``, as the client says) and when loyaltyhub received it, the product that sent it
    (``X-Product-Name``) and its ``data`` (valid against the type's schema).

    Rows are never updated. ``client_event_id`` is the sender's id of the event: a retried batch names
    the same ids, and the unique key makes the second copy a no-op, whichever request commits first.
    """

    __tablename__ = "member_events"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "client_event_id"),
        Index("ix_member_events_club_member_occurred", "loyalty_club_id", "member_id", "occurred_at"),
        Index("ix_member_events_club_type_occurred", "loyalty_club_id", "type", "occurred_at"),
    )

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(64))
    client_event_id: Mapped[str] = mapped_column(String(100))
    source: Mapped[str | None] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
