"""Stores CRUD (``/v3/{slug}/stores``) and their use as members' favourite stores."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits
from loyaltyhub.members.models import Member
from tests.members import factories as members
from tests.stores import factories as stores


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return {"X-Client-Authorization": factory.client_token([club])}


def test_crud(client, club, headers):
    created = client.post(f"/v3/{club.slug}/stores", headers=headers, json={"name": "H&M", "external_id": "hm-1"})
    assert created.status_code == 201, created.text
    store = created.json()
    assert {k: store[k] for k in ("name", "external_id")} == {"name": "H&M", "external_id": "hm-1"}
    assert client.get(f"/v3/{club.slug}/stores/{store['id']}", headers=headers).json()["name"] == "H&M"
    renamed = client.patch(f"/v3/{club.slug}/stores/{store['id']}", headers=headers, json={"name": "H & M"})
    assert renamed.json()["name"] == "H & M" and renamed.json()["external_id"] == "hm-1"
    cleared = client.patch(f"/v3/{club.slug}/stores/{store['id']}", headers=headers, json={"external_id": None})
    assert cleared.json()["external_id"] is None
    assert client.delete(f"/v3/{club.slug}/stores/{store['id']}", headers=headers).status_code == 204
    assert client.get(f"/v3/{club.slug}/stores/{store['id']}", headers=headers).status_code == 404


def test_list_sorts_searches_and_paginates(client, session, club, headers):
    for name in ["Zara", "Apotek 1", "Kiwi", "Rema 1000"]:
        stores.store(session, club, name=name)
    stores.store(session, club, name="Vinmonopolet")
    listed = client.get(f"/v3/{club.slug}/stores", headers=headers, params={"per_page": 2}).json()
    assert [s["name"] for s in listed["stores"]] == ["Apotek 1", "Kiwi"]
    assert listed["pagination_info"]["total_count"] == 5
    found = client.get(f"/v3/{club.slug}/stores", headers=headers, params={"search": "rema"}).json()
    assert [s["name"] for s in found["stores"]] == ["Rema 1000"]
    desc = client.get(f"/v3/{club.slug}/stores", headers=headers, params={"sort_direction": "desc"}).json()
    assert desc["stores"][0]["name"] == "Zara"


def test_external_id_is_unique_per_club(client, session, factory, club, headers):
    stores.store(session, club, external_id="x-1")
    duplicate = client.post(f"/v3/{club.slug}/stores", headers=headers, json={"name": "Other", "external_id": "x-1"})
    assert duplicate.status_code == 422
    assert duplicate.json()["details"] == {"external_id": [{"error": "taken", "options": {}}]}
    other = factory.club()
    other_headers = {"X-Client-Authorization": factory.client_token([other])}
    assert (
        client.post(
            f"/v3/{other.slug}/stores", headers=other_headers, json={"name": "Other", "external_id": "x-1"}
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("body", "details"),
    [
        ({}, {"name": [{"error": "blank", "options": {}}]}),
        ({"name": ""}, {"name": [{"error": "too_short", "options": {"min_length": 1}}]}),
        ({"name": "A", "colour": "red"}, {"colour": [{"error": "unknown_attribute", "options": {}}]}),
    ],
)
def test_invalid_store_is_422(client, club, headers, body, details):
    response = client.post(f"/v3/{club.slug}/stores", headers=headers, json=body)
    assert response.status_code == 422
    assert response.json()["details"] == details


def test_another_clubs_store_is_not_found(client, session, factory, club, headers):
    foreign = stores.store(session, factory.club())
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(
            method, f"/v3/{club.slug}/stores/{foreign.id}", headers=headers, json={} if method == "PATCH" else None
        )
        assert response.status_code == 404, method


def test_deleting_a_store_removes_it_from_favourites(client, session, club, headers):
    kept, closed = stores.store(session, club), stores.store(session, club)
    member = members.member(session, club, favorite_stores=[kept.id, closed.id])
    assert client.delete(f"/v3/{club.slug}/stores/{closed.id}", headers=headers).status_code == 204
    session.refresh(session.get(Member, member.id))
    assert session.get(Member, member.id).favorite_stores == [kept.id]


def test_stores_need_their_permits(client, factory, club):
    headers = {"X-Client-Authorization": factory.client_token([club], [permits.STORES_LIST])}
    assert client.get(f"/v3/{club.slug}/stores", headers=headers).status_code == 200
    response = client.post(f"/v3/{club.slug}/stores", headers=headers, json={"name": "X"})
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.STORES_CREATE}"}


def test_an_empty_update_is_422(client, session, club, headers):
    store = stores.store(session, club)
    response = client.patch(f"/v3/{club.slug}/stores/{store.id}", headers=headers, json={})
    assert response.status_code == 422
    assert response.json()["details"] == {"base": [{"error": "blank", "options": {}}]}
