"""Demo step of the member_offers domain: ``days`` of offer uses, refusals, likes and events.

Deterministic from ``context.rng``. Offers, grants, audiences and members are read from the database
(so the step works whatever the earlier steps created). Traffic follows the club's wall clock:
more on Fridays and Saturdays, little on Sundays, peaks at lunch and after work. Every attempted use
is judged by :func:`rules.check_use` at its own time, so limits, active windows, periodic limits,
stock and grants hold in the demo data exactly as they would through the API; refused attempts are
stored with their reason. Counters (``member_offer_counters``, ``offers.uses_count``) end up
consistent with the usage rows. Everything is bulk-inserted.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.member_offers.models import (
    AUTHORIZATION_TYPE_TOKEN,
    MemberOfferCounter,
    OfferEvent,
    OfferLike,
    OfferUsage,
    OfferUseRefusal,
)
from loyaltyhub.member_offers.rules import (
    ClubClock,
    MemberStanding,
    OfferTerms,
    UsageState,
    after_use,
    check_use,
    is_visible,
)
from loyaltyhub.member_offers.state import terms_from
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.offers import stock
from loyaltyhub.offers.models import Offer, OfferCollection, OfferGrant
from loyaltyhub.offers.types import TYPE_SCOPES, types_of_scope

if TYPE_CHECKING:
    from loyaltyhub.demo import DemoContext

# Relative traffic per weekday (Monday first) and per local hour.
WEEKDAY_WEIGHTS = (0.8, 0.85, 0.9, 1.0, 1.25, 1.5, 0.6)
WEEKDAY_HOURS = {9: 1, 10: 2, 11: 4, 12: 8, 13: 7, 14: 4, 15: 5, 16: 7, 17: 9, 18: 8, 19: 5, 20: 3, 21: 1}
WEEKEND_HOURS = {10: 3, 11: 6, 12: 8, 13: 9, 14: 9, 15: 8, 16: 6, 17: 4, 18: 2, 19: 1}
USES_PER_MEMBER_PER_DAY = 0.03
SEEN_PER_USE = 8
CLICKS_PER_USE = 2
PRODUCTS = ("android-app", "ios-app", "website")


@dataclass
class _Member:
    id: int
    created_at: datetime
    snapshot: dict[str, Any]
    groups: frozenset[int]


@dataclass
class _Offer:
    terms: OfferTerms
    scope_types: frozenset[str]
    snapshot: dict[str, Any]
    weight: float
    archived_at: datetime | None
    grants: dict[int, datetime]


def load(session: Session, context: DemoContext) -> None:
    for club in context.clubs.values():
        _Club(session, club, context).generate()


class _Club:
    def __init__(self, session: Session, club: LoyaltyClub, context: DemoContext) -> None:
        self.session, self.club, self.context = session, club, context
        self.rng: random.Random = context.rng
        self.tz = ZoneInfo(club.timezone)
        self.members = self._members()
        self.by_id = {m.id: m for m in self.members}
        self.audiences: dict[int, list[_Member]] = {}
        for member in self.members:
            for group_id in member.groups:
                self.audiences.setdefault(group_id, []).append(member)
        self.offers = self._offers()
        self.states: dict[tuple[int, int], UsageState] = {}
        self.usages: list[dict[str, Any]] = []
        self.refusals: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.likes: dict[tuple[int, int], datetime] = {}

    def _members(self) -> list[_Member]:
        groups: dict[int, set[int]] = {}
        memberships = select(MemberGroupMembership.member_id, MemberGroupMembership.group_id).where(
            in_club(MemberGroupMembership, self.club.id)
        )
        for member_id, group_id in self.session.execute(memberships):
            groups.setdefault(member_id, set()).add(group_id)
        rows = self.session.execute(
            select(Member.id, Member.created_at, Member.gender, Member.age, Member.place_id, Member.city_place_id)
            .where(in_club(Member, self.club.id), Member.deleted_at.is_(None))
            .where((Member.banned_until.is_(None)) | (Member.banned_until < self.context.now))
            .order_by(Member.id)
        )
        members = [
            _Member(
                id=row.id,
                created_at=row.created_at,
                snapshot={
                    "member_gender": row.gender,
                    "member_age": row.age,
                    "member_place_id": row.place_id,
                    "member_city_place_id": row.city_place_id,
                },
                groups=frozenset(groups.get(row.id, ())),
            )
            for row in rows
        ]
        self.rng.shuffle(members)  # a few members use the app far more than the rest: the first ones
        return members

    def _offers(self) -> list[_Offer]:
        links: dict[int, list[int]] = {}
        for offer_id, collection_id in self.session.execute(
            select(OfferCollection.offer_id, OfferCollection.collection_id)
            .where(in_club(OfferCollection, self.club.id))
            .order_by(OfferCollection.offer_id, OfferCollection.collection_id)
        ):
            links.setdefault(offer_id, []).append(collection_id)
        grants: dict[int, dict[int, datetime]] = {}
        for offer_id, member_id, granted_at in self.session.execute(
            select(OfferGrant.offer_id, OfferGrant.member_id, OfferGrant.granted_at).where(
                in_club(OfferGrant, self.club.id)
            )
        ):
            previous = grants.setdefault(offer_id, {}).get(member_id)
            if previous is None or granted_at > previous:
                grants[offer_id][member_id] = granted_at
        offers = []
        for offer in self.session.execute(
            select(Offer).where(in_club(Offer, self.club.id), Offer.status == "published").order_by(Offer.id)
        ).scalars():
            offers.append(
                _Offer(
                    terms=replace(terms_from(offer), archived=False),
                    scope_types=frozenset(types_of_scope(TYPE_SCOPES[offer.type])),
                    snapshot={
                        "offer_type": offer.type,
                        "store_id": offer.store_id,
                        "collection_ids": links.get(offer.id, []),
                    },
                    weight=self.rng.paretovariate(1.5),
                    archived_at=offer.archived_at,
                    grants=grants.get(offer.id, {}),
                )
            )
        return offers

    # --- picking ------------------------------------------------------------------------------

    def _moment(self, day: datetime) -> datetime:
        hours = WEEKEND_HOURS if day.weekday() >= 5 else WEEKDAY_HOURS
        hour = self.rng.choices(list(hours), weights=list(hours.values()))[0]
        local = day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
        return local.astimezone(ZoneInfo("UTC"))

    def _offer(self, at: datetime) -> _Offer | None:
        """A popular offer among those visible at ``at`` (members pick from what the app shows)."""
        live = [
            o
            for o in self.offers
            if (o.terms.visible_since is None or o.terms.visible_since <= at)
            and (o.terms.visible_until is None or at <= o.terms.visible_until)
            and (o.archived_at is None or at < o.archived_at)
        ]
        if not live:
            return None
        return self.rng.choices(live, weights=[o.weight for o in live])[0]

    def _member(self, offer: _Offer) -> _Member:
        """A member who may see the offer: a grantee or an audience member when it needs one; heavy
        users (the first members) more often than the rest."""
        if offer.terms.grant_only:
            grantees = [self.by_id[m] for m in sorted(offer.grants) if m in self.by_id]
            if grantees:
                return self.rng.choice(grantees)
        audience = offer.terms.audience_id
        if audience is not None:
            members = self.audiences.get(audience)
            if members:
                return self.rng.choice(members)
        return self.members[int(len(self.members) * self.rng.random() ** 2.5)]

    def _standing(self, member: _Member, offer: _Offer) -> MemberStanding:
        return MemberStanding(group_ids=member.groups, granted_at=offer.grants.get(member.id))

    def _live(self, offer: _Offer, member: _Member, at: datetime) -> bool:
        if at < member.created_at or (offer.archived_at is not None and at >= offer.archived_at):
            return False
        granted_at = offer.grants.get(member.id)
        return not (offer.terms.grant_only and (granted_at is None or granted_at > at))

    # --- generation ---------------------------------------------------------------------------

    def generate(self) -> None:
        if not self.members or not self.offers:
            return
        today = self.context.now.astimezone(self.tz).replace(hour=0, minute=0, second=0, microsecond=0)
        days = self.context.options.days
        for back in range(days, 0, -1):
            day = (today - timedelta(days=back)).replace(tzinfo=self.tz)
            expected = len(self.members) * USES_PER_MEMBER_PER_DAY * WEEKDAY_WEIGHTS[day.weekday()]
            attempts = max(0, round(self.rng.gauss(expected, expected**0.5)))
            moments = sorted(self._moment(day) for _ in range(attempts))
            for at in moments:
                self._attempt(at)
            for _ in range(attempts * SEEN_PER_USE):
                self._event(self._moment(day), "seen")
            for _ in range(attempts * CLICKS_PER_USE):
                self._event(self._moment(day), "clicked")
            for _ in range(max(1, attempts // 10)):
                self._like(self._moment(day))
        self._write()

    def _attempt(self, at: datetime) -> None:
        offer = self._offer(at)
        if offer is None:
            return
        member = self._member(offer)
        if not self._live(offer, member, at):
            return
        key = (member.id, offer.terms.id)
        state = self.states.get(key, UsageState())
        standing = self._standing(member, offer)
        clock = ClubClock(now=at, tz=self.tz, offer_active_seconds=self.club.offer_active_seconds)
        token = offer.terms.usage_authorization_token
        refusal = check_use(offer.terms, offer.terms.id, standing, state, clock, offer.scope_types, token)
        product = self.rng.choice(PRODUCTS)
        if refusal is not None:
            if refusal.status == 422 and refusal.reason not in ("not_granted", "not_in_usable_timeframes"):
                self.refusals.append(
                    {
                        "loyalty_club_id": self.club.id,
                        "offer_id": offer.terms.id,
                        "member_id": member.id,
                        "attempted_at": at,
                        "reason": refusal.reason,
                        "status": refusal.status,
                        "message": refusal.message,
                        "product_name": product,
                    }
                )
            return
        new_state = after_use(offer.terms, state, clock)
        self.states[key] = new_state
        offer.terms = replace(offer.terms, uses_count=offer.terms.uses_count + 1)
        authorized = offer.terms.usage_authorization_token_required
        self.usages.append(
            {
                "loyalty_club_id": self.club.id,
                "offer_id": offer.terms.id,
                "member_id": member.id,
                "used_at": at,
                "active_until": new_state.active_until,
                "authorized": authorized,
                "authorization_type": AUTHORIZATION_TYPE_TOKEN if authorized else None,
                "product_name": product,
                **offer.snapshot,
                **member.snapshot,
            }
        )

    def _event(self, at: datetime, kind: str, member: _Member | None = None, offer: _Offer | None = None) -> None:
        offer = offer or self._offer(at)
        if offer is None:
            return
        member = member or self._member(offer)
        if not self._live(offer, member, at):
            return
        if not is_visible(offer.terms, self._standing(member, offer), at, offer.scope_types):
            return
        self.events.append(
            {
                "loyalty_club_id": self.club.id,
                "offer_id": offer.terms.id,
                "member_id": member.id,
                "kind": kind,
                "occurred_at": at,
                "product_name": self.rng.choice(PRODUCTS),
                **offer.snapshot,
                **member.snapshot,
            }
        )

    def _like(self, at: datetime) -> None:
        offer = self._offer(at)
        if offer is None:
            return
        member = self._member(offer)
        key = (member.id, offer.terms.id)
        before = len(self.events)
        if key in self.likes:
            if self.rng.random() < 0.3:
                self._event(at, "unliked", member, offer)
                if len(self.events) > before:
                    del self.likes[key]
            return
        self._event(at, "liked", member, offer)
        if len(self.events) > before:
            self.likes[key] = at

    def _write(self) -> None:
        session = self.session
        for rows, model in ((self.usages, OfferUsage), (self.refusals, OfferUseRefusal), (self.events, OfferEvent)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(model), rows[start : start + 5000])
        if self.likes:
            session.execute(
                insert(OfferLike),
                [
                    {"loyalty_club_id": self.club.id, "member_id": m, "offer_id": o, "created_at": at}
                    for (m, o), at in self.likes.items()
                ],
            )
        counters = [
            {
                "loyalty_club_id": self.club.id,
                "member_id": member_id,
                "offer_id": offer_id,
                "uses_count": state.uses_count,
                "last_used_at": state.last_used_at,
                "active_until": state.active_until,
                "period_start": state.period_start,
                "period_uses": state.period_uses,
            }
            for (member_id, offer_id), state in self.states.items()
        ]
        if counters:
            session.execute(insert(MemberOfferCounter), counters)
        for offer in self.offers:
            if offer.terms.uses_count:
                stock.add_uses(session, club_id=self.club.id, offer_id=offer.terms.id, uses=offer.terms.uses_count)
        session.flush()
        self.context.data.setdefault("offer_usages_count", {})[self.club.slug] = len(self.usages)
