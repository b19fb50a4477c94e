"""Clone, archive and grant."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update

from loyaltyhub.offers import stock
from loyaltyhub.offers.grants import grant_offer
from loyaltyhub.offers.models import Offer, OfferGrant
from tests.offers import factories
from tests.offers.seed import offer_payload


def _grants(api, offer_id):
    return list(api.session.execute(select(OfferGrant).where(OfferGrant.offer_id == offer_id)).scalars())


# --- clone ----------------------------------------------------------------------------------------


def test_clone_yields_a_draft_copy_without_counters(api):
    collection = factories.collection(api.session, api.club)
    store = factories.store(api.session, api.club)
    original = api.post(
        "",
        json=offer_payload(collection_ids=[collection.id], store_id=store.id, audience_id=None),
    ).json()
    api.session.execute(update(Offer).where(Offer.id == original["id"]).values(grants_count=2))
    stock.add_uses(api.session, club_id=api.club.id, offer_id=original["id"], uses=4)

    response = api.post(f"/{original['id']}/clone")
    assert response.status_code == 201, response.text
    clone = response.json()
    assert clone["id"] != original["id"]
    assert clone["status"] == "draft"
    assert (clone["uses_count"], clone["grants_count"], clone["archived_at"]) == (0, 0, None)
    assert clone["url"] == f"promotions/{clone['id']}"
    different = {"id", "status", "url", "created_at", "updated_at"}
    assert {k: v for k, v in clone.items() if k not in different} == {
        k: v for k, v in original.items() if k not in different
    }
    assert api.get(f"/{original['id']}").json()["uses_count"] == 4


def test_clone_of_an_archived_offer_is_not_archived(api):
    offer = factories.offer(api.session, api.club, status="published")
    api.post(f"/{offer.id}/archive")
    clone = api.post(f"/{offer.id}/clone").json()
    assert clone["archived_at"] is None


# --- archive --------------------------------------------------------------------------------------


def test_archive_hides_the_offer_from_lists_unless_with_archived(api):
    offer = factories.offer(api.session, api.club)
    response = api.post(f"/{offer.id}/archive")
    assert response.status_code == 200
    archived_at = response.json()["archived_at"]
    assert archived_at is not None
    assert api.get("").json()["offers"] == []
    assert [o["id"] for o in api.get("", params={"with_archived": "true"}).json()["offers"]] == [offer.id]
    assert api.get(f"/{offer.id}").json()["archived_at"] == archived_at


def test_archiving_twice_keeps_the_first_time(api):
    offer = factories.offer(api.session, api.club)
    first = api.post(f"/{offer.id}/archive").json()["archived_at"]
    assert api.post(f"/{offer.id}/archive").json()["archived_at"] == first


# --- grant ----------------------------------------------------------------------------------------


def test_grant_records_one_row_per_grant_and_counts_them(api):
    offer = factories.offer(api.session, api.club, type="exclusive", usable_in_seconds_after_granting=3600)
    alice, bob = factories.member(api.session, api.club), factories.member(api.session, api.club)
    before = api.get(f"/{offer.id}").json()
    response = api.post(f"/{offer.id}/grant", json={"member_ids": [alice.id, bob.id]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["grants_count"] == 2
    assert [g["member_id"] for g in body["grants"]] == [alice.id, bob.id]
    grant = body["grants"][0]
    granted_at = datetime.fromisoformat(grant["granted_at"].replace("Z", "+00:00"))
    usable_until = datetime.fromisoformat(grant["usable_until"].replace("Z", "+00:00"))
    assert usable_until - granted_at == timedelta(seconds=3600)
    assert len(_grants(api, offer.id)) == 2
    shown = api.get(f"/{offer.id}").json()
    assert shown["grants_count"] == 2
    assert shown["updated_at"] == before["updated_at"], "a grant is not an edit of the offer"


def test_grant_without_a_time_limit_has_no_usable_until(api):
    offer = factories.offer(api.session, api.club, type="welcome")
    member = factories.member(api.session, api.club)
    grant = api.post(f"/{offer.id}/grant", json={"member_ids": [member.id]}).json()["grants"][0]
    assert grant["usable_until"] is None


def test_grant_beyond_maximum_grants_per_user_is_refused_without_partial_grants(api):
    offer = factories.offer(api.session, api.club, type="exclusive", maximum_grants_per_user=2)
    alice, bob = factories.member(api.session, api.club), factories.member(api.session, api.club)
    assert api.post(f"/{offer.id}/grant", json={"member_ids": [alice.id]}).status_code == 201

    response = api.post(f"/{offer.id}/grant", json={"member_ids": [bob.id, alice.id, alice.id]})
    assert response.status_code == 422
    assert response.json()["details"] == {
        "member_ids": {"2": [{"error": "grants_limit_exceeded", "options": {"count": 2}}]}
    }
    assert [g.member_id for g in _grants(api, offer.id)] == [alice.id]
    assert api.get(f"/{offer.id}").json()["grants_count"] == 1

    assert api.post(f"/{offer.id}/grant", json={"member_ids": [bob.id, alice.id]}).status_code == 201
    assert api.get(f"/{offer.id}").json()["grants_count"] == 3


def test_grant_to_unknown_or_foreign_members_is_refused(api, factory):
    offer = factories.offer(api.session, api.club, type="exclusive")
    member = factories.member(api.session, api.club)
    foreign = factories.member(api.session, factory.club())
    response = api.post(f"/{offer.id}/grant", json={"member_ids": [member.id, foreign.id, 99999999]})
    assert response.status_code == 422
    assert set(response.json()["details"]["member_ids"]) == {"1", "2"}
    assert _grants(api, offer.id) == []


def test_grant_of_an_archived_offer_is_refused(api):
    offer = factories.offer(api.session, api.club, type="exclusive")
    member = factories.member(api.session, api.club)
    api.post(f"/{offer.id}/archive")
    response = api.post(f"/{offer.id}/grant", json={"member_ids": [member.id]})
    assert response.status_code == 422
    assert response.json() == {"error": "Offer is archived"}


def test_grant_needs_member_ids(api):
    offer = factories.offer(api.session, api.club, type="exclusive")
    response = api.post(f"/{offer.id}/grant", json={"member_ids": []})
    assert response.status_code == 422
    assert response.json()["details"]["member_ids"][0]["error"] == "too_short"


def test_grant_is_idempotent_with_an_idempotency_key(api):
    offer = factories.offer(api.session, api.club, type="exclusive")
    member = factories.member(api.session, api.club)
    headers = {**api.headers, "Idempotency-Key": "grant-1"}
    url = f"{api.base}/{offer.id}/grant"
    first = api.client.post(url, headers=headers, json={"member_ids": [member.id]})
    again = api.client.post(url, headers=headers, json={"member_ids": [member.id]})
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    assert len(_grants(api, offer.id)) == 1


def test_grant_service_can_be_used_without_http(session, factory):
    club = factory.club()
    offer = factories.offer(session, club, type="game_prize")
    member = factories.member(session, club)
    grants = grant_offer(session, club.id, offer.id, [member.id, member.id])
    assert [g.member_id for g in grants] == [member.id, member.id]
    session.refresh(offer)
    assert offer.grants_count == 2
