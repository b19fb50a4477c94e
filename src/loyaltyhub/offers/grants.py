"""Granting offers to members: all-or-nothing, honouring ``maximum_grants_per_user``; and the system's
grant of welcome offers at sign-up (:func:`grant_welcome_offers`, the hook of the Triggerer's built-in
``welcome_offers`` rule, judged in the sign-up's transaction).

The offer row is locked first (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite write transactions
are serialized), so two concurrent grants cannot both pass the limit check. ``grants_count`` moves
with a SQL increment in the same transaction as the grant rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity
from loyaltyhub.members.models import Member
from loyaltyhub.offers import validation
from loyaltyhub.offers.models import Offer, OfferGrant
from loyaltyhub.services import ResourceChange, notify_changes

WELCOME = "welcome"


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
    _add_to_grants_count(session, club_id, offer.id, len(grants))
    session.flush()
    session.refresh(offer)
    _notify(session, club_id, grants)
    return grants


def _notify(session: Session, club_id: int, grants: list[OfferGrant]) -> None:
    # Together: the listeners write a grant batch's events and webhooks in one statement each.
    changes = [
        ResourceChange(
            "offer_grant",
            "created",
            club_id,
            grant.id,
            grant.granted_at,
            {
                "id": grant.id,
                "offer_id": grant.offer_id,
                "member_id": grant.member_id,
                "granted_at": grant.granted_at.isoformat(),
            },
            member_id=grant.member_id,
        )
        for grant in grants
    ]
    notify_changes(session, changes)


def _add_to_grants_count(session: Session, club_id: int, offer_id: int, count: int) -> None:
    session.execute(
        update(Offer)
        .where(Offer.id == offer_id, in_club(Offer, club_id))
        # Granting is not an edit of the offer: keep updated_at (the column's onupdate would move it).
        .values(grants_count=Offer.grants_count + count, updated_at=Offer.updated_at)
        .execution_options(synchronize_session=False)
    )


# --- welcome offers: granted by the system on sign-up ----------------------------------------------


def grant_welcome_offers(
    session: Session, club_id: int, member_id: int, group_ids: Iterable[int] = (), now: datetime | None = None
) -> list[OfferGrant]:
    """Grant the club's live welcome offers to a member who has just signed up (seed: a welcome offer is
    "like exclusive, but granted to member by system on sign up").

    Live: published, not archived and within its visible window at ``now``. An offer with an audience is
    granted only to a member of that group (``group_ids``). A welcome offer is a one-off gift: a member
    who already holds a grant of it gets no other, and never one beyond ``maximum_grants_per_user``.
    Skipped offers are not an error: the sign-up goes on. The offers are locked in id order (as a grant
    locks its offer), so the limit holds against a concurrent grant. Each grant is a resource change like
    any other (the ``offer_grant.created`` webhook, the ``offer_granted`` member event).
    """
    now = now or utcnow()
    offers = (
        session.execute(
            select(Offer)
            .where(
                in_club(Offer, club_id),
                Offer.type == WELCOME,
                Offer.status == "published",
                Offer.archived_at.is_(None),
                or_(Offer.visible_since.is_(None), Offer.visible_since <= now),
                or_(Offer.visible_until.is_(None), Offer.visible_until >= now),
            )
            .order_by(Offer.id)
            .with_for_update()
        )
        .scalars()
        .all()
    )
    if not offers:
        return []
    held = dict(
        session.execute(
            select(OfferGrant.offer_id, func.count())
            .where(
                in_club(OfferGrant, club_id),
                OfferGrant.member_id == member_id,
                OfferGrant.offer_id.in_([offer.id for offer in offers]),
            )
            .group_by(OfferGrant.offer_id)
        ).all()
    )
    groups = set(group_ids)
    grants = [
        OfferGrant(loyalty_club_id=club_id, offer_id=offer.id, member_id=member_id, granted_at=now)
        for offer in offers
        if welcome_grant_due(offer, groups, held.get(offer.id, 0))
    ]
    session.add_all(grants)
    for grant in grants:
        _add_to_grants_count(session, club_id, grant.offer_id, 1)
    session.flush()
    _notify(session, club_id, grants)
    return grants


def welcome_grant_due(offer: Offer, group_ids: set[int], held: int) -> bool:
    """Whether a member in ``group_ids`` holding ``held`` grants of the live welcome offer gets one."""
    if offer.audience_id is not None and offer.audience_id not in group_ids:
        return False
    allowed = 1 if offer.maximum_grants_per_user is None else min(1, offer.maximum_grants_per_user)
    return held < allowed


def member_grants(session: Session, club_id: int, member_id: int, limit: int = 20) -> list[tuple[OfferGrant, Offer]]:
    """A member's latest grants with their offers (the staff console's member profile)."""
    rows = session.execute(
        select(OfferGrant, Offer)
        .join(Offer, (Offer.id == OfferGrant.offer_id) & in_club(Offer, club_id))
        .where(in_club(OfferGrant, club_id), OfferGrant.member_id == member_id)
        .order_by(OfferGrant.granted_at.desc(), OfferGrant.id.desc())
        .limit(limit)
    )
    return [(grant, offer) for grant, offer in rows]
