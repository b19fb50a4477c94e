"""Using, liking and registering events on offers (the write side of the member offers API).

The use path is race-free on both databases. In one transaction:

1. the SPEC §5 checks that do not depend on counters (steps 1-5) on the offer and member;
2. the member's counter row is created if missing and locked in one statement (``INSERT ... ON
   CONFLICT DO UPDATE ... RETURNING``, which takes the row lock like ``SELECT ... FOR UPDATE``; on
   SQLite the write transaction already holds the database lock from ``BEGIN IMMEDIATE``), and
   steps 6-8 are judged on that locked row;
3. the usage row (with its reporting snapshot) is inserted and the counter row moves;
4. last, step 9 counts the use in one of the offer's stock shards (:mod:`loyaltyhub.offers.stock`:
   a conditional ``UPDATE`` of a shard that is not full, one that no other use holds when there is
   one). No shard left means the stock is gone, and the two writes of step 3 are undone in the same
   transaction.

A refused attempt leaves nothing but the (empty) counter row; the caller records the refusal.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.errors import UnprocessableEntity
from loyaltyhub.member_offers import codes
from loyaltyhub.member_offers.models import (
    AUTHORIZATION_TYPE_TOKEN,
    MemberOfferCounter,
    OfferCodeValidation,
    OfferEvent,
    OfferLike,
    OfferUsage,
    OfferUseRefusal,
)
from loyaltyhub.member_offers.rules import (
    GLOBAL_LIMIT,
    MemberStanding,
    Refusal,
    UsageState,
    after_use,
    check_use,
    token_matches,
    usage_view,
)
from loyaltyhub.member_offers.state import club_clock, counter_state, terms_from
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.offers import stock
from loyaltyhub.offers.models import Offer, OfferGrant
from loyaltyhub.offers.types import is_grant_only, types_of_scope
from loyaltyhub.services import ResourceChange, notify_change


@dataclass(frozen=True)
class UseOutcome:
    usage: dict[str, Any] | None = None
    refusal: Refusal | None = None


def standing_for_use(session: Session, member: Member, offer: Offer) -> MemberStanding:
    """The member's ban, the one audience that matters and the latest grant of this offer (each
    queried only when the offer has an audience / is grant-only or grant-limited)."""
    groups: frozenset[int] = frozenset()
    if offer.audience_id is not None:
        in_audience = session.execute(
            select(
                exists().where(
                    same_club(MemberGroupMembership, member),
                    MemberGroupMembership.member_id == member.id,
                    MemberGroupMembership.group_id == offer.audience_id,
                )
            )
        ).scalar()
        groups = frozenset({offer.audience_id}) if in_audience else frozenset()
    granted_at = None
    if is_grant_only(offer.type) or offer.usable_in_seconds_after_granting is not None:
        granted_at = session.execute(
            select(OfferGrant.granted_at)
            .where(
                same_club(OfferGrant, member),
                OfferGrant.member_id == member.id,
                OfferGrant.offer_id == offer.id,
            )
            .order_by(OfferGrant.granted_at.desc())
            .limit(1)
        ).scalar()
    return MemberStanding(banned_until=member.banned_until, group_ids=groups, granted_at=granted_at)


_COUNTER_KEY = ["loyalty_club_id", "member_id", "offer_id"]


def _lock_counter(session: Session, member: Member, offer: Offer) -> Any:
    """The member's counter row for the offer, created if missing, locked until the transaction ends."""
    values = {"loyalty_club_id": member.loyalty_club_id, "member_id": member.id, "offer_id": offer.id}
    return dialect.insert_or_lock(
        session, MemberOfferCounter.__table__, {**values, "uses_count": 0, "period_uses": 0}, _COUNTER_KEY
    )


# The use path's writes, built once: statement construction costs more CPU than their execution.
_COUNTERS = MemberOfferCounter.__table__
_USAGES = OfferUsage.__table__
_WRITE_COUNTER = (
    update(_COUNTERS)
    .where(_COUNTERS.c.id == bindparam("counter_id"), in_club(_COUNTERS, bindparam("club_key")))
    .values(
        uses_count=bindparam("new_uses_count"),
        last_used_at=bindparam("new_last_used_at", type_=_COUNTERS.c.last_used_at.type),
        active_until=bindparam("new_active_until", type_=_COUNTERS.c.active_until.type),
        period_start=bindparam("new_period_start", type_=_COUNTERS.c.period_start.type),
        period_uses=bindparam("new_period_uses"),
    )
)
_INSERT_USAGE = insert(_USAGES).returning(_USAGES.c.id)
_DELETE_USAGE = delete(_USAGES).where(_USAGES.c.id == bindparam("usage_id"), in_club(_USAGES, bindparam("club_key")))


