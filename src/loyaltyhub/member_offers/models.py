"""Tables of the member_offers domain.

* ``member_offer_counters``: one row per (member, offer) the member has tried to use; locked for the
  duration of a use (``SELECT ... FOR UPDATE``) so per-member limits hold under concurrency.
* ``offer_usages``: one row per successful use, with the reporting snapshot of SPEC §5 taken at the
  time of use (read by the ``offers_usages_*`` reports).
* ``offer_use_refusals``: every refused use attempt with its reason (support, reports).
* ``offer_likes``: the member's current likes; ``offer_events``: seen / clicked / liked / unliked
  events with the same snapshot (read by the ``offers_events_*`` reports).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, UTCDateTime, utcnow

EVENT_KINDS = ("seen", "clicked", "liked", "unliked")
AUTHORIZATION_TYPE_TOKEN = "token"


class MemberOfferCounter(IdMixin, TenantMixin, Base):
    __tablename__ = "member_offer_counters"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "member_id", "offer_id"),)

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    uses_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Start (UTC) of the periodic_usage period that period_uses counts; another start = a new period.
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    period_uses: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class _Snapshot:
    """What reports need about the offer and the member at the time of the event (SPEC §5)."""

    offer_type: Mapped[str] = mapped_column(String(32))
    store_id: Mapped[int | None] = mapped_column(BigIntId)
    collection_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    member_gender: Mapped[str | None] = mapped_column(String(32))
    member_age: Mapped[str | None] = mapped_column(String(8))
    member_place_id: Mapped[str | None] = mapped_column(String(32))
    member_city_place_id: Mapped[str | None] = mapped_column(String(32))
    product_name: Mapped[str | None] = mapped_column(String(100))


class OfferUsage(_Snapshot, IdMixin, TenantMixin, Base):
    __tablename__ = "offer_usages"
    __table_args__ = (
        Index("ix_offer_usages_club_used_at", "loyalty_club_id", "used_at"),
        Index("ix_offer_usages_club_offer", "loyalty_club_id", "offer_id"),
        Index("ix_offer_usages_club_member", "loyalty_club_id", "member_id"),
    )

    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    used_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    authorized: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    authorization_type: Mapped[str | None] = mapped_column(String(32))


class OfferUseRefusal(IdMixin, TenantMixin, Base):
    """A refused use attempt. ``offer_id`` is kept without a foreign key: attempts on offers that are
    unpublished or later deleted still belong to the support trail."""

    __tablename__ = "offer_use_refusals"
    __table_args__ = (Index("ix_offer_use_refusals_club_attempted_at", "loyalty_club_id", "attempted_at"),)

    offer_id: Mapped[int] = mapped_column(BigIntId, index=True)
    member_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reason: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    message: Mapped[str] = mapped_column(String(200))
    product_name: Mapped[str | None] = mapped_column(String(100))


class OfferLike(IdMixin, TenantMixin, Base):
    __tablename__ = "offer_likes"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "member_id", "offer_id"),)

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferEvent(_Snapshot, IdMixin, TenantMixin, Base):
    """``kind``: seen, clicked, liked, unliked. ``member_id`` is null for a guest."""

    __tablename__ = "offer_events"
    __table_args__ = (
        Index("ix_offer_events_club_occurred_at", "loyalty_club_id", "occurred_at"),
        Index("ix_offer_events_club_offer", "loyalty_club_id", "offer_id"),
    )

    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"))
    member_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OfferCodeValidation(IdMixin, TenantMixin, Base):
    """A store's validation of an encoded offer code (Encode Offer; docs/decisions/offers.md): one row per
    code, so a code is accepted once (the unique ``nonce``) and the store's checks leave a trail."""

    __tablename__ = "offer_code_validations"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "nonce"),)

    nonce: Mapped[str] = mapped_column(String(32))
    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"), index=True)
    validated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    product_name: Mapped[str | None] = mapped_column(String(100))
