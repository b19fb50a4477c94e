"""Public API › Loyalty Club (issue 19): List Products and Show Loyalty Club by community id."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits
from loyaltyhub.club_info import service
from loyaltyhub.clubs.service import set_community_id
from loyaltyhub.errors import ValidationFailed


def test_products_come_from_the_schema_products():
    schema = {
        "properties": {"email": {}, "msisdn": {}, "first_name": {}},
        "products": {"default": ["msisdn", "first_name", "email"], "webforms": ["msisdn", "email"]},
    }
    assert service.products(schema) == [
        {
            "name": "Default",
            "slug": "default",
            "filtered_member_properties": [],
            "subproducts": [],
            "is_webform": False,
        },
        {
            "name": "Webforms",
            "slug": "webforms",
            "filtered_member_properties": ["email", "msisdn"],
            "subproducts": [],
            "is_webform": True,
        },
    ]
    assert service.products({"properties": {}}) == []


def test_list_products_of_a_club(client, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    answer = client.get(f"/v3/{club.slug}/products", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json() == [
        {"name": "Default", "slug": "default", "filtered_member_properties": [], "subproducts": [], "is_webform": False}
    ]
    schema = client.get(f"/v3/{club.slug}/member_schema", headers=headers).json()
    assert [p["slug"] for p in answer.json()] == list(schema["products"])
    limited = factory.headers(factory.client_token([club], [permits.SCHEMA_GET]))
    refused = client.get(f"/v3/{club.slug}/products", headers=limited)
    assert (refused.status_code, refused.json()) == (403, {"error": f"Missing permit {permits.PRODUCTS_INDEX}"})
    assert client.get("/v3/no-such-club/products", headers=headers).status_code == 404


def test_show_loyalty_club_by_community_id(client, factory, session):
    club, other = factory.club(community_id=3433), factory.club()
    headers = factory.headers(factory.client_token([club]))
    answer = client.get("/v3/loyalty_clubs/by_community_id/3433", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.json()["main_slug"] == club.slug and answer.json()["community_id"] == 3433
    assert client.get(f"/v3/loyalty_clubs/{club.slug}", headers=headers).json()["community_id"] == 3433
    missing = client.get("/v3/loyalty_clubs/by_community_id/3434", headers=headers)
    assert (missing.status_code, missing.json()) == (404, {"error": "Loyalty club with community id 3434 not found"})
    set_community_id(session, other, 3434)
    foreign = client.get("/v3/loyalty_clubs/by_community_id/3434", headers=headers)
    assert (foreign.status_code, foreign.json()) == (404, {"error": "Loyalty club with community id 3434 not found"})
    assert client.get("/v3/loyalty_clubs/by_community_id/abc", headers=headers).status_code == 422
    assert client.get("/v3/loyalty_clubs/by_community_id/0", headers=headers).status_code == 422
    narrowed = {**headers, "X-Customer": str(club.id)}
    assert client.get("/v3/loyalty_clubs/by_community_id/3433", headers=narrowed).status_code == 200
    out_of_reach = client.get(
        "/v3/loyalty_clubs/by_community_id/3433", headers={**headers, "X-Customer": str(other.id)}
    )
    assert out_of_reach.status_code == 403
    malformed = client.get("/v3/loyalty_clubs/by_community_id/3433", headers={**headers, "X-Customer": "what=ever"})
    assert malformed.status_code == 471
    limited = factory.headers(factory.client_token([club], [permits.SCHEMA_GET]))
    refused = client.get("/v3/loyalty_clubs/by_community_id/3433", headers=limited)
    assert refused.json() == {"error": f"Missing permit {permits.LOYALTY_CLUBS_GET}"}


def test_a_community_id_belongs_to_one_club(factory, session):
    club = factory.club(community_id=55)
    with pytest.raises(ValidationFailed):
        factory.club(community_id=55)
    with pytest.raises(ValidationFailed):
        set_community_id(session, factory.club(), 55)
    set_community_id(session, club, 55)  # its own id again: no change
    set_community_id(session, club, None)
    assert club.community_id is None
