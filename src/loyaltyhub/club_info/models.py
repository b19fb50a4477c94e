"""Tables of club info: what the Public API's Loyalty Club endpoints show besides the club itself — its
legal information, its translations per language, and its programs (docs/decisions/club_info.md)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Boolean, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, IdMixin, Json, TenantMixin, TimestampMixin


class ClubLegalInformation(IdMixin, TenantMixin, TimestampMixin, Base):
    """One row per club (absent until staff set it): the operator's legal details and documents."""

    __tablename__ = "club_legal_information"
    __table_args__ = (UniqueConstraint("loyalty_club_id"),)

    content: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class ClubTranslation(IdMixin, TenantMixin, TimestampMixin, Base):
    """The club's texts in one language: member property values, consents, tags, terms."""

    __tablename__ = "club_translations"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "language"),)

    language: Mapped[str] = mapped_column(String(16))
    member_properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    consents: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    tags: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    terms: Mapped[str | None] = mapped_column(Text)


class ClubProgram(IdMixin, TenantMixin, TimestampMixin, Base):
    """A program the club runs (a mall's kids club, a parking or carbon offset scheme) as members see it."""

    __tablename__ = "club_programs"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "slug"),)

    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(String(2000))
    image_url: Mapped[str | None] = mapped_column(String(2000))
    translations: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
