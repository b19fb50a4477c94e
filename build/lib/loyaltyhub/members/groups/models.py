"""Tables of member groups: named sets of members (lists, programs, offer audiences)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, TenantMixin, TimestampMixin, UTCDateTime, utcnow


class MemberGroup(IdMixin, TenantMixin, TimestampMixin, Base):
    """A named set of members (lists, programs, offer audiences)."""

    __tablename__ = "member_groups"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "name"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))


class MemberGroupMembership(IdMixin, TenantMixin, Base):
    __tablename__ = "member_group_memberships"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "group_id", "member_id"),)

    group_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("member_groups.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
