"""Tables of the stores domain: the shops of a loyalty club (a mall's tenants, a chain's outlets)."""

from __future__ import annotations

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, IdMixin, TenantMixin, TimestampMixin


class Store(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "stores"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "external_id"),)

    name: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(100))
