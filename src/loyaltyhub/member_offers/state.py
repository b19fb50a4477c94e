"""Loading what the rules need from the database: offer terms, the member's standing and counters.

Each loader is one query whatever the number of offers, so the list costs a bounded number of
queries (a test counts them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.member_offers.models import MemberOfferCounter, OfferLike
from loyaltyhub.member_offers.rules import ClubClock, MemberStanding, OfferTerms, PeriodicUsage, UsageState
from loyaltyhub.members.models import Member, MemberGroupMembership
from loyaltyhub.offers.models import Offer, OfferCollection, OfferGrant

# The offer columns the rules read; selected as plain rows for lists (no ORM objects).
TERM_COLUMNS = (
    Offer.id,
    Offer.type,
    Offer.status,
    Offer.archived_at,
    Offer.visible_since,
    Offer.visible_until,
    Offer.usable_since,
    Offer.usable_until,
    Offer.audience_id,
    Offer.maximum_uses_per_user,
    Offer.periodic_usage_timespan,
    Offer.periodic_usage_limit,
    Offer.stock,
    Offer.uses_count,
    Offer.usable_in_seconds_after_granting,
    Offer.usage_authorization_token,
    Offer.usage_authorization_token_required,
)


def terms_from(row: Any) -> OfferTerms:
    """``OfferTerms`` from an ``Offer`` or a row carrying :data:`TERM_COLUMNS`."""
    periodic = None
    if row.periodic_usage_timespan is not None and row.periodic_usage_limit is not None:
        periodic = PeriodicUsage(row.periodic_usage_timespan, row.periodic_usage_limit)
    return OfferTerms(
        id=row.id,
        type=row.type,
        status=row.status,
        archived=row.archived_at is not None,
        visible_since=row.visible_since,
        visible_until=row.visible_until,
        usable_since=row.usable_since,
        usable_until=row.usable_until,
        audience_id=row.audience_id,
        maximum_uses_per_user=row.maximum_uses_per_user,
        periodic_usage=periodic,
        stock=row.stock,
        uses_count=row.uses_count or 0,
        usable_in_seconds_after_granting=row.usable_in_seconds_after_granting,
        usage_authorization_token=row.usage_authorization_token,
        usage_authorization_token_required=bool(row.usage_authorization_token_required),
    )


def club_clock(club: LoyaltyClub, now: datetime) -> ClubClock:
    return ClubClock(now=now, tz=ZoneInfo(club.timezone), offer_active_seconds=club.offer_active_seconds)


def counter_state(counter: MemberOfferCounter | Any | None) -> UsageState:
    if counter is None:
        return UsageState()
    return UsageState(
        uses_count=counter.uses_count,
        last_used_at=counter.last_used_at,
        active_until=counter.active_until,
        period_start=counter.period_start,
        period_uses=counter.period_uses,
    )


def group_ids(session: Session, member: Member) -> frozenset[int]:
    rows = session.execute(
        select(MemberGroupMembership.group_id).where(
            MemberGroupMembership.loyalty_club_id == member.loyalty_club_id,
            MemberGroupMembership.member_id == member.id,
        )
    ).scalars()
    return frozenset(rows)


def latest_grants(session: Session, member: Member, offer_ids: Iterable[int] | None = None) -> dict[int, datetime]:
    """``{offer_id: latest granted_at}``: a new grant restarts ``usable_in_seconds_after_granting``."""
    statement = select(OfferGrant.offer_id, OfferGrant.granted_at).where(
        OfferGrant.loyalty_club_id == member.loyalty_club_id, OfferGrant.member_id == member.id
    )
    if offer_ids is not None:
        statement = statement.where(OfferGrant.offer_id.in_(list(offer_ids)))
    latest: dict[int, datetime] = {}
    for offer_id, granted_at in session.execute(statement):
        if offer_id not in latest or granted_at > latest[offer_id]:
            latest[offer_id] = granted_at
    return latest


@dataclass
class MemberView:
    """Everything about one member that the offers list needs, loaded once per request."""

    member: Member | None
    group_ids: frozenset[int] = frozenset()
    grants: dict[int, datetime] = field(default_factory=dict)
    counters: dict[int, UsageState] = field(default_factory=dict)
    likes: frozenset[int] = frozenset()

    def standing(self, offer_id: int) -> MemberStanding | None:
        if self.member is None:
            return None
        return MemberStanding(
            banned_until=self.member.banned_until, group_ids=self.group_ids, granted_at=self.grants.get(offer_id)
        )

    def state(self, offer_id: int) -> UsageState:
        return self.counters.get(offer_id, UsageState())


def member_view(session: Session, member: Member | None, offer_ids: Iterable[int] | None = None) -> MemberView:
    """Groups, grants, counters and likes of ``member`` (for ``offer_ids``, or all): four queries."""
    if member is None:
        return MemberView(member=None)
    ids = None if offer_ids is None else list(offer_ids)
    counters_q = select(MemberOfferCounter).where(
        MemberOfferCounter.loyalty_club_id == member.loyalty_club_id, MemberOfferCounter.member_id == member.id
    )
    likes_q = select(OfferLike.offer_id).where(
        OfferLike.loyalty_club_id == member.loyalty_club_id, OfferLike.member_id == member.id
    )
    if ids is not None:
        counters_q = counters_q.where(MemberOfferCounter.offer_id.in_(ids))
        likes_q = likes_q.where(OfferLike.offer_id.in_(ids))
    return MemberView(
        member=member,
        group_ids=group_ids(session, member),
        grants=latest_grants(session, member, ids),
        counters={c.offer_id: counter_state(c) for c in session.execute(counters_q).scalars()},
        likes=frozenset(session.execute(likes_q).scalars()),
    )


def collection_links(session: Session, club_id: int, offer_ids: Iterable[int]) -> dict[int, list[int]]:
    """``{offer_id: [collection ids]}`` in one query."""
    ids = list(offer_ids)
    links: dict[int, list[int]] = {offer_id: [] for offer_id in ids}
    if not ids:
        return links
    rows = session.execute(
        select(OfferCollection.offer_id, OfferCollection.collection_id)
        .where(OfferCollection.loyalty_club_id == club_id, OfferCollection.offer_id.in_(ids))
        .order_by(OfferCollection.offer_id, OfferCollection.collection_id)
    )
    for offer_id, collection_id in rows:
        links[offer_id].append(collection_id)
    return links
