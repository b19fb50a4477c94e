"""Builders for member-offers tests: plain functions taking ``session``."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.members.groups.models import MemberGroup, MemberGroupMembership
from loyaltyhub.members.identity.tokens import issue_tokens
from loyaltyhub.members.models import Member
from loyaltyhub.offers import stock
from loyaltyhub.offers.models import Collection, Offer, OfferCollection, OfferGrant
from loyaltyhub.stores.models import Store

_n = itertools.count(1)


def member(session: Session, club: LoyaltyClub, **fields: Any) -> Member:
    n = next(_n)
    values: dict[str, Any] = {
        "loyalty_club_id": club.id,
        "properties": {"first_name": f"Member {n}"},
        "consents": {},
        "msisdn": f"4790{n:06d}",
        "gender": "female",
        "age": "30-34",
        "place_id": "3143244",
        "city_place_id": "3143244",
    }
    values.update(fields)
    row = Member(**values)
    session.add(row)
    session.flush()
    return row


def offer(session: Session, club: LoyaltyClub, **fields: Any) -> Offer:
    n = next(_n)
    collection_ids = fields.pop("collection_ids", [])
    values: dict[str, Any] = {
        "loyalty_club_id": club.id,
        "type": "regular",
        "status": "published",
        "name": {"no": f"Tilbud {n}", "en": f"Offer {n}"},
        "description": {"no": "Beskrivelse", "en": "Description"},
        "extras": {},
        "files": [],
    }
    values.update(fields)
    uses = values.pop("uses_count", 0)
    row = Offer(**values)
    session.add(row)
    session.flush()
    if uses:
        stock.add_uses(session, club_id=club.id, offer_id=row.id, uses=uses)
        session.expire(row, ["uses_count"])
    for collection_id in collection_ids:
        session.add(OfferCollection(loyalty_club_id=club.id, offer_id=row.id, collection_id=collection_id))
    session.flush()
    return row


def collection(session: Session, club: LoyaltyClub, **fields: Any) -> Collection:
    row = Collection(loyalty_club_id=club.id, title={"en": f"Collection {next(_n)}"}, **fields)
    session.add(row)
    session.flush()
    return row


def store(session: Session, club: LoyaltyClub, name: str) -> Store:
    row = Store(loyalty_club_id=club.id, name=name, external_id=f"ext-{next(_n)}")
    session.add(row)
    session.flush()
    return row


def grant(session: Session, offer_row: Offer, member_row: Member, granted_at: datetime | None = None) -> OfferGrant:
    row = OfferGrant(
        loyalty_club_id=offer_row.loyalty_club_id,
        offer_id=offer_row.id,
        member_id=member_row.id,
        granted_at=granted_at or utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def group(session: Session, club: LoyaltyClub, *members: Member) -> MemberGroup:
    row = MemberGroup(loyalty_club_id=club.id, name=f"Group {next(_n)}")
    session.add(row)
    session.flush()
    for m in members:
        session.add(MemberGroupMembership(loyalty_club_id=club.id, group_id=row.id, member_id=m.id))
    session.flush()
    return row


def member_token(session: Session, member_row: Member) -> str:
    return issue_tokens(session, member_row, access_ttl_seconds=3600, refresh_ttl_seconds=7200).access_token
