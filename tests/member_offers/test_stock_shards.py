"""Stock counted in shards (loyaltyhub.offers.stock): the offer's uses and its stock stay exact through
uses, stock changes in the management API, and bulk-recorded uses."""

from __future__ import annotations

from sqlalchemy import select

from loyaltyhub.offers import stock
from loyaltyhub.offers.models import OfferStockShard
from tests.member_offers import factories as mo


def test_allowances_share_what_is_left_and_add_up_to_the_stock():
    assert stock.allowances(None, [0, 3, 0]) == [None, None, None]
    assert stock.allowances(10, [0, 0, 0]) == [4, 3, 3]
    assert stock.allowances(10, [5, 0, 1]) == [7, 1, 2]
    assert stock.allowances(2, [5, 0, 1]) == [5, 0, 1]  # stock lowered below the uses: every shard full
    assert sum(stock.allowances(1000, [7] * 16)) == 1000


def shards(api, offer_id):
    return api.session.execute(
        select(OfferStockShard.uses_count, OfferStockShard.allowance)
        .where(OfferStockShard.offer_id == offer_id)
        .order_by(OfferStockShard.shard)
    ).all()


def manage(api, offer_id, **fields):
    response = api.client.patch(f"/v3/{api.club.slug}/offers/{offer_id}", json=fields, headers=api.headers())
    assert response.status_code == 200, response.text
    return response.json()


def test_first_use_creates_the_shards_from_the_stock(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=40)
    assert shards(api, offer.id) == []
    assert api.use(offer.id).status_code == 200
    rows = shards(api, offer.id)
    assert len(rows) == stock.SHARDS
    assert sum(used for used, _ in rows) == 1
    assert sum(allowance for _, allowance in rows) == 40


def test_uses_of_many_members_spread_over_shards_and_add_up(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=None)
    members = [mo.member(api.session, api.club) for _ in range(6)]
    for member in members:
        assert api.use(offer.id, ref=member.id).status_code == 200
    rows = shards(api, offer.id)
    assert sum(used for used, _ in rows) == 6
    assert sum(1 for used, _ in rows if used) > 1  # not all on one row
    assert all(allowance is None for _, allowance in rows)
    assert api.get(f"/{offer.id}").status_code == 200
    api.session.refresh(offer)
    assert offer.uses_count == 6


def test_lowering_the_stock_below_the_uses_stops_uses_and_raising_it_resumes(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=10)
    members = [mo.member(api.session, api.club) for _ in range(4)]
    for member in members[:3]:
        assert api.use(offer.id, ref=member.id).status_code == 200

    assert manage(api, offer.id, stock=2)["uses_count"] == 3
    refused = api.use(offer.id, ref=members[3].id)
    assert (refused.status_code, refused.json()) == (422, {"error": "Global limit exceeded"})

    manage(api, offer.id, stock=4)
    assert sum(allowance for _, allowance in shards(api, offer.id)) == 4
    assert api.use(offer.id, ref=members[3].id).status_code == 200
    again = api.use(offer.id, ref=members[0].id)
    assert (again.status_code, again.json()) == (422, {"error": "Global limit exceeded"})
    assert manage(api, offer.id, stock=None)["uses_count"] == 4
    assert api.use(offer.id, ref=members[0].id).status_code == 200


def test_the_last_unit_of_stock_makes_the_offer_unusable_in_the_answer(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=2)
    other = mo.member(api.session, api.club)
    assert api.use(offer.id).json()["usage"]["usable"] is True
    assert api.use(offer.id, ref=other.id).json()["usage"]["usable"] is False


def test_bulk_recorded_uses_count_against_the_stock(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=5, uses_count=4)
    assert sum(allowance for _, allowance in shards(api, offer.id)) == 5
    assert api.use(offer.id).status_code == 200
    refused = api.use(offer.id, ref=mo.member(api.session, api.club).id)
    assert (refused.status_code, refused.json()) == (422, {"error": "Global limit exceeded"})
