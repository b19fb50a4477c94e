"""POST .../offers/{offer_id}/use through HTTP: one test per error of seed ``public-use-offer``."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from loyaltyhub.member_offers.models import MemberOfferCounter, OfferUsage, OfferUseRefusal
from tests.member_offers import factories as mo


def refusals(api):
    return [r.reason for r in api.session.execute(select(OfferUseRefusal).order_by(OfferUseRefusal.id)).scalars()]


def test_use_answers_the_usage_object_and_stores_the_snapshot(api):
    offer = mo.offer(api.session, api.club, maximum_uses_per_user=100)
    response = api.use(offer.id)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "usage": {
            "usable": True,
            "max_uses": 100,
            "uses_left": 99,
            "active_until": "2026-11-25T12:15:00.000Z",
            "period": None,
        }
    }
    usage = api.session.execute(select(OfferUsage)).scalar_one()
    assert (usage.offer_id, usage.member_id, usage.offer_type) == (offer.id, api.member.id, "regular")
    assert usage.collection_ids == []
    assert (usage.member_gender, usage.member_age, usage.member_city_place_id) == ("female", "30-34", "3143244")
    assert usage.authorized is False and usage.authorization_type is None
    assert usage.product_name == "android-app"
    api.session.refresh(offer)
    assert offer.uses_count == 1


def test_the_usage_snapshot_holds_the_offer_collections_in_id_order(api):
    first, second = mo.collection(api.session, api.club), mo.collection(api.session, api.club)
    offer = mo.offer(api.session, api.club, collection_ids=[second.id, first.id])
    assert api.use(offer.id).status_code == 200
    assert api.session.execute(select(OfferUsage.collection_ids)).scalar_one() == [first.id, second.id]


def test_member_and_permit_failures_come_before_an_unknown_offer(api, factory):
    assert api.use(10000951, ref=10**12).json() == {"error": f"Member#{10**12} not found"}
    assert api.use(10000951, ref="guest").status_code == 405
    assert api.use(10000951, params={"scope": "parking"}).status_code == 404  # this token has every permit
    act_as = "BL:Api:Members:ActAs"  # the test acts on its member by id
    api.token = factory.client_token([api.club], ["Offers:Api:MemberOffers:Use", "Offers:Api:Scopes:Standard", act_as])
    missing_scope = {"error": "Missing permit Offers:Api:Scopes:Parking"}
    assert api.use(10000951, params={"scope": "parking"}).json() == missing_scope
    api.token = factory.client_token([api.club], ["Offers:Api:Scopes:Standard", act_as])
    assert api.use(10000951).json() == {"error": "Missing permit Offers:Api:MemberOffers:Use"}
    other = factory.club()
    response = api.client.post(f"/v3/{other.slug}/members/{api.member.id}/offers/10000951/use", headers=api.headers())
    assert response.status_code == 401  # the token does not cover that club: nothing about its offers


def test_unknown_offer_is_404_with_the_seed_message(api):
    response = api.use(10000951)
    assert response.status_code == 404
    assert response.json() == {"error": "Offer#10000951 not found"}


def test_unpublished_offer_is_404_and_the_refusal_is_recorded(api):
    offer = mo.offer(api.session, api.club, status="draft")
    response = api.use(offer.id)
    assert (response.status_code, response.json()) == (404, {"error": f"Offer#{offer.id} not found"})
    assert refusals(api) == ["not_found"]


def test_offer_of_another_scope_is_404(api):
    offer = mo.offer(api.session, api.club, type="parking")
    assert api.use(offer.id).status_code == 404
    assert api.use(offer.id, params={"scope": "parking"}).status_code == 200


def test_banned_member_is_467_with_banned_until(api):
    api.member.banned_until = api.clock.now + timedelta(days=3650)
    offer = mo.offer(api.session, api.club)
    response = api.use(offer.id)
    assert response.status_code == 467
    assert response.json() == {"error": "Member is banned!", "banned_until": "2036-11-22T12:00:00.000Z"}


def test_banned_and_out_of_stock_is_467(api):
    api.member.banned_until = api.clock.now + timedelta(days=1)
    offer = mo.offer(api.session, api.club, stock=1, uses_count=1)
    assert api.use(offer.id).status_code == 467


def test_not_granted(api):
    offer = mo.offer(api.session, api.club, type="exclusive")
    assert (api.use(offer.id).status_code, api.use(offer.id).json()) == (422, {"error": "Not granted"})
    mo.grant(api.session, offer, api.member, api.clock.now)
    assert api.use(offer.id).status_code == 200


def test_audience_not_admitting_the_member_is_not_granted(api):
    audience = mo.group(api.session, api.club)
    offer = mo.offer(api.session, api.club, audience_id=audience.id)
    assert api.use(offer.id).json() == {"error": "Not granted"}


def test_informational_offer_is_405(api):
    offer = mo.offer(api.session, api.club, type="informational")
    response = api.use(offer.id, params={"scope": "informational"})
    assert response.status_code == 405


def test_not_in_usable_timeframes(api):
    offer = mo.offer(api.session, api.club, usable_since=api.clock.now + timedelta(hours=1))
    response = api.use(offer.id)
    assert (response.status_code, response.json()) == (422, {"error": "Not in usable timeframes"})
    api.clock.advance(hours=1)
    assert api.use(offer.id).status_code == 200


def test_grant_expired_after_usable_seconds(api):
    offer = mo.offer(api.session, api.club, type="welcome", usable_in_seconds_after_granting=60)
    mo.grant(api.session, offer, api.member, api.clock.now - timedelta(seconds=61))
    assert api.use(offer.id).json() == {"error": "Not in usable timeframes"}


def test_authorization_token_missing_and_invalid(api):
    offer = mo.offer(api.session, api.club, usage_authorization_token="tok3n", usage_authorization_token_required=True)
    assert api.use(offer.id).json() == {"error": "Usage authorization token missing"}
    assert api.use(offer.id, {}).json() == {"error": "Usage authorization token missing"}
    response = api.use(offer.id, {"authorization_token": "nope"})
    assert (response.status_code, response.json()) == (422, {"error": "Usage authorization token invalid"})
    assert api.use(offer.id, {"authorization_token": "tok3n"}).status_code == 200
    usage = api.session.execute(select(OfferUsage)).scalar_one()
    assert usage.authorized is True and usage.authorization_type == "token"


def test_unknown_body_field_is_422(api):
    offer = mo.offer(api.session, api.club)
    response = api.use(offer.id, {"authorisation_token": "x"})
    assert response.status_code == 422
    assert response.json()["details"] == {"authorisation_token": [{"error": "unknown_attribute", "options": {}}]}


def test_already_active(api):
    offer = mo.offer(api.session, api.club)
    assert api.use(offer.id).status_code == 200
    api.clock.advance(seconds=899)
    assert api.use(offer.id).json() == {"error": "Already active"}
    api.clock.advance(seconds=1)
    assert api.use(offer.id).status_code == 200


def test_user_limit_exceeded(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, maximum_uses_per_user=2)
    assert [api.use(offer.id).status_code for _ in range(2)] == [200, 200]
    assert api.use(offer.id).json() == {"error": "User limit exceeded"}


def test_periodic_user_limit_exceeded_until_the_next_oslo_day(api):
    api.club.offer_active_seconds = 0
    api.clock.now = api.clock.now.replace(hour=22, minute=30)  # 23:30 in Oslo
    offer = mo.offer(api.session, api.club, periodic_usage_timespan="day", periodic_usage_limit=1)
    assert api.use(offer.id).status_code == 200
    assert api.use(offer.id).json() == {"error": "Periodic user limit exceeded"}
    api.clock.advance(minutes=31)  # 00:01 next day in Oslo
    response = api.use(offer.id)
    assert response.status_code == 200
    assert response.json()["usage"]["period"] == {
        "timespan": "day",
        "limit": 1,
        "uses_left": 0,
        "started_at": "2026-11-25T23:00:00.000Z",
        "ends_at": "2026-11-26T23:00:00.000Z",
    }


def test_a_periodic_usage_with_a_null_timespan_or_limit_limits_nothing(api):
    api.club.offer_active_seconds = 0
    for timespan, limit in ((None, 1), ("day", None)):
        offer = mo.offer(api.session, api.club, periodic_usage_timespan=timespan, periodic_usage_limit=limit)
        answers = [api.use(offer.id) for _ in range(3)]
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert answers[-1].json()["usage"]["period"] is None
        listed = api.get(f"/{offer.id}").json()["offer"]["usage"]
        assert listed["usable"] is True and listed["period"] is None


def test_global_limit_exceeded(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, stock=1)
    other = mo.member(api.session, api.club)
    assert api.use(offer.id).status_code == 200
    response = api.use(offer.id, ref=other.id)
    assert (response.status_code, response.json()) == (422, {"error": "Global limit exceeded"})
    assert refusals(api) == ["global_limit_exceeded"]
    counter = api.session.execute(select(MemberOfferCounter).filter_by(member_id=other.id)).scalar_one()
    assert counter.uses_count == 0 and counter.last_used_at is None  # nothing moved for the refused attempt
    assert api.session.execute(select(OfferUsage.member_id)).scalars().all() == [api.member.id]


def test_every_refusal_is_recorded_with_its_reason(api):
    offer = mo.offer(api.session, api.club, maximum_uses_per_user=1)
    api.use(offer.id)
    api.use(offer.id)
    api.clock.advance(hours=1)
    api.use(offer.id)
    assert refusals(api) == ["already_active", "user_limit_exceeded"]


def test_guest_cannot_use(api):
    offer = mo.offer(api.session, api.club)
    assert api.use(offer.id, ref="guest").status_code == 405


def test_me_uses_with_the_member_token(api):
    offer = mo.offer(api.session, api.club)
    token = mo.member_token(api.session, api.member)
    response = api.use(offer.id, ref="me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert api.use(offer.id, ref="me").status_code == 460


def test_use_needs_the_use_permit_and_the_scope_permit(api, factory):
    offer = mo.offer(api.session, api.club)
    act_as = "BL:Api:Members:ActAs"  # the test acts on its member by id
    api.token = factory.client_token([api.club], ["Offers:Api:Scopes:Standard", act_as])
    assert api.use(offer.id).json() == {"error": "Missing permit Offers:Api:MemberOffers:Use"}
    api.token = factory.client_token([api.club], ["Offers:Api:MemberOffers:Use", act_as])
    assert api.use(offer.id).json() == {"error": "Missing permit Offers:Api:Scopes:Standard"}


def test_another_clubs_offer_is_404(api, factory):
    other_club = factory.club()
    offer = mo.offer(api.session, other_club)
    assert api.use(offer.id).status_code == 404


def test_idempotency_key_replays_the_first_answer_and_uses_once(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, maximum_uses_per_user=5)
    first = api.use(offer.id, headers={"Idempotency-Key": "k1"})
    second = api.use(offer.id, headers={"Idempotency-Key": "k1"})
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    api.session.refresh(offer)
    assert offer.uses_count == 1
    assert len(api.session.execute(select(OfferUsage)).scalars().all()) == 1
    assert api.use(offer.id, headers={"Idempotency-Key": "k2"}).json()["usage"]["uses_left"] == 3


def test_weekly_limit_resets_at_monday_midnight_in_oslo(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, periodic_usage_timespan="week", periodic_usage_limit=1)
    api.clock.now = api.clock.now.replace(month=11, day=29, hour=22, minute=30)  # Sunday 23:30 in Oslo
    assert api.use(offer.id).status_code == 200
    api.clock.advance(minutes=29)  # Sunday 23:59
    assert api.use(offer.id).json() == {"error": "Periodic user limit exceeded"}
    api.clock.advance(minutes=2)  # Monday 00:01 in Oslo, still Sunday in UTC
    assert api.use(offer.id).status_code == 200


def test_daily_limit_on_the_23_hour_dst_day(api):
    api.club.offer_active_seconds = 0
    offer = mo.offer(api.session, api.club, periodic_usage_timespan="day", periodic_usage_limit=1, usable_since=None)
    api.clock.now = api.clock.now.replace(month=3, day=29, hour=21, minute=30)  # 23:30 CEST, 29 March 2026
    response = api.use(offer.id)
    assert response.json()["usage"]["period"]["started_at"] == "2026-03-28T23:00:00.000Z"
    assert response.json()["usage"]["period"]["ends_at"] == "2026-03-29T22:00:00.000Z"
    api.clock.advance(minutes=29)
    assert api.use(offer.id).json() == {"error": "Periodic user limit exceeded"}
    api.clock.advance(minutes=1)  # midnight CEST: a new day after 23 hours
    assert api.use(offer.id).status_code == 200
