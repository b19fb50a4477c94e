"""Request and response bodies of the collections API (seed Collection model)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictInt

from loyaltyhub.offers.fields import FileDescriptor, LocalizedContent, MilliTime
from loyaltyhub.offers.types import OfferScope
from loyaltyhub.schemas import NotNull, PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

# ``position`` is a 32-bit INTEGER column.
MAX_POSITION = 2**31 - 1

Id = Annotated[StrictInt, Field(ge=1)]


class CollectionFields(StrictModel):
    """Writable fields; computed ones (offers_count, usable_since...) are unknown attributes of a POST,
    and a PATCH may send them back (:class:`CollectionUpdate`)."""

    scope: OfferScope | None = None
    title: LocalizedContent | None = NotNull()
    description: LocalizedContent | None = NotNull()
    offers_order: Annotated[list[Id], Field(max_length=1000)] | None = NotNull()
    position: Annotated[StrictInt, Field(ge=0, le=MAX_POSITION)] | None = None
    files: Annotated[list[FileDescriptor], Field(max_length=50)] | None = NotNull()


class CollectionCreate(CollectionFields):
    """POST body."""


class CollectionUpdate(CollectionFields, UpdateModel):
    """PATCH body; absent fields stay, ``null`` clears ``scope``."""

    read_only_keys = ReadOnlyKeys(
        fixed=("id", "created_at", "updated_at", "archived_at"),
        # Computed from the collection's offers (and the clock): they move without the collection.
        live=(
            "offers_count",
            "offers_visible_count",
            "offers_uses_count",
            "offers_upcoming_count",
            "visible_since",
            "visible_until",
            "usable_since",
            "usable_until",
        ),
    )


class CollectionOut(BaseModel):
    id: int
    scope: str | None
    title: dict[str, Any]
    description: dict[str, Any]
    offers_order: list[int]
    created_at: MilliTime
    updated_at: MilliTime
    archived_at: MilliTime | None
    position: int
    offers_count: int
    offers_visible_count: int
    offers_uses_count: int
    offers_upcoming_count: int
    visible_since: MilliTime | None
    visible_until: MilliTime | None
    usable_since: MilliTime | None
    usable_until: MilliTime | None
    files: list[dict[str, Any]]


class CollectionsPage(BaseModel):
    collections: list[CollectionOut]
    pagination_info: PaginationInfo


class CollectionsList(BaseModel):
    collections: list[CollectionOut]


class CollectionsOrder(StrictModel):
    """``PUT .../collections/order``: the listed collections take positions 1..n in this order; the
    club's other collections follow, keeping their relative order."""

    collection_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]
