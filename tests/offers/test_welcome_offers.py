"""Welcome offers are granted by the system on sign-up (seed ``management-offers-introduction``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyaltyhub.db.base import utcnow
from loyaltyhub.members.models import Member
from loyaltyhub.offers.grants import grant_offer, grant_welcome_offers
from loyaltyhub.offers.models import Offer, OfferGrant
from tests.factories import PUBLIC_HEADERS
from tests.member_offers import factories as mo

_n = iter(range(1, 10_000))


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return {"X-Client-Authorization": factory.client_token([club]), **PUBLIC_HEADERS}


def sign_up(client, club, headers, **properties):
    properties = properties or {"email": f"new{next(_n)}@example.com"}
    response = client.post(f"/v3/{club.slug}/members", headers=headers, json={"properties": properties})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def grants_of(session, member_id):
    rows = session.execute(
        select(OfferGrant.offer_id).where(OfferGrant.member_id == member_id).order_by(OfferGrant.offer_id)
    )
    return list(rows.scalars())


def listed(client, club, headers, member_id):
    response = client.get(f"/v3/{club.slug}/members/{member_id}/offers", headers=headers)
    assert response.status_code == 200, response.text
    return [offer["id"] for offer in response.json()["offers"]]


def test_a_new_member_holds_the_live_welcome_offer_sees_it_and_uses_it(client, session, club, headers):
    welcome = mo.offer(session, club, type="welcome", maximum_grants_per_user=1)
    regular = mo.offer(session, club)
    member_id = sign_up(client, club, headers)

    assert grants_of(session, member_id) == [welcome.id]
    assert sorted(listed(client, club, headers, member_id)) == sorted([welcome.id, regular.id])
    used = client.post(f"/v3/{club.slug}/members/{member_id}/offers/{welcome.id}/use", headers=headers)
    assert used.status_code == 200, used.text
    management = client.get(f"/v3/{club.slug}/offers/{welcome.id}", headers=headers).json()
    assert (management["grants_count"], management["uses_count"]) == (1, 1)


def test_a_member_who_signed_up_before_the_offer_was_published_does_not_hold_it(client, session, club, headers):
    before = sign_up(client, club, headers)
    welcome = mo.offer(session, club, type="welcome")
    after = sign_up(client, club, headers)
    assert grants_of(session, before) == []
    assert welcome.id not in listed(client, club, headers, before)
    response = client.post(f"/v3/{club.slug}/members/{before}/offers/{welcome.id}/use", headers=headers)
    assert (response.status_code, response.json()) == (422, {"error": "Not granted"})
    assert grants_of(session, after) == [welcome.id]


def test_welcome_offers_that_are_not_live_are_not_granted(client, session, club, headers, factory):
    now = utcnow()
    live = mo.offer(session, club, type="welcome", visible_until=now + timedelta(days=1))
    for values in (
        {"status": "draft"},
        {"status": "unpublished"},
        {"archived_at": now - timedelta(days=1)},
        {"visible_until": now - timedelta(seconds=1)},  # expired
        {"visible_since": now + timedelta(days=1)},  # not yet visible
    ):
        mo.offer(session, club, type="welcome", **values)
    mo.offer(session, club, type="exclusive")  # granted by hand only
    mo.offer(session, factory.club(), type="welcome")  # another club's
    member_id = sign_up(client, club, headers)
    assert grants_of(session, member_id) == [live.id]


def test_every_live_welcome_offer_is_granted_once(client, session, club, headers):
    first = mo.offer(session, club, type="welcome")
    second = mo.offer(session, club, type="welcome", maximum_grants_per_user=3)
    member_id = sign_up(client, club, headers)
    assert grants_of(session, member_id) == [first.id, second.id]
    # Later changes of the member are no sign-up: nothing more is granted.
    changed = client.patch(
        f"/v3/{club.slug}/members/{member_id}", headers=headers, json={"properties": {"first_name": "Kari"}}
    )
    assert changed.status_code == 200, changed.text
    assert grants_of(session, member_id) == [first.id, second.id]
    counts = session.execute(select(Offer.grants_count).where(Offer.id.in_([first.id, second.id]))).scalars()
    assert list(counts) == [1, 1]


def test_a_welcome_offer_with_an_audience_is_granted_only_to_its_members(session, club):
    member = mo.member(session, club)
    group = mo.group(session, club, member)
    offer = mo.offer(session, club, type="welcome", audience_id=group.id)
    outsider = mo.member(session, club)
    assert grant_welcome_offers(session, club.id, outsider.id, group_ids=[]) == []
    assert [g.offer_id for g in grant_welcome_offers(session, club.id, member.id, group_ids=[group.id])] == [offer.id]


def test_the_grant_is_not_repeated_and_respects_the_grant_limit(session, club):
    limited = mo.offer(session, club, type="welcome", maximum_grants_per_user=1)
    unlimited = mo.offer(session, club, type="welcome")
    holder = mo.member(session, club)
    grant_offer(session, club.id, limited.id, [holder.id])  # granted by hand: at its limit already
    assert [g.offer_id for g in grant_welcome_offers(session, club.id, holder.id)] == [unlimited.id]
    # Called again (a retried event): the member holds each already.
    assert grant_welcome_offers(session, club.id, holder.id) == []
    held = session.execute(
        select(OfferGrant.offer_id, func.count()).where(OfferGrant.member_id == holder.id).group_by(OfferGrant.offer_id)
    ).all()
    assert dict(held) == {limited.id: 1, unlimited.id: 1}
    session.refresh(limited)
    session.refresh(unlimited)
    assert (limited.grants_count, unlimited.grants_count) == (1, 1)


def test_the_grant_keeps_the_offer_updated_at(session, club):
    offer = mo.offer(session, club, type="welcome")
    stamped = offer.updated_at
    grant_welcome_offers(session, club.id, mo.member(session, club).id)
    session.refresh(offer)
    assert (offer.grants_count, offer.updated_at) == (1, stamped)


def test_the_grant_is_part_of_the_sign_up_transaction(app_with, services, session, club, headers):
    mo.offer(session, club, type="welcome")

    def broken(session, club_id, events):
        raise RuntimeError("grant failed")

    client = TestClient(app_with(replace(services, event_listeners=(broken,))), raise_server_exceptions=False)
    response = client.post(
        f"/v3/{club.slug}/members", headers=headers, json={"properties": {"email": "rolled@example.com"}}
    )
    assert response.status_code == 500
    assert session.execute(select(Member).where(Member.email == "rolled@example.com")).first() is None


def test_the_platform_grants_welcome_offers_through_the_triggerer():
    from loyaltyhub.triggers.queue import on_events
    from loyaltyhub.wiring import build_services

    assert on_events in build_services().event_listeners
