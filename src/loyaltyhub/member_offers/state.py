"""Loading what the rules need from the database: offer terms, the member's standing and counters.

Each loader is one query whatever the number of offers, so the list costs a bounded number of
queries (a test counts them).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Integer, String, and_, bindparam, cast, literal, null, select, union_all
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import BigIntId, UTCDateTime
from loyaltyhub.db.dialect import is_sqlite, one_of, one_of_parameter
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.member_offers.models import MemberOfferCounter, OfferLike
from loyaltyhub.member_offers.rules import ClubClock, MemberStanding, OfferTerms, PeriodicUsage, UsageState
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.offers.models import Offer, OfferCollection, OfferGrant
from loyaltyhub.stores.models import Store

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
        periodic_usage=PeriodicUsage.of(row.periodic_usage_timespan, row.periodic_usage_limit),
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


@dataclass
class MemberView:
    """Everything about one member that the offers list needs, loaded once per request."""

    member: Member | None
    group_ids: frozenset[int] = frozenset()
    grants: dict[int, datetime] = field(default_factory=dict)
    grant_seconds: dict[int, int | None] = field(default_factory=dict)
    counters: dict[int, UsageState] = field(default_factory=dict)
    likes: frozenset[int] = frozenset()

    as_member: bool = False
    """A member with no account (a staff preview of what a member of ``group_ids`` sees): judged as a
    member who never used, liked or was granted anything, instead of as a guest."""

    def standing(self, offer_id: int) -> MemberStanding | None:
        if self.member is None:
            return MemberStanding(group_ids=self.group_ids) if self.as_member else None
        return MemberStanding(
            banned_until=self.member.banned_until, group_ids=self.group_ids, granted_at=self.grants.get(offer_id)
        )

    def state(self, offer_id: int) -> UsageState:
        return self.counters.get(offer_id, UsageState())

    def live_grant_ids(self, now: datetime) -> list[int]:
        """Offers whose latest grant has not expired (``usable_in_seconds_after_granting``)."""
        return sorted(
            offer_id
            for offer_id, granted_at in self.grants.items()
            if self.grant_seconds.get(offer_id) is None
            or now <= granted_at + timedelta(seconds=self.grant_seconds[offer_id] or 0)
        )


def _member_view_union(offers: Callable[[Any], Any] | None) -> Any:
    """The ``UNION ALL`` of :func:`member_view` for the member ``member_key`` of the club ``club_key``;
    ``offers``: the condition on an offer id column (None: every offer)."""

    def nothing(type_: Any) -> Any:
        return cast(null(), type_)

    club_key, member_key = bindparam("club_key"), bindparam("member_key")
    counters = select(
        literal("c", String()).label("kind"),
        MemberOfferCounter.offer_id.label("ref"),
        MemberOfferCounter.last_used_at.label("t1"),
        MemberOfferCounter.active_until.label("t2"),
        MemberOfferCounter.period_start.label("t3"),
        MemberOfferCounter.uses_count.label("n1"),
        MemberOfferCounter.period_uses.label("n2"),
    ).where(in_club(MemberOfferCounter, club_key), MemberOfferCounter.member_id == member_key)
    grants = (
        select(
            literal("r", String()),
            OfferGrant.offer_id,
            OfferGrant.granted_at,
            nothing(UTCDateTime()),
            nothing(UTCDateTime()),
            Offer.usable_in_seconds_after_granting,
            nothing(Integer()),
        )
        .join(Offer, and_(Offer.id == OfferGrant.offer_id, same_club(Offer, OfferGrant)))
        .where(in_club(OfferGrant, club_key), OfferGrant.member_id == member_key)
    )
    pad = (
        nothing(UTCDateTime()),
        nothing(UTCDateTime()),
        nothing(UTCDateTime()),
        nothing(Integer()),
        nothing(Integer()),
    )
    groups = select(literal("g", String()), MemberGroupMembership.group_id, *pad).where(
        in_club(MemberGroupMembership, club_key), MemberGroupMembership.member_id == member_key
    )
    likes = select(literal("l", String()), OfferLike.offer_id, *pad).where(
        in_club(OfferLike, club_key), OfferLike.member_id == member_key
    )
    if offers is not None:
        counters = counters.where(offers(MemberOfferCounter.offer_id))
        grants = grants.where(offers(OfferGrant.offer_id))
        likes = likes.where(offers(OfferLike.offer_id))
    return union_all(counters, grants, groups, likes)


# Built once: building the four selects and their cache key cost ~0.3 ms per request. The list and the
# counts read every offer's state; a single offer's routes read one.
_MEMBER_VIEW_ALL_OFFERS = _member_view_union(None)
_MEMBER_VIEW_ONE_OFFER = _member_view_union(lambda column: column == bindparam("offer_key"))


def member_view(session: Session, member: Member | None, offer_ids: Iterable[int] | None = None) -> MemberView:
    """Groups, grants, counters and likes of ``member`` (for ``offer_ids``, or all) in ONE round trip.

    A ``UNION ALL`` of four selects padded to the same seven columns ``(kind, id, t1, t2, t3, n1, n2)``:
    ``c`` counters (offer, last_used_at, active_until, period_start, uses_count, period_uses),
    ``r`` grants (offer, granted_at, -, -, usable_in_seconds_after_granting, -), ``g`` groups, ``l`` likes.
    Every list and show request needs all four, so one query instead of four matters under load.
    """
    if member is None:
        return MemberView(member=None)
    ids = None if offer_ids is None else list(offer_ids)
    params: dict[str, Any] = {"club_key": member.loyalty_club_id, "member_key": member.id}
    if ids is None:
        statement = _MEMBER_VIEW_ALL_OFFERS
    elif len(ids) == 1:
        statement, params["offer_key"] = _MEMBER_VIEW_ONE_OFFER, ids[0]
    else:
        statement = _member_view_union(lambda column: one_of(session, column, ids))
    view = MemberView(member=member)
    group_set: set[int] = set()
    like_set: set[int] = set()
    for kind, ref, t1, t2, t3, n1, n2 in session.execute(statement, params):
        if kind == "c":
            view.counters[ref] = UsageState(
                uses_count=n1 or 0, last_used_at=t1, active_until=t2, period_start=t3, period_uses=n2 or 0
            )
        elif kind == "r":
            if ref not in view.grants or t1 > view.grants[ref]:
                view.grants[ref] = t1
            view.grant_seconds[ref] = n1
        elif kind == "g":
            group_set.add(ref)
        else:
            like_set.add(ref)
    view.group_ids = frozenset(group_set)
    view.likes = frozenset(like_set)
    return view


def _links_and_store_names(session: Session, *, with_stores: bool) -> Any:
    collections = select(
        literal("c", String()).label("kind"),
        OfferCollection.offer_id.label("ref"),
        OfferCollection.collection_id.label("other"),
        cast(null(), String()).label("name"),
    ).where(
        in_club(OfferCollection, bindparam("club_key")),
        one_of_parameter(session, OfferCollection.offer_id, "offer_keys"),
    )
    if not with_stores:
        return collections
    store_names = select(literal("s", String()), Store.id, cast(null(), BigIntId), Store.name).where(
        in_club(Store, bindparam("club_key")), one_of_parameter(session, Store.id, "store_keys")
    )
    return union_all(collections, store_names)


# Built once per database kind and shape (with or without stores to name), as the member view.
_LINKS_AND_STORE_NAMES: dict[tuple[bool, bool], Any] = {}


def links_and_store_names(
    session: Session, club_id: int, offer_ids: Iterable[int], store_ids: Iterable[int]
) -> tuple[dict[int, list[int]], dict[int, str]]:
    """``{offer_id: [collection ids]}`` and ``{store_id: name}`` in one round trip (``UNION ALL``)."""
    ids, stores = list(offer_ids), sorted(set(store_ids))
    links: dict[int, list[int]] = {offer_id: [] for offer_id in ids}
    names: dict[int, str] = {}
    if not ids:
        return links, names
    key = (is_sqlite(session), bool(stores))
    statement = _LINKS_AND_STORE_NAMES.get(key)
    if statement is None:
        statement = _LINKS_AND_STORE_NAMES[key] = _links_and_store_names(session, with_stores=bool(stores))
    params: dict[str, Any] = {"club_key": club_id, "offer_keys": sorted(ids)}
    if stores:
        params["store_keys"] = stores
    for kind, ref, other, name in sorted(session.execute(statement, params), key=lambda r: (r[0], r[1], r[2] or 0)):
        if kind == "c":
            links[ref].append(other)
        else:
            names[ref] = name
    return links, names


_COLLECTION_LINKS = (
    select(OfferCollection.offer_id, OfferCollection.collection_id)
    .where(
        in_club(OfferCollection, bindparam("club_key")),
        OfferCollection.offer_id.in_(bindparam("offer_keys", expanding=True)),
    )
    .order_by(OfferCollection.offer_id, OfferCollection.collection_id)
)


def collection_links(session: Session, club_id: int, offer_ids: Iterable[int]) -> dict[int, list[int]]:
    """``{offer_id: [collection ids]}`` in one query."""
    ids = list(offer_ids)
    links: dict[int, list[int]] = {offer_id: [] for offer_id in ids}
    if not ids:
        return links
    for offer_id, collection_id in session.execute(_COLLECTION_LINKS, {"club_key": club_id, "offer_keys": ids}):
        links[offer_id].append(collection_id)
    return links
