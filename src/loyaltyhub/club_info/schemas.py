from __future__ import annotations

from pydantic import BaseModel

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.schemas import PaginationInfo


class LoyaltyClubOut(BaseModel):
    """The Loyalty Club model of reference (e).3, plus the club's languages. ``customer_id`` is the
    club's organization; ``community_id`` and ``short_slug`` have no counterpart here (null)."""

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
            community_id=None,
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


class LoyaltyClubsPage(BaseModel):
    loyalty_clubs: list[LoyaltyClubOut]
    pagination_info: PaginationInfo
