"""Request bodies and the documented response shapes of the member offers API (reference C.1-C.3)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, StrictModel


class UseOfferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    authorization_token: str | None = Field(
        default=None, max_length=255, description="The store's code proving the member's presence"
    )


class UsagePeriod(BaseModel):
    timespan: str
    limit: int
    uses_left: int
    started_at: str
    ends_at: str


class OfferUsageOut(BaseModel):
    usable: bool
    max_uses: int | None
    uses_left: int | None
    active_until: str | None
    period: UsagePeriod | None


class ImageOut(BaseModel):
    url: str


class DisplayOut(BaseModel):
    read_more: dict[str, Any] | None
    activation_texts: dict[str, Any] | None


class PublicOfferOut(BaseModel):
    id: int
    name: str | None
    description: str | None
    type: str = Field(description="Offer type in UPPERCASE, e.g. REGULAR")
    external_url: str | None
    usable_since: str | None
    usable_until: str | None
    usage_authorization_token_required: bool
    collection_ids: list[int]
    stores: list[str]
    images: list[ImageOut]
    display: DisplayOut
    liked: bool
    usage: OfferUsageOut
    extras: dict[str, Any]


class OffersListOut(BaseModel):
    offers: list[PublicOfferOut]
    pagination_info: PaginationInfo | None = None


class OfferOut(BaseModel):
    offer: PublicOfferOut


class UseOut(BaseModel):
    usage: OfferUsageOut


class CollectionCounts(BaseModel):
    id: int
    offers_count: int
    usable_count: int
    liked_count: int


class MetaCounts(BaseModel):
    offers_count: int
    usable_count: int
    liked_count: int
    active_count: int
    collections: list[CollectionCounts]


class MetaOut(BaseModel):
    meta: MetaCounts


class LegacyOfferEvent(StrictModel):
    """OfferEvent (reference (d).2). ``context`` is read and not kept: loyaltyhub records the offer's own
    collections with each event."""

    offer_id: Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
    created_at: AwareDatetime | None = None
    context: dict[str, Any] | None = None


class LegacyOfferEvents(StrictModel):
    events: Annotated[list[LegacyOfferEvent], Field(min_length=1, max_length=100)]


# --- Encoded offer codes (docs/decisions/offers.md) ------------------------------------------------------
class EncodedOfferOut(BaseModel):
    """Encode Offer: the code to show at the till (as text or as a QR code of the same text)."""

    code: str
    offer_id: int
    active_until: str
    expires_at: str


class ValidateOfferCodeBody(StrictModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=400)]


class ValidatedOffer(BaseModel):
    id: int
    name: str | None
    type: str


class OfferCodeValidatedOut(BaseModel):
    """Validate Offer Code: the code was good and is now spent."""

    valid: bool
    offer: ValidatedOffer
    member_id: int
    active_until: str
    validated_at: str
