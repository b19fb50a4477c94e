"""Tables of member identity: issued tokens, one-time passwords, push devices."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, TenantMixin, TimestampMixin, UTCDateTime, utcnow


class MemberAppToken(IdMixin, TenantMixin, TimestampMixin, Base):
    """A push notification provider token registered by a member's app (a push device)."""

    __tablename__ = "member_app_tokens"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "token"),)

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    token: Mapped[str] = mapped_column(String(512))
    platform: Mapped[str | None] = mapped_column(String(20))
    product_name: Mapped[str | None] = mapped_column(String(100))


class MemberToken(IdMixin, TenantMixin, Base):
    """One issued access/refresh token pair (``lhm_...`` / ``lhr_...``); secrets stored hashed."""

    __tablename__ = "member_tokens"

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    access_public_id: Mapped[str] = mapped_column(String(32), unique=True)
    access_hash: Mapped[str] = mapped_column(String(64))
    refresh_public_id: Mapped[str] = mapped_column(String(32), unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64))
    client_token_id: Mapped[int | None] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MemberOtp(IdMixin, TenantMixin, Base):
    """A one-time password sent by SMS or e-mail; usable once, a few attempts, a short life."""

    __tablename__ = "member_otps"
    __table_args__ = (Index("ix_member_otps_destination", "loyalty_club_id", "channel", "destination", "created_at"),)

    member_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    destination: Mapped[str] = mapped_column(String(320))
    code_hash: Mapped[str] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
