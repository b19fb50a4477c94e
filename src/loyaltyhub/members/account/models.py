"""Single-use account tokens: e-mail / MSISDN verification and password reset."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, TenantMixin, UTCDateTime, utcnow


class MemberAccountToken(IdMixin, TenantMixin, Base):
    """A token sent to a member's e-mail or phone; stored as an HMAC, usable once, until it expires."""

    __tablename__ = "member_account_tokens"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "token_hash"),
        Index("ix_member_account_tokens_sent", "loyalty_club_id", "purpose", "destination", "created_at"),
    )

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(30))
    destination: Mapped[str] = mapped_column(String(320))
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
