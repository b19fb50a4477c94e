"""Reads of the member offers routes that are not about one member's view (see :mod:`.state` for that)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, bindparam, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.member_offers.models import OfferUsage
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.repository import club_and_member_select
from loyaltyhub.offers.models import Offer, collection_ids_of

_CLUB_MEMBER_AND_OFFER = club_and_member_select(Offer, collection_ids_of(Offer.id, Offer.loyalty_club_id)).outerjoin(
    Offer, and_(in_club(Offer, LoyaltyClub.id), Offer.id == bindparam("offer_key"))
)


def club_member_and_offer(
    session: Session, slug: str, member_id: int | None, offer_id: int
) -> tuple[LoyaltyClub | None, Any, Offer | None, Any]:
    """The club of ``slug``, its live member ``member_id`` (None for none), its offer ``offer_id`` and the
    offer's collection ids: what a route acting on one offer needs, in one query (the use of an offer is
    the hottest request of the product)."""
    row = session.execute(
        _CLUB_MEMBER_AND_OFFER, {"slug_key": slug, "member_key": member_id, "offer_key": offer_id}
    ).first()
    return (row[0], row[1], row[2], row[3]) if row is not None else (None, None, None, None)


def member_uses(session: Session, club_id: int, member_id: int, limit: int = 20) -> list[tuple[Any, Offer]]:
    """A member's latest offer uses with their offers (the staff console's member profile)."""
    rows = session.execute(
        select(OfferUsage, Offer)
        .join(Offer, (Offer.id == OfferUsage.offer_id) & in_club(Offer, club_id))
        .where(in_club(OfferUsage, club_id), OfferUsage.member_id == member_id)
        .order_by(OfferUsage.used_at.desc(), OfferUsage.id.desc())
        .limit(limit)
    )
    return [(use, offer) for use, offer in rows]


def unknown_groups(session: Session, club_id: int, group_ids: list[int]) -> list[int]:
    """The ids of ``group_ids`` that are not member groups of the club."""
    if not group_ids:
        return []
    found = set(
        session.execute(
            select(MemberGroup.id).where(in_club(MemberGroup, club_id), MemberGroup.id.in_(sorted(set(group_ids))))
        ).scalars()
    )
    return [group_id for group_id in group_ids if group_id not in found]
