"""The offers demo step: realistic, coherent and deterministic."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.demo.clubs import MAIN_SLUG, SECOND_SLUG
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.offers.models import Collection, Offer, OfferCollection, OfferGrant
from loyaltyhub.offers.types import OFFER_TYPES, scope_of
from loyaltyhub.stores.models import Store
from tests.offers import factories

NOW = datetime.fromisoformat("2026-11-25T12:00:00+00:00")


def _snapshot(session) -> list[tuple]:
    """The demo clubs' offers by content, and what they point at by name: ids differ between the two loads
    (PostgreSQL sequences do not roll back; ``_shift_ids`` moves them on SQLite too)."""
    stores = dict(session.execute(select(Store.id, Store.name)).all())
    groups = dict(session.execute(select(MemberGroup.id, MemberGroup.name)).all())
    titles = dict(session.execute(select(Collection.id, Collection.title)).all())
    links: dict[int, list[str]] = {}
    for offer_id, collection_id in session.execute(select(OfferCollection.offer_id, OfferCollection.collection_id)):
        links.setdefault(offer_id, []).append(titles[collection_id]["en"])
    rows = session.execute(
        select(
            LoyaltyClub.slug,
            Offer.id,
            Offer.store_id,
            Offer.audience_id,
            Offer.type,
            Offer.status,
            Offer.name,
            Offer.stock,
            Offer.usable_since,
            Offer.archived_at,
            Offer.grants_count,
            Offer.uses_count,
        )
        .join(LoyaltyClub, LoyaltyClub.id == Offer.loyalty_club_id)
        .where(LoyaltyClub.slug.in_([MAIN_SLUG, SECOND_SLUG]))
        .order_by(Offer.id)
    ).all()
    return [
        (slug, stores.get(store_id), groups.get(audience_id), sorted(links.get(offer_id, [])), *content)
        for slug, offer_id, store_id, audience_id, *content in rows
    ]


def _shift_ids(session, factory) -> None:
    """Rows of another club in every table whose ids the demo reads back, so that the demo's ids differ
    between a load after them and one without them, whatever the database (SQLite reuses rolled-back ids)."""
    club = factory.club(slug="id-shifter")
    for _ in range(7):
        factories.store(session, club)
        factories.member_group(session, club)
        factories.collection(session, club)
        factories.offer(session, club)
    for _ in range(3):
        factories.member(session, club)


def test_demo_offers(session, factory):
    with session.begin_nested() as savepoint:
        _shift_ids(session, factory)
        load_demo(session, DemoOptions(members=60, days=30), now=NOW)
        first = _snapshot(session)
        savepoint.rollback()
    load_demo(session, DemoOptions(members=60, days=30), now=NOW)
    assert _snapshot(session) == first, "the same options give the same offers, whatever their ids"

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
