"""Tables of the reporting domain: member counters, member balance events, member count snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, UTCDateTime, utcnow


class MembersGroupedCount(IdMixin, TenantMixin, Base):
    """Members per (grouping_type, grouping_value) of a club, kept up to date as members change."""

    __tablename__ = "members_grouped_counts"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "grouping_type", "grouping_value"),)

    grouping_type: Mapped[str] = mapped_column(String(32))
    grouping_value: Mapped[str] = mapped_column(String(200))
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class MemberBalanceEvent(IdMixin, TenantMixin, Base):
    """A member joined (``in``) or left (``out``) the club, with the member's reporting fields then."""

    __tablename__ = "member_balance_events"
    __table_args__ = (Index("ix_member_balance_events_club_occurred", "loyalty_club_id", "occurred_at"),)

    member_id: Mapped[int] = mapped_column(BigIntId)
    type: Mapped[str] = mapped_column(String(3))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    optin_channel: Mapped[str | None] = mapped_column(String(100))
    optin_subchannel: Mapped[str | None] = mapped_column(String(100))
    optin_platform: Mapped[str | None] = mapped_column(String(20))
    gender: Mapped[str | None] = mapped_column(String(32))
    age: Mapped[str | None] = mapped_column(String(8))
    consents: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class MembersCountSnapshot(IdMixin, TenantMixin, Base):
    """The grouped member counts of a club at one moment (taken every 15 minutes)."""

    __tablename__ = "members_count_snapshots"
    __table_args__ = (Index("ix_members_count_snapshots_club_taken", "loyalty_club_id", "taken_at"),)

    taken_at: Mapped[datetime] = mapped_column(UTCDateTime())
    grouping_type: Mapped[str] = mapped_column(String(32))
    grouping_value: Mapped[str] = mapped_column(String(200))
    members_count: Mapped[int] = mapped_column(Integer)


class OfferUsageHourly(IdMixin, TenantMixin, Base):
    """Offer usages per UTC hour and one dimension (``""`` = all usages), rolled up from closed hours.

    The usage reports read it for the hours it covers and the raw usages for the rest, so answers are
    the same as from the raw table, only faster (see :mod:`loyaltyhub.reporting.rollups`).
    """

    __tablename__ = "offer_usage_hourly"
    __table_args__ = (Index("ix_offer_usage_hourly_club_dimension_hour", "loyalty_club_id", "dimension", "hour"),)

    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    dimension: Mapped[str] = mapped_column(String(32))
    value: Mapped[str | None] = mapped_column(String(200))
    usages_count: Mapped[int] = mapped_column(Integer)


class RollupState(Base):
    """How far a rollup has been built: every hour before ``rolled_until`` is in the rollup table."""

    __tablename__ = "reporting_rollup_states"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    rolled_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
