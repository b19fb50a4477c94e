"""Client tokens (integrations), staff users, their roles and access tokens.

These are global tables (reference tables on Citus): a token or a user may span several clubs.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TimestampMixin, UTCDateTime


class ClientToken(IdMixin, TimestampMixin, Base):
    __tablename__ = "client_tokens"

    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str | None] = mapped_column(String(100))
    permits: Mapped[list[Any]] = mapped_column(Json, default=list)
    is_global: Mapped[bool] = mapped_column(Boolean, default=False)
    organization_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ClientTokenClub(IdMixin, Base):
    __tablename__ = "client_token_clubs"
    __table_args__ = (UniqueConstraint("client_token_id", "loyalty_club_id"),)

    client_token_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("client_tokens.id", ondelete="CASCADE"), index=True
    )
    loyalty_club_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("loyalty_clubs.id", ondelete="CASCADE"), index=True
    )


class User(IdMixin, TimestampMixin, Base):
    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    # A disabled user can neither sign in nor use a token issued before (``loyaltyhub users disable``).
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class UserRole(IdMixin, Base):
    """A role held on one club or on every club of one organization."""

    __tablename__ = "user_roles"

    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(50))
    loyalty_club_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("loyalty_clubs.id", ondelete="CASCADE"), index=True
    )
    organization_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )


class UserAccessToken(IdMixin, Base):
    __tablename__ = "user_access_tokens"

    public_id: Mapped[str] = mapped_column(String(32), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
