"""Business rules of collections: create, update, archive, ordering and the computed fields.

The seed's computed fields are aggregated from the collection's offers that are not archived:
``offers_count`` (all of them), ``offers_visible_count`` (published and inside their visible window
now), ``offers_upcoming_count`` (published, visible window not started yet), ``offers_uses_count``
(sum of ``uses_count``), ``usable_since``/``visible_since`` (earliest) and
``usable_until``/``visible_until`` (latest; offers without a bound are ignored).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.collections.schemas import (
    MAX_POSITION,
    CollectionCreate,
    CollectionOut,
    CollectionsOrder,
    CollectionUpdate,
)
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.offers import validation
from loyaltyhub.offers.fields import FileDescriptor, full_shape
from loyaltyhub.offers.models import Collection, Offer, OfferCollection
from loyaltyhub.offers.types import scope_of
from loyaltyhub.schemas import sent_fields


@dataclass(frozen=True)
class CollectionStats:
    offers_count: int = 0
    offers_visible_count: int = 0
    offers_upcoming_count: int = 0
    offers_uses_count: int = 0
    usable_since: datetime | None = None
    usable_until: datetime | None = None
    visible_since: datetime | None = None
    visible_until: datetime | None = None
    offer_ids: frozenset[int] = frozenset()


def club_collections(club_id: int) -> Any:
    return select(Collection).where(in_club(Collection, club_id))


def stats_of(
    session: Session, club_id: int, collection_ids: Sequence[int], now: datetime
) -> dict[int, CollectionStats]:
    ids = list(set(collection_ids))
    if not ids:
        return {}
    published = Offer.status == "published"
    started = or_(Offer.visible_since.is_(None), Offer.visible_since <= now)
    not_ended = or_(Offer.visible_until.is_(None), Offer.visible_until > now)
    visible = case((and_(published, started, not_ended), 1), else_=0)
    upcoming = case((and_(published, Offer.visible_since > now), 1), else_=0)
    link_filter = and_(
        in_club(OfferCollection, club_id),
        OfferCollection.collection_id.in_(ids),
    )
    joined = and_(Offer.id == OfferCollection.offer_id, in_club(Offer, club_id), Offer.archived_at.is_(None))
    rows = session.execute(
        select(
            OfferCollection.collection_id,
            func.count(Offer.id),
            func.coalesce(func.sum(visible), 0),
            func.coalesce(func.sum(upcoming), 0),
            func.coalesce(func.sum(Offer.uses_count), 0),
            func.min(Offer.usable_since),
            func.max(Offer.usable_until),
            func.min(Offer.visible_since),
            func.max(Offer.visible_until),
        )
        .join(Offer, joined)
        .where(link_filter)
        .group_by(OfferCollection.collection_id)
    ).all()
    members: dict[int, set[int]] = {i: set() for i in ids}
    for collection_id, offer_id in session.execute(
        select(OfferCollection.collection_id, OfferCollection.offer_id).where(link_filter)
    ):
        members[collection_id].add(offer_id)
    result = {i: CollectionStats(offer_ids=frozenset(members[i])) for i in ids}
    for row in rows:
        result[row[0]] = CollectionStats(
            offers_count=int(row[1]),
            offers_visible_count=int(row[2]),
            offers_upcoming_count=int(row[3]),
            offers_uses_count=int(row[4]),
            usable_since=row[5],
            usable_until=row[6],
            visible_since=row[7],
            visible_until=row[8],
            offer_ids=frozenset(members[row[0]]),
        )
    return result


def present(collection: Collection, stats: CollectionStats) -> CollectionOut:
    return CollectionOut(
        id=collection.id,
        scope=collection.scope,
        title=collection.title or {},
        description=collection.description or {},
        offers_order=[i for i in collection.offers_order or [] if i in stats.offer_ids],
        created_at=collection.created_at,
        updated_at=collection.updated_at,
        archived_at=collection.archived_at,
        position=collection.position,
        offers_count=stats.offers_count,
        offers_visible_count=stats.offers_visible_count,
        offers_uses_count=stats.offers_uses_count,
        offers_upcoming_count=stats.offers_upcoming_count,
        visible_since=stats.visible_since,
        visible_until=stats.visible_until,
        usable_since=stats.usable_since,
        usable_until=stats.usable_until,
        files=[full_shape(FileDescriptor, f) for f in collection.files or []],
    )


def present_many(session: Session, club_id: int, collections: Sequence[Collection]) -> list[CollectionOut]:
    stats = stats_of(session, club_id, [c.id for c in collections], utcnow())
    return [present(c, stats[c.id]) for c in collections]


def present_one(session: Session, collection: Collection) -> CollectionOut:
    return present_many(session, collection.loyalty_club_id, [collection])[0]


def list_collections(club_id: int, *, with_archived: bool, scope: str | None) -> Any:
    statement = club_collections(club_id)
    if not with_archived:
        statement = statement.where(Collection.archived_at.is_(None))
    if scope is not None:
        statement = statement.where(Collection.scope == scope)
    return statement.order_by(Collection.position, Collection.id)


# --- writing --------------------------------------------------------------------------------------


def _linked_offers(session: Session, club_id: int, collection_id: int) -> list[tuple[int, str]]:
    return [
        (row.id, row.type)
        for row in session.execute(
            select(Offer.id, Offer.type)
            .join(
                OfferCollection,
                and_(OfferCollection.offer_id == Offer.id, in_club(OfferCollection, club_id)),
            )
            .where(
                OfferCollection.collection_id == collection_id,
                in_club(Offer, club_id),
                Offer.archived_at.is_(None),
            )
        )
    ]


def _validate(session: Session, club: LoyaltyClub, collection_id: int | None, patch: dict[str, Any]) -> dict[str, Any]:
    errors: validation.ErrorList = []
    for field in ("title", "description", "offers_order", "files"):
        if field in patch and patch[field] is None:
            errors.append(((field,), "blank", {}))
    for field in ("title", "description"):
        validation.check_localized(errors, field, patch.get(field), club)
    linked = _linked_offers(session, club.id, collection_id) if collection_id is not None else []
    if patch.get("scope") is not None:
        mismatched = [offer_id for offer_id, offer_type in linked if scope_of(offer_type) != patch["scope"]]
        if mismatched:
            errors.append((("scope",), "scope_mismatch", {"offer_ids": mismatched[:20]}))
    if patch.get("offers_order"):
        patch["offers_order"] = list(dict.fromkeys(patch["offers_order"]))
        linked_ids = {offer_id for offer_id, _ in linked}
        for index, offer_id in enumerate(patch["offers_order"]):
            if offer_id not in linked_ids:
                errors.append((("offers_order", index), "does_not_exist", {}))
    if "position" in patch and patch["position"] is None:
        errors.append((("position",), "blank", {}))
    validation.raise_if(errors)
    return patch


def _next_position(session: Session, club_id: int) -> int:
    current = session.execute(select(func.max(Collection.position)).where(in_club(Collection, club_id))).scalar_one()
    # After the last one; at the column's limit a tie still lists it last (ordered by position, then id).
    return min((current or 0) + 1, MAX_POSITION)


def create_collection(session: Session, club: LoyaltyClub, body: CollectionCreate) -> Collection:
    patch = _validate(session, club, None, sent_fields(body))
    now = utcnow()
    collection = Collection(
        loyalty_club_id=club.id,
        created_at=now,
        updated_at=now,
        scope=patch.get("scope"),
        title=patch.get("title") or {},
        description=patch.get("description") or {},
        offers_order=patch.get("offers_order") or [],
        position=patch["position"] if patch.get("position") is not None else _next_position(session, club.id),
        files=patch.get("files") or [],
    )
    session.add(collection)
    session.flush()
    return collection


def update_collection(
    session: Session, club: LoyaltyClub, collection: Collection, body: CollectionUpdate
) -> Collection:
    patch = _validate(session, club, collection.id, sent_fields(body))
    for field, value in patch.items():
        setattr(collection, field, value)
    collection.updated_at = utcnow()
    session.flush()
    return collection


def archive_collection(session: Session, collection: Collection) -> Collection:
    if collection.archived_at is None:
        collection.archived_at = utcnow()
        session.flush()
    return collection


def reorder_collections(session: Session, club_id: int, body: CollectionsOrder) -> list[Collection]:
    """Positions 1..n for the listed collections, then the others in their current order."""
    collections = list(session.execute(list_collections(club_id, with_archived=True, scope=None)).scalars())
    by_id = {c.id: c for c in collections}
    errors: validation.ErrorList = []
    seen: set[int] = set()
    for index, collection_id in enumerate(body.collection_ids):
        if collection_id not in by_id:
            errors.append((("collection_ids", index), "does_not_exist", {}))
        elif collection_id in seen:
            errors.append((("collection_ids", index), "taken", {}))
        seen.add(collection_id)
    validation.raise_if(errors)
    ordered = [by_id[i] for i in body.collection_ids] + [c for c in collections if c.id not in seen]
    now = utcnow()
    for position, collection in enumerate(ordered, start=1):
        if collection.position != position:
            collection.position = position
            collection.updated_at = now
    session.flush()
    return [c for c in ordered if c.archived_at is None]
