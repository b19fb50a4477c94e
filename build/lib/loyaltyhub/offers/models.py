"""Tables of the offers domain: offers, their stock shards, collection links, grants and image templates.

An offer's uses are counted in ``offer_stock_shards`` (see :mod:`loyaltyhub.offers.stock`), so that uses
of a popular offer do not all queue on the offer's row; ``Offer.uses_count`` is their sum, read with the
offer. ``grants_count`` is a plain column moved by a conditional ``UPDATE`` in the grant path. Clients
never write either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, cast, func, select, text
from sqlalchemy.orm import Mapped, column_property, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime, utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.offers.types import DEFAULT_STATUS, DEFAULT_TYPE


class Offer(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "offers"
    __table_args__ = (
        Index("ix_offers_club_status_type", "loyalty_club_id", "status", "type"),
        Index("ix_offers_club_store", "loyalty_club_id", "store_id"),
        Index("ix_offers_club_campaign", "loyalty_club_id", "campaign_id"),
        Index("ix_offers_club_audience", "loyalty_club_id", "audience_id"),
    )

    type: Mapped[str] = mapped_column(String(32), default=DEFAULT_TYPE, server_default=DEFAULT_TYPE)
    status: Mapped[str] = mapped_column(String(16), default=DEFAULT_STATUS, server_default=DEFAULT_STATUS)
    # LocalizedContent: {"en": "...", "no": "..."}
    name: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    internal_name: Mapped[str | None] = mapped_column(String(255))
    notes: Mapped[str | None] = mapped_column(Text)

    visible_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visible_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    usable_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    usable_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    # The service checks that the store and the audience (a member group) belong to the club; a
    # deleted store or group leaves the offer without one. campaign_id is an id of the external
    # campaign tool (MPC) and is stored as given.
    store_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("stores.id", ondelete="SET NULL"))
    audience_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("member_groups.id", ondelete="SET NULL"))
    campaign_id: Mapped[int | None] = mapped_column(BigIntId)

    external_url: Mapped[str | None] = mapped_column(String(2048))
    maximum_uses_per_user: Mapped[int | None] = mapped_column(Integer)
    maximum_grants_per_user: Mapped[int | None] = mapped_column(Integer)
    # periodic_usage = {"timespan": ..., "limit": ...}, each nullable; null when both columns are null.
    periodic_usage_timespan: Mapped[str | None] = mapped_column(String(8))
    periodic_usage_limit: Mapped[int | None] = mapped_column(Integer)
    stock: Mapped[int | None] = mapped_column(Integer)
    usable_in_seconds_after_granting: Mapped[int | None] = mapped_column(Integer)
    usage_authorization_token: Mapped[str | None] = mapped_column(String(255))
    usage_authorization_token_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    external_source: Mapped[str | None] = mapped_column(String(255))
    external_master: Mapped[str | None] = mapped_column(String(255))

    image_template: Mapped[dict[str, Any] | None] = mapped_column(Json)
    read_more: Mapped[dict[str, Any] | None] = mapped_column(Json)
    activation_texts: Mapped[dict[str, Any] | None] = mapped_column(Json)
    extras: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    files: Mapped[list[Any]] = mapped_column(Json, default=list)
    cms_tag_ids: Mapped[list[Any]] = mapped_column(Json, default=list)

    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    grants_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    @property
    def periodic_usage(self) -> dict[str, Any] | None:
        """``{"timespan", "limit"}`` as stored (either may be null); null when neither is set."""
        if self.periodic_usage_timespan is None and self.periodic_usage_limit is None:
            return None
        return {"timespan": self.periodic_usage_timespan, "limit": self.periodic_usage_limit}

    @property
    def url(self) -> str:
        """Address of the offer's page on the club's website (read-only, derived from the id)."""
        return f"promotions/{self.id}"


class OfferStockShard(IdMixin, TenantMixin, Base):
    """One shard of an offer's use counter: ``uses_count`` uses recorded here, at most ``allowance``
    (null: no stock, no limit). The allowances of an offer's shards add up to its stock."""

    __tablename__ = "offer_stock_shards"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "offer_id", "shard"),)

    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"))
    shard: Mapped[int] = mapped_column(Integer)
    uses_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    allowance: Mapped[int | None] = mapped_column(Integer)


def uses_of_offer(offer_id: Any, club_id: Any) -> Any:
    """SQL: the uses of the offer (the sum of its shards; 0 before its first use)."""
    shards = OfferStockShard.__table__
    return (
        select(func.coalesce(func.sum(shards.c.uses_count), 0))
        .where(in_club(shards, club_id), shards.c.offer_id == offer_id)
        .scalar_subquery()
    )


Offer.uses_count = column_property(uses_of_offer(Offer.id, Offer.loyalty_club_id))


class Collection(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "collections"
    __table_args__ = (Index("ix_collections_club_position", "loyalty_club_id", "position"),)

    # When set, the collection is destined for offers of that scope (see offers.types.TYPE_SCOPES).
    scope: Mapped[str | None] = mapped_column(String(32))
    title: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    description: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    offers_order: Mapped[list[Any]] = mapped_column(Json, default=list)
    position: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    files: Mapped[list[Any]] = mapped_column(Json, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class OfferCollection(IdMixin, TenantMixin, Base):
    """Link: the offer belongs to the collection (``Offer.collection_ids``)."""

    __tablename__ = "offer_collections"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "offer_id", "collection_id"),)

    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    collection_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("collections.id", ondelete="CASCADE"), index=True)


def collection_ids_of(offer_id: Any, club_id: Any) -> Any:
    """SQL: the ids of the offer's collections as one comma-separated string (null when it has none);
    :func:`parse_id_list` reads it. A string aggregate has the same name on every database we run on."""
    links = OfferCollection.__table__
    return (
        select(func.aggregate_strings(cast(links.c.collection_id, String), ","))
        .where(in_club(links, club_id), links.c.offer_id == offer_id)
        .scalar_subquery()
    )


def parse_id_list(joined: str | None) -> list[int]:
    """The ids of a :func:`collection_ids_of` string, ascending."""
    return sorted(int(part) for part in joined.split(",")) if joined else []


class OfferGrant(IdMixin, TenantMixin, Base):
    """One row per grant of an offer to a member (a member may hold several, up to the offer's
    ``maximum_grants_per_user``). ``granted_at`` starts ``usable_in_seconds_after_granting``."""

    __tablename__ = "offer_grants"
    __table_args__ = (Index("ix_offer_grants_club_member_offer", "loyalty_club_id", "member_id", "offer_id"),)

    offer_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImageTemplate(IdMixin, TenantMixin, TimestampMixin, Base):
    """A reusable image template record (reference C.8); an offer copies it into ``image_template``."""

    __tablename__ = "offer_image_templates"

    name: Mapped[str] = mapped_column(String(255))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    background_url: Mapped[str | None] = mapped_column(String(2048))
    is_default: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    rectangles: Mapped[list[Any]] = mapped_column(Json, default=list)
