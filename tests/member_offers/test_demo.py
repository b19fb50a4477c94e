"""The demo's offer uses obey the rules and leave the counters consistent."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from loyaltyhub.demo import DemoOptions, load_demo
from loyaltyhub.member_offers.models import MemberOfferCounter, OfferEvent, OfferUsage, OfferUseRefusal
from loyaltyhub.offers.models import Offer

NOW = datetime(2026, 11, 25, 12, tzinfo=UTC)


def test_demo_uses_are_consistent_with_counters_and_limits(session):
    load_demo(session, DemoOptions(members=300, days=21, seed=7), now=NOW)
    usages = session.execute(select(OfferUsage)).scalars().all()
    assert len(usages) > 50
    assert session.execute(select(OfferEvent.id).limit(1)).first() is not None
    assert session.execute(select(OfferUseRefusal.id).limit(1)).first() is not None
    per_offer = Counter(u.offer_id for u in usages)
    per_member_offer = Counter((u.member_id, u.offer_id) for u in usages)
    offers = {o.id: o for o in session.execute(select(Offer)).scalars()}
    for offer_id, uses in per_offer.items():
        offer = offers[offer_id]
        assert offer.uses_count == uses
        assert offer.stock is None or uses <= offer.stock
        assert offer.status == "published"
    for (_member_id, offer_id), uses in per_member_offer.items():
        limit = offers[offer_id].maximum_uses_per_user
        assert limit is None or uses <= limit
    counters = session.execute(select(MemberOfferCounter)).scalars().all()
    assert {(c.member_id, c.offer_id): c.uses_count for c in counters if c.uses_count} == dict(per_member_offer)
    assert all(u.used_at < NOW for u in usages)
    local_hours = Counter(u.used_at.astimezone(ZoneInfo("Europe/Oslo")).hour for u in usages)
    assert set(local_hours) <= set(range(8, 22))  # opening hours in the club's timezone
