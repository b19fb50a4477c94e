"""Creating and finding loyalty clubs."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import DEFAULT_OFFER_ACTIVE_SECONDS, LoyaltyClub, Organization
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.services import notify_club_created

SLUG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,98}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        # the staff console's own first path segments beside /console/{club_slug}/...
        "clubs",
        "language",
        "login",
        "logout",
        "organizations",
        "static",
        # and words it may take next, so a club made today keeps working then
        "account",
        "admin",
        "api",
        "assets",
        "help",
        "settings",
        "users",
    }
)
"""Slugs no club may take: ``/console/{slug}`` would be one of the console's own pages (its sign-in, its
scripts...), so such a club's pages could not be opened. ``tests/console/test_reserved_slugs.py`` checks
that every literal first segment of the console's paths is here."""
RESERVED_REASON = "is a path of the staff console (/console/{slug})"


def get_or_create_organization(session: Session, name: str) -> Organization:
    organization = session.execute(select(Organization).where(Organization.name == name)).scalar_one_or_none()
    if organization is None:
        organization = Organization(name=name)
        session.add(organization)
        session.flush()
    return organization


def create_club(
    session: Session,
    *,
    slug: str,
    name: str,
    timezone: str,
    country: str | None = None,
    default_language: str = "en",
    languages: list[str] | None = None,
    chain: str | None = None,
    organization: str | None = None,
    offer_active_seconds: int = DEFAULT_OFFER_ACTIVE_SECONDS,
    community_id: int | None = None,
) -> LoyaltyClub:
    if not SLUG_PATTERN.match(slug):
        raise ValidationFailed.at(("slug",), "invalid_format", format=SLUG_PATTERN.pattern)
    if slug in RESERVED_SLUGS:
        raise ValidationFailed.at(("slug",), "reserved", reason=RESERVED_REASON.format(slug=slug))
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationFailed.at(("timezone",), "invalid_timezone")
    if session.execute(select(LoyaltyClub.id).where(LoyaltyClub.slug == slug)).first():
        raise ValidationFailed.at(("slug",), "taken")
    if offer_active_seconds < 0:
        raise ValidationFailed.at(("offer_active_seconds",), "greater_or_equal_to", number=0)
    if community_id is not None:
        if community_id < 1:
            raise ValidationFailed.at(("community_id",), "greater_than", number=0)
        if club_by_community_id(session, community_id) is not None:
            raise ValidationFailed.at(("community_id",), "taken")
    languages = list(dict.fromkeys([default_language, *(languages or [])]))
    club = LoyaltyClub(
        slug=slug,
        name=name,
        timezone=timezone,
        country=country.upper() if country else None,
        default_language=default_language,
        languages=languages,
        chain=chain,
        organization_id=get_or_create_organization(session, organization).id if organization else None,
        offer_active_seconds=offer_active_seconds,
        community_id=community_id,
    )
    session.add(club)
    session.flush()
    notify_club_created(session, club)
    return club


# Built once: every club-scoped request reads its club by slug, and building the statement and its cache
# key was a good part of that read's own cost.
_CLUB_BY_SLUG = select(LoyaltyClub).where(LoyaltyClub.slug == bindparam("club_slug"))


def club_by_slug(session: Session, slug: str) -> LoyaltyClub | None:
    return session.execute(_CLUB_BY_SLUG, {"club_slug": slug}).scalar_one_or_none()


def set_community_id(session: Session, club: LoyaltyClub, community_id: int | None) -> LoyaltyClub:
    """Set (or clear, with None) the club's vendor community id; 422 when another club has it."""
    if community_id is not None:
        if community_id < 1:
            raise ValidationFailed.at(("community_id",), "greater_than", number=0)
        holder = club_by_community_id(session, community_id)
        if holder is not None and holder.id != club.id:
            raise ValidationFailed.at(("community_id",), "taken")
    club.community_id = community_id
    session.flush()
    return club


def club_by_community_id(session: Session, community_id: int) -> LoyaltyClub | None:
    return session.execute(select(LoyaltyClub).where(LoyaltyClub.community_id == community_id)).scalar_one_or_none()
