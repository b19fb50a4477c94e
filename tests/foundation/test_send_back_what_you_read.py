"""A client can send back what it read: for every resource with a PATCH, the body of a GET is accepted as
a PATCH body; a changed read-only key is a 422 naming it (``read_only``) and nothing is written."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.collections.schemas import CollectionUpdate
from loyaltyhub.members.groups.schemas import GroupUpdate
from loyaltyhub.members.schemas import MemberSelfUpdate, MemberUpdate
from loyaltyhub.offers import stock
from loyaltyhub.offers.image_templates import ImageTemplateUpdate
from loyaltyhub.offers.schemas import OfferUpdate
from loyaltyhub.rewards.catalogue.schemas import RewardUpdate
from loyaltyhub.schemas import UpdateModel
from loyaltyhub.stores.schemas import StoreUpdate
from tests.factories import PUBLIC_HEADERS, Factory
from tests.members import factories as members
from tests.offers import factories as offers
from tests.offers.seed import offer_payload

READ_ONLY = [{"error": "read_only", "options": {}}]


@dataclass
class Resource:
    """One resource: its URL, an edit of a writable key, and a read-only key with another value."""

    url: str
    headers: dict[str, str]
    edit: dict[str, Any]
    changed_read_only: dict[str, Any]
    model: type[UpdateModel]


def _offer(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    refs = {
        "store_id": offers.store(session, club).id,
        "audience_id": offers.member_group(session, club).id,
        "collection_ids": [offers.collection(session, club, scope="standard").id],
    }
    body = offer_payload(**refs, name={"en": "Great Offer!"}, description={"en": "Special"})
    created = client.post(f"/v3/{club.slug}/offers", headers=headers, json=body)
    assert created.status_code == 201, created.text
    url = f"/v3/{club.slug}/offers/{created.json()['id']}"
    return Resource(url, headers, {"notes": "edited"}, {"url": "x/1"}, OfferUpdate)


def _collection(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    collection = offers.collection(session, club, scope="standard", files=[{"url": "https://e.com/a.png", "kind": "k"}])
    offers.offer(session, club, status="published", collection_ids=[collection.id])
    url = f"/v3/{club.slug}/offers/collections/{collection.id}"
    return Resource(url, headers, {"position": 9}, {"archived_at": "2024-01-01T00:00:00.000Z"}, CollectionUpdate)


def _image_template(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    body = {"name": "t", "width": 10, "height": 20, "rectangles": [{"name": "Title", "color": "#FF00FF"}]}
    created = client.post(f"/v3/{club.slug}/offers/image_templates", headers=headers, json=body)
    assert created.status_code == 201, created.text
    url = f"/v3/{club.slug}/offers/image_templates/{created.json()['id']}"
    return Resource(url, headers, {"width": 11}, {"created_at": "2020-01-01T00:00:00.000000Z"}, ImageTemplateUpdate)


def _store(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    created = client.post(f"/v3/{club.slug}/stores", headers=headers, json={"name": "H&M", "external_id": "hm"})
    assert created.status_code == 201, created.text
    url = f"/v3/{club.slug}/stores/{created.json()['id']}"
    return Resource(url, headers, {"name": "H & M"}, {"id": 10**9}, StoreUpdate)


def _group(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    created = client.post(f"/v3/{club.slug}/members/groups", headers=headers, json={"name": "VIP"})
    assert created.status_code == 201, created.text
    group_id = created.json()["id"]
    added = client.post(
        f"/v3/{club.slug}/members/groups/{group_id}/members",
        headers=headers,
        json={"member_ids": [members.member(session, club).id]},
    )
    assert added.status_code == 200, added.text
    url = f"/v3/{club.slug}/members/groups/{group_id}"
    return Resource(url, headers, {"description": "Best"}, {"updated_at": "2020-01-01T00:00:00Z"}, GroupUpdate)


def _reward(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    body = {"name": "Toaster", "price": 300, "stock": 5, "files": [{"url": "https://e.com/t.jpg", "width": 10}]}
    created = client.post(f"/v1/{club.slug}/rewards-program/rewards", headers=headers, json=body)
    assert created.status_code == 201, created.text
    url = f"/v1/{club.slug}/rewards-program/rewards/{created.json()['id']}"
    return Resource(url, headers, {"price": 250}, {"created_at": "2020-01-01T00:00:00.000Z"}, RewardUpdate)


def _signed_up(client: TestClient, club: LoyaltyClub, headers: dict[str, str]) -> dict[str, Any]:
    properties = {
        "first_name": "Kari",
        "msisdn": "+47 407 69 126",
        "email": "Kari@Example.com",
        "birthday": "1990-10-23",
        "gender": "woman",
        "city": "Bergen",
        "zip_code": "5003",
        "interests": ["cars"],
        "shoe_size": 38,
    }
    body = {"properties": properties, "consents": {"sms_marketing": {"status": True}}, "password": "long enough pw"}
    created = client.post(f"/v3/{club.slug}/members", headers={**headers, **PUBLIC_HEADERS}, json=body)
    assert created.status_code == 201, created.text
    return created.json()


def _member(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    member_id = _signed_up(client, club, headers)["id"]
    url = f"/v3/{club.slug}/members/{member_id}"
    return Resource(url, headers, {"subunit_ids": [5]}, {"age": "18-19"}, MemberUpdate)


def _me(client: TestClient, session: Session, club: LoyaltyClub, headers: dict[str, str]) -> Resource:
    from loyaltyhub.members.models import Member

    member = session.get(Member, _signed_up(client, club, headers)["id"])
    me = {**headers, **PUBLIC_HEADERS, "Authorization": f"Bearer {members.access_token(session, member)}"}
    url = f"/v3/{club.slug}/members/me"
    return Resource(url, me, {"favorite_stores": []}, {"sms_status": "barred"}, MemberSelfUpdate)


RESOURCES: dict[str, Callable[..., Resource]] = {
    "offer": _offer,
    "collection": _collection,
    "image_template": _image_template,
    "store": _store,
    "reward": _reward,
    "member_group": _group,
    "member": _member,
    "member_me": _me,
}


@pytest.fixture(params=list(RESOURCES))
def resource(request, client: TestClient, session: Session, factory: Factory) -> Resource:
    club = factory.club(languages=["en", "no"], default_language="en")
    headers = {"X-Client-Authorization": factory.client_token([club])}
    return RESOURCES[request.param](client, session, club, headers)


def _get(client: TestClient, resource: Resource) -> dict[str, Any]:
    response = client.get(resource.url, headers=resource.headers)
    assert response.status_code == 200, response.text
    return response.json()


def _without_updated_at(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k != "updated_at"}


def test_a_get_body_is_a_patch_body_and_read_only_keys_may_not_change(client: TestClient, resource: Resource):
    read = _get(client, resource)

    # Every key of a GET body is writable or declared read-only (a new response key must be declared).
    keys = resource.model.read_only_keys
    writable = set(resource.model.model_fields)
    assert set(read) <= writable | {key.split(".")[0] for key in (*keys.fixed, *keys.live)}
    assert not {key for key in (*keys.fixed, *keys.live) if "." not in key} & writable

    # The GET body sent back is accepted and changes nothing but updated_at.
    response = client.patch(resource.url, headers=resource.headers, json=read)
    assert response.status_code == 200, response.text
    assert _without_updated_at(response.json()) == _without_updated_at(read)
    assert _without_updated_at(_get(client, resource)) == _without_updated_at(read)

    # A changed read-only key: 422 naming it, and nothing of the body is written.
    read = _get(client, resource)
    response = client.patch(
        resource.url, headers=resource.headers, json={**read, **resource.edit, **resource.changed_read_only}
    )
    [key] = resource.changed_read_only
    assert response.status_code == 422, response.text
    assert response.json() == {"error": "Invalid parameters", "details": {key: READ_ONLY}}
    assert _get(client, resource) == read

    # The GET body with an edit changes that key only.
    response = client.patch(resource.url, headers=resource.headers, json={**read, **resource.edit})
    assert response.status_code == 200, response.text
    assert _without_updated_at(_get(client, resource)) == _without_updated_at({**read, **resource.edit})

    # The body read before that edit is stale: its updated_at refuses it, so it cannot undo the edit.
    if response.json()["updated_at"] != read["updated_at"]:  # (equal only within one clock tick)
        stale = client.patch(resource.url, headers=resource.headers, json=read)
        assert stale.status_code == 422, stale.text
        assert stale.json()["details"] == {"updated_at": READ_ONLY}


def test_live_counters_read_before_they_moved_are_accepted(client: TestClient, session: Session, factory: Factory):
    club = factory.club(languages=["en"], default_language="en")
    headers = {"X-Client-Authorization": factory.client_token([club])}
    offer = offers.offer(session, club, status="published")
    url = f"/v3/{club.slug}/offers/{offer.id}"
    read = client.get(url, headers=headers).json()
    stock.add_uses(session, club_id=club.id, offer_id=offer.id, uses=2)  # members used it meanwhile
    response = client.patch(url, headers=headers, json={**read, "notes": "edited"})
    assert response.status_code == 200, response.text
    assert (response.json()["uses_count"], response.json()["notes"]) == (2, "edited")


def test_consents_sent_back_keep_when_they_were_given(client: TestClient, session: Session, factory: Factory):
    club = factory.club()
    headers = {"X-Client-Authorization": factory.client_token([club])}
    url = f"/v3/{club.slug}/members/{_signed_up(client, club, headers)['id']}"
    read = client.get(url, headers=headers).json()
    given = read["consents"]["sms_marketing"]["updated_at"]
    patched = client.patch(url, headers=headers, json=read).json()
    assert patched["consents"]["sms_marketing"]["updated_at"] == given
    changed = copy.deepcopy(patched)
    changed["consents"]["sms_marketing"]["updated_at"] = "2001-01-01T00:00:00Z"
    response = client.patch(url, headers=headers, json=changed)
    assert response.status_code == 422
    assert response.json()["details"] == {"consents": {"sms_marketing": {"updated_at": READ_ONLY}}}