def _write_counter(session: Session, club_id: int, counter_id: int, state: UsageState) -> None:
    session.execute(
        _WRITE_COUNTER,
        {
            "club_key": club_id,
            "counter_id": counter_id,
            "new_uses_count": state.uses_count,
            "new_last_used_at": state.last_used_at,
            "new_active_until": state.active_until,
            "new_period_start": state.period_start,
            "new_period_uses": state.period_uses,
        },
    )


def use_offer(
    session: Session,
    *,
    club: LoyaltyClub,
    member: Member,
    offer: Offer,
    collection_ids: list[int],
    scope: str,
    authorization_token: str | None,
    now: datetime,
    product_name: str | None = None,
) -> UseOutcome:
    """Use ``offer`` (in ``collection_ids``) for ``member`` at ``now``: the new usage object, or the refusal
    (nothing used)."""
    clock = club_clock(club, now)
    scope_types = frozenset(types_of_scope(scope))
    terms = terms_from(offer)
    standing = standing_for_use(session, member, offer)
    # Steps 1-5 do not depend on counters: answer them before taking any lock.
    refusal = check_use(
        terms, offer.id, standing, counter_state(None), clock, scope_types, authorization_token, check_stock=False
    )
    if refusal is not None:
        return UseOutcome(refusal=refusal)
    usage_values = snapshot(offer, collection_ids, member, product_name)
    counter = _lock_counter(session, member, offer)
    state = counter_state(counter)
    refusal = check_use(terms, offer.id, standing, state, clock, scope_types, authorization_token, check_stock=False)
    if refusal is not None:
        return UseOutcome(refusal=refusal)
    new_state = after_use(terms, state, clock)
    authorized = bool(authorization_token) and token_matches(offer.usage_authorization_token, authorization_token or "")
    usage_id = session.execute(
        _INSERT_USAGE,
        {
            "loyalty_club_id": club.id,
            "offer_id": offer.id,
            "member_id": member.id,
            "used_at": now,
            "active_until": new_state.active_until,
            "authorized": authorized,
            "authorization_type": AUTHORIZATION_TYPE_TOKEN if authorized else None,
            **usage_values,
        },
    ).scalar_one()
    _write_counter(session, offer.loyalty_club_id, counter.id, new_state)
    uses_count = stock.take(session, club_id=offer.loyalty_club_id, offer_id=offer.id, spread_key=member.id)
    if uses_count is None:
        # Stock gone: undo this use's two writes, in the same transaction.
        session.execute(_DELETE_USAGE, {"usage_id": usage_id, "club_key": offer.loyalty_club_id})
        _write_counter(session, offer.loyalty_club_id, counter.id, state)
        return UseOutcome(refusal=GLOBAL_LIMIT)
    usage = usage_view(replace(terms, uses_count=uses_count), standing, new_state, clock, scope_types)
    data = {"id": usage_id, "offer_id": offer.id, "member_id": member.id, "used_at": now.isoformat(), "usage": usage}
    notify_change(session, ResourceChange("member_offer_use", "created", club.id, usage_id, now, data, member.id))
    return UseOutcome(usage=usage)


def snapshot(
    offer: Offer, collection_ids: list[int], member: Member | None, product_name: str | None
) -> dict[str, Any]:
    """The reporting snapshot of SPEC §5, taken at the time of the use or event."""
    return {
        "offer_type": offer.type,
        "store_id": offer.store_id,
        "collection_ids": collection_ids,
        "member_gender": member.gender if member else None,
        "member_age": member.age if member else None,
        "member_place_id": member.place_id if member else None,
        "member_city_place_id": member.city_place_id if member else None,
        "product_name": product_name,
    }


def record_refusal(
    session: Session,
    *,
    club_id: int,
    offer_id: int,
    member: Member | None,
    refusal: Refusal,
    now: datetime,
    product_name: str | None = None,
) -> OfferUseRefusal:
    row = OfferUseRefusal(
        loyalty_club_id=club_id,
        offer_id=offer_id,
        member_id=member.id if member else None,
        attempted_at=now,
        reason=refusal.reason,
        status=refusal.status,
        message=refusal.message,
        product_name=product_name,
    )
    session.add(row)
    session.flush()
    return row


def record_event(
    session: Session,
    *,
    offer: Offer,
    collection_ids: list[int],
    member: Member | None,
    kind: str,
    now: datetime,
    product_name: str | None,
) -> OfferEvent:
    event = OfferEvent(
        loyalty_club_id=offer.loyalty_club_id,
        offer_id=offer.id,
        member_id=member.id if member else None,
        kind=kind,
        occurred_at=now,
        **snapshot(offer, collection_ids, member, product_name),
    )
    session.add(event)
    session.flush()
    return event


