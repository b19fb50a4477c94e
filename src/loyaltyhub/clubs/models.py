"""Loyalty clubs (tenants, a.k.a. customers or communities) and the organizations grouping them."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TimestampMixin

DEFAULT_OFFER_ACTIVE_SECONDS = 900


def new_config_stamp() -> int:
    """A random stamp for a club's configuration: an increasing version would start over at the same value
    for a club made under the id of a deleted one (SQLite reuses the highest id) or in another database
    served by the same process, and a cache would take one's configuration for the other's."""
    return secrets.randbits(62)


class Organization(IdMixin, TimestampMixin, Base):
    __tablename__ = "organizations"

    name: Mapped[str] = mapped_column(String(200), unique=True)


class LoyaltyClub(IdMixin, TimestampMixin, Base):
    """The tenant. Its own ``id`` is the tenant key every other table carries as ``loyalty_club_id``."""

    __tablename__ = "loyalty_clubs"

    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64))
    country: Mapped[str | None] = mapped_column(String(2))
    default_language: Mapped[str] = mapped_column(String(16))
    languages: Mapped[list[Any]] = mapped_column(Json, default=list)
    chain: Mapped[str | None] = mapped_column(String(200), index=True)
    organization_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    offer_active_seconds: Mapped[int] = mapped_column(Integer, default=DEFAULT_OFFER_ACTIVE_SECONDS)
    community_id: Mapped[int | None] = mapped_column(BigIntId, unique=True)
    """The vendor's community of the club (Show Loyalty Club ``community_id``), when staff set one."""
    config_stamp: Mapped[int] = mapped_column(BigInteger, default=new_config_stamp, server_default="0")
    """Replaced with every change of the configuration listeners read (:mod:`loyaltyhub.clubs.config_cache`)."""
