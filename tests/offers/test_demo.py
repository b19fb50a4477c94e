"""The offers demo step: realistic, coherent and deterministic."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from loyaltyhub.collections.models import Collection
from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.offers.models import Offer, OfferCollection, OfferGrant
from loyaltyhub.offers.types import OFFER_TYPES, scope_of
from loyaltyhub.stores.models import Store

NOW = datetime.fromisoformat("2026-11-25T12:00:00+00:00")


def _snapshot(session) -> list[tuple]:
    """Offers by content; stores by name (ids differ between runs on PostgreSQL: sequences don't roll back)."""
    stores = dict(session.execute(select(Store.id, Store.name)).all())
    return [
        (o.type, o.status, o.name, stores.get(o.store_id), o.stock, o.usable_since, o.archived_at)
        for o in session.execute(select(Offer).order_by(Offer.id)).scalars()
    ]


def test_demo_offers(session):
    with session.begin_nested() as savepoint:
        load_demo(session, DemoOptions(members=60, days=30), now=NOW)
        first = _snapshot(session)
        savepoint.rollback()
    load_demo(session, DemoOptions(members=60, days=30), now=NOW)
    assert _snapshot(session) == first, "the same options give the same offers"

    per_club = dict(session.execute(select(Offer.loyalty_club_id, func.count()).group_by(Offer.loyalty_club_id)).all())
    assert per_club and all(40 <= n <= 80 for n in per_club.values())
    offers = list(session.execute(select(Offer)).scalars())
    assert {o.type for o in offers} == set(OFFER_TYPES)
    assert any(o.archived_at is not None for o in offers)
    assert any(o.visible_since is not None and o.visible_since > NOW for o in offers), "some are scheduled"
    assert any(o.stock is not None for o in offers) and any(o.maximum_uses_per_user for o in offers)
    assert any(o.periodic_usage is not None for o in offers)
    assert any(o.usage_authorization_token_required and o.usage_authorization_token for o in offers)
    assert all(o.usable_since is None or o.usable_until is None or o.usable_since < o.usable_until for o in offers)

    links = session.execute(
        select(Offer.type, Collection.scope)
        .join(OfferCollection, OfferCollection.offer_id == Offer.id)
        .join(Collection, Collection.id == OfferCollection.collection_id)
    ).all()
    assert links
    assert all(scope is None or scope == scope_of(offer_type) for offer_type, scope in links)

    granted = dict(session.execute(select(OfferGrant.offer_id, func.count()).group_by(OfferGrant.offer_id)).all())
    for offer in offers:
        assert offer.grants_count == granted.get(offer.id, 0)


def test_demo_grants_welcome_offers_to_every_member(session, factory):
    import random

    from loyaltyhub.demo import DemoContext
    from loyaltyhub.offers import demo
    from tests.offers import factories

    club = factory.club(languages=["no", "en"], default_language="no")
    members = [factories.member(session, club) for _ in range(12)]
    context = DemoContext(options=DemoOptions(members=12), rng=random.Random(1), now=NOW, clubs={club.slug: club})
    demo.load(session, context)
    welcome = session.execute(
        select(Offer).where(Offer.loyalty_club_id == club.id, Offer.type == "welcome", Offer.archived_at.is_(None))
    ).scalars()
    counts = [offer.grants_count for offer in welcome]
    assert counts and all(n == len(members) for n in counts)
    assert context.data["offer_ids"][club.slug]