def set_liked(
    session: Session,
    *,
    liked: bool,
    offer: Offer,
    collection_ids: list[int],
    member: Member,
    now: datetime,
    product_name: str | None,
) -> bool:
    """Like (``liked``) or unlike ``offer``; True when that changed something, and then a ``liked`` or
    ``unliked`` event is recorded. Liking twice or unliking an offer not liked changes nothing."""
    if liked:
        changed = dialect.insert_ignore(
            session,
            OfferLike.__table__,
            {"loyalty_club_id": offer.loyalty_club_id, "member_id": member.id, "offer_id": offer.id, "created_at": now},
            ["loyalty_club_id", "member_id", "offer_id"],
        )
    else:
        result = session.execute(
            delete(OfferLike).where(
                same_club(OfferLike, offer),
                OfferLike.member_id == member.id,
                OfferLike.offer_id == offer.id,
            )
        )
        changed = bool(getattr(result, "rowcount", 0))
    if changed:
        record_event(
            session,
            offer=offer,
            collection_ids=collection_ids,
            member=member,
            kind="liked" if liked else "unliked",
            now=now,
            product_name=product_name,
        )
        if liked:
            data = {"offer_id": offer.id, "member_id": member.id, "liked_at": now.isoformat()}
            change = ResourceChange("offer_like", "created", offer.loyalty_club_id, offer.id, now, data, member.id)
            notify_change(session, change)
    return changed


# --- Encoded offer codes (Encode Offer; docs/decisions/offers.md) ---------------------------------------
@dataclass(frozen=True)
class CodeValidated:
    offer: Offer
    member: Member
    code: codes.OfferCode
    validated_at: datetime


def _active_until(session: Session, club_id: int, member_id: int, offer_id: int) -> datetime | None:
    return session.execute(
        select(MemberOfferCounter.active_until).where(
            in_club(MemberOfferCounter, club_id),
            MemberOfferCounter.member_id == member_id,
            MemberOfferCounter.offer_id == offer_id,
        )
    ).scalar()


def encode_offer(
    session: Session, *, key: bytes, club_id: int, member: Member, offer: Offer, now: datetime
) -> tuple[str, codes.OfferCode]:
    """A signed code of the member's active use of ``offer`` (422 ``Offer use not active`` without one)."""
    active_until = _active_until(session, club_id, member.id, offer.id)
    try:
        return codes.issue(
            key, club_id=club_id, member_id=member.id, offer_id=offer.id, active_until=active_until or now, now=now
        )
    except codes.CodeRefused as refused:
        raise UnprocessableEntity(refused.message) from None


def validate_code(
    session: Session, *, key: bytes, club_id: int, text: str, now: datetime, product_name: str | None
) -> CodeValidated:
    """A store's check of a code: signed by us for this club, not expired, the member's use still active
    (the member, the offer and the counter still there), and never validated before. Each refusal is a
    422 with its own message; an accepted code is recorded so a second validation is refused."""
    try:
        code = codes.read(key, text, club_id=club_id, now=now)
    except codes.CodeRefused as refused:
        raise UnprocessableEntity(refused.message) from None
    offer = session.execute(select(Offer).where(in_club(Offer, club_id), Offer.id == code.offer_id)).scalar()
    member = session.execute(
        select(Member).where(in_club(Member, club_id), Member.id == code.member_id, Member.deleted_at.is_(None))
    ).scalar()
    if offer is None or member is None:
        raise UnprocessableEntity(codes.INVALID[1])
    active_until = _active_until(session, club_id, member.id, offer.id)
    if active_until is None or active_until <= now:
        raise UnprocessableEntity(codes.NOT_ACTIVE[1])
    seen = select(OfferCodeValidation.id).where(
        in_club(OfferCodeValidation, club_id), OfferCodeValidation.nonce == code.nonce
    )
    if session.execute(seen).first() is not None:
        raise UnprocessableEntity(codes.ALREADY_VALIDATED[1])
    try:
        with session.begin_nested():  # a concurrent validation of the same code loses on the unique nonce
            session.add(
                OfferCodeValidation(
                    loyalty_club_id=club_id,
                    nonce=code.nonce,
                    offer_id=offer.id,
                    member_id=member.id,
                    validated_at=now,
                    product_name=product_name,
                )
            )
            session.flush()
    except IntegrityError:
        raise UnprocessableEntity(codes.ALREADY_VALIDATED[1]) from None
    return CodeValidated(offer=offer, member=member, code=code, validated_at=now)
