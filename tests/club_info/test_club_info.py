"""Public API › Loyalty Club (issue 19): show and list loyalty clubs, the member schema."""

from __future__ import annotations

import jsonschema_rs
import pytest

from loyaltyhub.auth import permits


@pytest.fixture
def club(factory):
    return factory.club(organization="Cats")


def test_show_loyalty_club(client, factory, club):
    headers = factory.headers(factory.client_token([club]))
    answer = client.get(f"/v3/loyalty_clubs/{club.slug}", headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["id"] == club.id and body["main_slug"] == club.slug and body["name"] == club.name
    assert body["customer_id"] == club.organization_id
    assert body["timezone"] == "Europe/Oslo" and body["country"] == "NO"
    assert body["member_identifiers"] == ["msisdn", "email"] and body["other_slugs"] == []
    assert body["languages"] == ["no", "en"] and body["default_language"] == "no"
    assert client.get("/v3/loyalty_clubs/no-such-club", headers=headers).status_code == 404


def test_list_loyalty_clubs_of_the_caller(client, factory, club):
    sister = factory.club(organization="Cats")
    stranger = factory.club(organization="Dogs")
    headers = factory.headers(factory.client_token([club, sister]))
    listed = client.get("/v3/loyalty_clubs", headers=headers).json()
    assert [c["id"] for c in listed["loyalty_clubs"]] == [club.id, sister.id]
    assert listed["pagination_info"]["total_count"] == 2
    one = client.get("/v3/loyalty_clubs?per_page=1&page_no=2", headers=headers).json()
    assert [c["id"] for c in one["loyalty_clubs"]] == [sister.id]
    narrowed = client.get("/v3/loyalty_clubs", headers={**headers, "X-Customer": str(sister.id)}).json()
    assert [c["id"] for c in narrowed["loyalty_clubs"]] == [sister.id]
    foreign = client.get("/v3/loyalty_clubs", headers={**headers, "X-Customer": str(stranger.id)})
    assert foreign.status_code == 403
    by_customer = client.get(f"/v3/loyalty_clubs?customer_id={club.organization_id}", headers=headers).json()
    assert len(by_customer["loyalty_clubs"]) == 2
    assert client.get("/v3/loyalty_clubs?customer_id=987654", headers=headers).json()["loyalty_clubs"] == []
    malformed = client.get("/v3/loyalty_clubs", headers={**headers, "X-Customer": "what=ever"})
    assert malformed.status_code == 471


def test_list_needs_the_permit(client, factory, club):
    headers = factory.headers(factory.client_token([club], [permits.LOYALTY_CLUBS_GET]))
    answer = client.get("/v3/loyalty_clubs", headers=headers)
    assert answer.status_code == 403
    assert answer.json() == {"error": f"Missing permit {permits.LOYALTY_CLUBS_LIST}"}
    assert client.get("/v3/loyalty_clubs").status_code == 401


def test_member_schema_describes_what_sign_up_accepts(client, factory, club):
    headers = factory.headers(factory.client_token([club]))
    answer = client.get(f"/v3/{club.slug}/member_schema", headers=headers)
    assert answer.status_code == 200, answer.text
    schema = answer.json()
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert schema["identifiers"] == ["msisdn", "email"]
    assert schema["languages"] == ["no", "en"] and schema["default_language"] == "no" and schema["version"] == "v2"
    assert schema["properties"]["birthday"] == {"type": "string", "format": "date"}
    assert schema["properties"]["language"]["enum"] == ["no", "en"]
    assert set(schema["consents"]) >= {"sms_marketing", "email_marketing"}
    validator = jsonschema_rs.Draft4Validator(schema)
    accepted = {"msisdn": "4740769126", "first_name": "Kari", "birthday": "1990-10-23", "shoe_size": 38}
    assert validator.is_valid(accepted)
    created = client.post(f"/v3/{club.slug}/members", headers=headers, json={"properties": accepted})
    assert created.status_code == 201, created.text
    for refused in ({"first_name": "no identifier"}, {"email": "a@example.com", "language": "de"}, {"Bad-Key": 1}):
        assert not validator.is_valid(refused), refused
        answer = client.post(f"/v3/{club.slug}/members/validate", headers=headers, json={"properties": refused})
        assert answer.json()["valid"] is False, refused
