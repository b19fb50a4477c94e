"""Granting offers to members: all-or-nothing, honouring ``maximum_grants_per_user``.

The offer row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions
are serialized), so two concurrent grants cannot both pass the limit check. ``grants_count`` moves
with a SQL increment in the same transaction as the grant rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity
from loyaltyhub.members.models import Member
from loyaltyhub.offers import validation
from loyaltyhub.offers.models import Offer, OfferGrant


def grant_usable_until(offer: Offer, grant: OfferGrant) -> datetime | None:
    """End of the grant's usable time: ``granted_at + usable_in_seconds_after_granting`` (or none)."""
    if offer.usable_in_seconds_after_granting is None:
        return None
    return grant.granted_at + timedelta(seconds=offer.usable_in_seconds_after_granting)


def lock_offer(session: Session, club_id: int, offer_id: int) -> Offer:
    offer = session.execute(
        select(Offer)
        .where(in_club(Offer, club_id), Offer.id == offer_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if offer is None:
        raise NotFound(f"Offer#{offer_id} not found")
    return offer


def grant_offer(
    session: Session, club_id: int, offer_id: int, member_ids: Sequence[int], now: datetime | None = None
) -> list[OfferGrant]:
    """Grant the offer once to each listed member (a member listed twice gets two grants).

    Refused as a whole (422, nothing written) when the offer is archived, a member is not an active
    member of the club, or a member would exceed ``maximum_grants_per_user``.
    """
    offer = lock_offer(session, club_id, offer_id)
    if offer.archived_at is not None:
        raise UnprocessableEntity("Offer is archived")
    errors: validation.ErrorList = []
    wanted = set(member_ids)
    active = set(
        session.execute(
            select(Member.id).where(in_club(Member, club_id), Member.id.in_(wanted), Member.deleted_at.is_(None))
        ).scalars()
    )
    for index, member_id in enumerate(member_ids):
        if member_id not in active:
            errors.append((("member_ids", index), "does_not_exist", {}))
    if offer.maximum_grants_per_user is not None:
        held = Counter(
            dict(
                session.execute(
                    select(OfferGrant.member_id, func.count())
                    .where(
                        in_club(OfferGrant, club_id),
                        OfferGrant.offer_id == offer.id,
                        OfferGrant.member_id.in_(wanted),
                    )
                    .group_by(OfferGrant.member_id)
                ).all()
            )
        )
        for index, member_id in enumerate(member_ids):
            held[member_id] += 1
            if held[member_id] > offer.maximum_grants_per_user and member_id in active:
                errors.append(
                    (("member_ids", index), "grants_limit_exceeded", {"count": offer.maximum_grants_per_user})
                )
    validation.raise_if(errors)
    granted_at = now or utcnow()
    grants = [
        OfferGrant(loyalty_club_id=club_id, offer_id=offer.id, member_id=member_id, granted_at=granted_at)
        for member_id in member_ids
    ]
    session.add_all(grants)
    session.execute(
        update(Offer)
        .where(Offer.id == offer.id, in_club(Offer, club_id))
        # Granting is not an edit of the offer: keep updated_at (the column's onupdate would move it).
        .values(grants_count=Offer.grants_count + len(grants), updated_at=Offer.updated_at)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    session.refresh(offer)
    return grants
