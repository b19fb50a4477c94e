from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, StrictBool, StrictInt, StringConstraints

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel


class LoyaltyClubOut(BaseModel):
    """The Loyalty Club model of reference (e).3, plus the club's languages. ``customer_id`` is the
    club's organization; ``community_id`` the vendor community staff set on the club (null until then);
    ``short_slug`` has no counterpart here (null)."""

    id: int
    community_id: int | None
    customer_id: int | None
    main_slug: str
    short_slug: str | None
    other_slugs: list[str]
    name: str
    country: str | None
    timezone: str
    member_identifiers: list[str]
    new_offers_api_enabled: bool
    default_language: str
    languages: list[str]

    @classmethod
    def of(cls, club: LoyaltyClub) -> LoyaltyClubOut:
        return cls(
            id=club.id,
            community_id=club.community_id,
            customer_id=club.organization_id,
            main_slug=club.slug,
            short_slug=None,
            other_slugs=[],
            name=club.name,
            country=club.country,
            timezone=club.timezone,
            member_identifiers=["msisdn", "email"],
            new_offers_api_enabled=True,
            default_language=club.default_language,
            languages=list(club.languages or [club.default_language]),
        )


class ProductOut(BaseModel):
    """A product (channel, source) of List Products (reference (e).3)."""

    name: str
    slug: str
    filtered_member_properties: list[str]
    subproducts: list[str]
    is_webform: bool


class LoyaltyClubsPage(BaseModel):
    loyalty_clubs: list[LoyaltyClubOut]
    pagination_info: PaginationInfo


# --- Legal information (docs/decisions/club_info.md) ------------------------------------------------
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000, pattern=r"^https?://")]
Html = Annotated[str, StringConstraints(max_length=200_000)]
LEGAL_KEYS = (
    "company_name",
    "organization_number",
    "address",
    "contact_email",
    "contact_phone",
    "terms_url",
    "privacy_policy_url",
    "terms",
    "privacy_policy",
)


class LegalInformationBody(StrictModel):
    """Set Legal Information: the whole document (keys left out are cleared)."""

    company_name: Line | None = None
    organization_number: Line | None = None
    address: Line | None = None
    contact_email: Line | None = None
    contact_phone: Line | None = None
    terms_url: Url | None = None
    privacy_policy_url: Url | None = None
    terms: Html | None = None
    privacy_policy: Html | None = None


class LegalInformationOut(BaseModel):
    company_name: str | None = None
    organization_number: str | None = None
    address: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None
    terms_url: str | None = None
    privacy_policy_url: str | None = None
    terms: str | None = None
    privacy_policy: str | None = None
    updated_at: datetime | None = None


# --- Translations (reference (e).3 "List translations") ----------------------------------------------
Texts = dict[
    Annotated[str, StringConstraints(min_length=1, max_length=200)], Annotated[str, StringConstraints(max_length=5000)]
]


class TranslationsBody(StrictModel):
    """Set Translations of one language: the whole set (keys left out are cleared)."""

    member_properties: Texts = {}
    consents: Texts = {}
    tags: Texts = {}
    terms: Html | None = None


class TranslationsOut(BaseModel):
    """The List Translations (v3) body: ``terms`` is left out when the club has none (optional there)."""

    member_properties: dict[str, Any]
    consents: dict[str, Any]
    tags: dict[str, Any]
    terms: str | None = None


# --- Programs ----------------------------------------------------------------------------------------
Slug = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=r"^[a-z0-9_-]+$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=20_000)]
Localized = dict[
    Annotated[str, StringConstraints(min_length=2, max_length=16)],
    dict[
        Annotated[str, StringConstraints(min_length=1, max_length=40)],
        Annotated[str, StringConstraints(max_length=20_000)],
    ],
]


class ProgramCreate(StrictModel):
    slug: Slug
    name: Name
    description: Description | None = None
    url: Url | None = None
    image_url: Url | None = None
    translations: Localized = {}
    active: StrictBool = True
    position: StrictInt = 0


class ProgramUpdate(UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "updated_at"))

    slug: Slug | None = None
    name: Name | None = None
    description: Description | None = None
    url: Url | None = None
    image_url: Url | None = None
    translations: Localized | None = None
    active: StrictBool | None = None
    position: StrictInt | None = None


class ProgramOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    slug: str
    name: str
    description: str | None
    url: str | None
    image_url: str | None
    translations: dict[str, Any]
    active: bool
    position: int
    created_at: datetime
    updated_at: datetime


class ProgramsPage(BaseModel):
    programs: list[ProgramOut]
    pagination_info: PaginationInfo
