"""Builders of offers-domain records (plain functions taking a session)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.models import Member
from loyaltyhub.offers import stock
from loyaltyhub.offers.models import Collection, ImageTemplate, Offer, OfferCollection
from loyaltyhub.stores.models import Store

_n = itertools.count(1)


def offer(session: Session, club: LoyaltyClub, *, collection_ids: list[int] = (), **values: Any) -> Offer:  # type: ignore[assignment]
    n = next(_n)
    values.setdefault("name", {"en": f"offer {n:04d}"})
    uses = values.pop("uses_count", 0)
    row = Offer(loyalty_club_id=club.id, **values)
    session.add(row)
    session.flush()
    if uses:
        stock.add_uses(session, club_id=club.id, offer_id=row.id, uses=uses)
        session.expire(row, ["uses_count"])
    for collection_id in collection_ids:
        session.add(OfferCollection(loyalty_club_id=club.id, offer_id=row.id, collection_id=collection_id))
    session.flush()
    return row


def collection(session: Session, club: LoyaltyClub, **values: Any) -> Collection:
    n = next(_n)
    values.setdefault("title", {"en": f"collection {n}"})
    values.setdefault("position", n)
    row = Collection(loyalty_club_id=club.id, **values)
    session.add(row)
    session.flush()
    return row


def store(session: Session, club: LoyaltyClub, name: str | None = None) -> Store:
    row = Store(loyalty_club_id=club.id, name=name or f"Store {next(_n)}")
    session.add(row)
    session.flush()
    return row


def member_group(session: Session, club: LoyaltyClub) -> MemberGroup:
    row = MemberGroup(loyalty_club_id=club.id, name=f"Group {next(_n)}")
    session.add(row)
    session.flush()
    return row


def member(session: Session, club: LoyaltyClub, **values: Any) -> Member:
    row = Member(loyalty_club_id=club.id, properties={}, consents={}, **values)
    session.add(row)
    session.flush()
    return row


def image_template(session: Session, club: LoyaltyClub, **values: Any) -> ImageTemplate:
    values.setdefault("name", f"Template {next(_n)}")
    values.setdefault("width", 600)
    values.setdefault("height", 800)
    row = ImageTemplate(loyalty_club_id=club.id, **values)
    session.add(row)
    session.flush()
    return row
