"""Request and response bodies of the offers management API (seed ``management-offers-introduction``)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, StrictBool, StrictInt

from loyaltyhub.instants import Instant
from loyaltyhub.offers.fields import (
    EmbeddedImageTemplate,
    LocalizedContent,
    MicroTime,
    ShortText,
    Url,
)
from loyaltyhub.offers.types import OfferStatus, OfferType, Timespan
from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

Id = Annotated[StrictInt, Field(ge=1)]
# Stored in 32-bit INTEGER columns: larger values are a 422, not a database error.
MAX_INT32 = 2**31 - 1
Positive = Annotated[StrictInt, Field(gt=0, le=MAX_INT32)]


class PeriodicUsage(StrictModel):
    """Each key is nullable (seed); a null in either means no periodic limit (member_offers.rules)."""

    timespan: Timespan | None = None
    limit: Positive | None = None


class ReadMore(StrictModel):
    button_title: ShortText | None = None
    url: Url | None = None
    title: ShortText | None = None
    text: Annotated[str, Field(max_length=10_000)] | None = None
    enabled: StrictBool = True


class ActivationTexts(StrictModel):
    modal: Annotated[str, Field(max_length=10_000)] | None = None
    button: ShortText | None = None
    description: Annotated[str, Field(max_length=10_000)] | None = None


class OfferFields(StrictModel):
    """Every writable field of the Offer model. Read-only fields (id, url, files, created_at, updated_at,
    archived_at, uses_count, grants_count) are unknown attributes of a POST; a PATCH may send them back
    unchanged (:class:`OfferUpdate`). ``files`` is read-only in the seed's definition: it lists the offer's
    active uploads (the Files API) and its rendered image, and moves only through them."""

    type: OfferType | None = None
    status: OfferStatus | None = None
    name: LocalizedContent | None = None
    description: LocalizedContent | None = None
    internal_name: ShortText | None = None
    notes: Annotated[str, Field(max_length=10_000)] | None = None
    visible_since: Instant | None = None
    visible_until: Instant | None = None
    usable_since: Instant | None = None
    usable_until: Instant | None = None
    collection_ids: Annotated[list[Id], Field(max_length=100)] | None = None
    store_id: Id | None = None
    audience_id: Id | None = None
    campaign_id: Id | None = None
    external_url: Url | None = None
    maximum_uses_per_user: Positive | None = None
    maximum_grants_per_user: Positive | None = None
    periodic_usage: PeriodicUsage | None = None
    stock: Positive | None = None
    usable_in_seconds_after_granting: Positive | None = None
    usage_authorization_token: Annotated[str, Field(min_length=1, max_length=255)] | None = None
    usage_authorization_token_required: StrictBool | None = None
    external_source: ShortText | None = None
    external_master: ShortText | None = None
    image_template: EmbeddedImageTemplate | None = None
    image_template_id: Id | None = Field(
        default=None,
        description="Write-only convenience: copy this ImageTemplate record into image_template.",
    )
    read_more: ReadMore | None = None
    activation_texts: ActivationTexts | None = None
    extras: dict[str, Any] | None = None
    cms_tag_ids: Annotated[list[Id], Field(max_length=100)] | None = None


class OfferCreate(OfferFields):
    """POST body; absent fields take the seed's defaults."""


class OfferUpdate(OfferFields, UpdateModel):
    """PATCH body; absent fields stay, an explicit ``null`` clears a nullable field."""

    read_only_keys = ReadOnlyKeys(
        fixed=("id", "url", "files", "created_at", "updated_at", "archived_at"),
        live=("uses_count", "grants_count"),
    )


class OfferOut(BaseModel):
    id: int
    type: str
    status: str
    name: dict[str, Any]
    description: dict[str, Any]
    internal_name: str | None
    notes: str | None
    usable_since: MicroTime | None
    usable_until: MicroTime | None
    visible_since: MicroTime | None
    visible_until: MicroTime | None
    collection_ids: list[int]
    store_id: int | None
    audience_id: int | None
    campaign_id: int | None
    url: str
    external_url: str | None
    maximum_uses_per_user: int | None
    maximum_grants_per_user: int | None
    periodic_usage: dict[str, Any] | None
    stock: int | None
    usable_in_seconds_after_granting: int | None
    usage_authorization_token: str | None
    usage_authorization_token_required: bool
    external_source: str | None
    external_master: str | None
    image_template: dict[str, Any] | None
    read_more: dict[str, Any] | None
    activation_texts: dict[str, Any] | None
    extras: dict[str, Any]
    files: list[dict[str, Any]]
    cms_tag_ids: list[int]
    created_at: MicroTime
    updated_at: MicroTime
    archived_at: MicroTime | None
    uses_count: int
    grants_count: int


class OffersPage(BaseModel):
    offers: list[OfferOut]
    pagination_info: PaginationInfo


class OfferGroup(BaseModel):
    value: str | int | None = Field(description="The group's value of the group_by attribute (null: none)")
    offers: list[OfferOut]
    pagination_info: PaginationInfo


class OfferGroups(BaseModel):
    group_by: str
    groups: list[OfferGroup]


class GrantRequest(StrictModel):
    member_ids: Annotated[list[Id], Field(min_length=1, max_length=1000)]


class GrantOut(BaseModel):
    id: int
    offer_id: int
    member_id: int
    granted_at: MicroTime
    usable_until: MicroTime | None = Field(
        description="granted_at + usable_in_seconds_after_granting; null when the offer sets no such limit"
    )


class GrantsOut(BaseModel):
    grants: list[GrantOut]
    grants_count: int
