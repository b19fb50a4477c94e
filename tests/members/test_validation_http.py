"""Invalid member data answers 422 with the B.7 details tree; msisdn and e-mail are unique per club."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club], [permits.MEMBERS_CREATE, permits.MEMBERS_OAUTH]))


def _create(client, club, headers, **body):
    return client.post(f"/v3/{club.slug}/members", headers=headers, json=body)


@pytest.mark.parametrize(
    ("case", "properties", "details"),
    [
        (
            "letters are no msisdn",
            {"msisdn": "abc"},
            {"properties": {"msisdn": [{"error": "invalid_msisdn", "options": {}}]}},
        ),
        (
            "too short for any country",
            {"msisdn": "4712"},
            {"properties": {"msisdn": [{"error": "invalid_msisdn", "options": {}}]}},
        ),
        ("boolean msisdn", {"msisdn": True}, {"properties": {"msisdn": [{"error": "invalid_msisdn", "options": {}}]}}),
        (
            "e-mail without domain",
            {"email": "kari@"},
            {"properties": {"email": [{"error": "invalid_format", "options": {"format": "email"}}]}},
        ),
        (
            "birthday in the future",
            {"msisdn": "4740769126", "birthday": "2999-01-01"},
            {"properties": {"birthday": [{"error": "less_or_equal_to", "options": {"number": "__today__"}}]}},
        ),
        (
            "birthday not a date",
            {"msisdn": "4740769126", "birthday": "23.10.1990"},
            {"properties": {"birthday": [{"error": "invalid_format", "options": {"format": "YYYY-MM-DD"}}]}},
        ),
        (
            "Norwegian zip codes have four digits",
            {"msisdn": "4740769126", "zip_code": "12345"},
            {"properties": {"zip_code": [{"error": "invalid_format", "options": {"format": "^(\\d{4})$"}}]}},
        ),
        (
            "language the club does not speak",
            {"msisdn": "4740769126", "language": "de"},
            {"properties": {"language": [{"error": "inclusion", "options": {"in": ["no", "en"]}}]}},
        ),
        (
            "no msisdn nor e-mail",
            {"first_name": "Kari"},
            {"properties": {"msisdn": [{"error": "blank", "options": {}}]}},
        ),
        (
            "interests must be strings",
            {"msisdn": "4740769126", "interests": ["cars", 7]},
            {
                "properties": {
                    "interests": {
                        "1": [{"error": "invalid_type", "options": {"expected": "string of 1 to 64 characters"}}]
                    }
                }
            },
        ),
    ],
)
def test_invalid_properties_give_the_details_tree(client, club, headers, case, properties, details):
    from loyaltyhub.members.service import club_today

    response = _create(client, club, headers, properties=properties)
    assert response.status_code == 422, case
    body = response.json()
    assert body["error"] == "Invalid parameters"
    if case == "birthday in the future":
        details["properties"]["birthday"][0]["options"]["number"] = club_today(club).isoformat()
    assert body["details"] == details, case


@pytest.mark.parametrize(
    ("case", "consents", "details"),
    [
        (
            "consent as a bare boolean",
            {"sms_marketing": True},
            {"consents": {"sms_marketing": [{"error": "invalid_type", "options": {"expected": "object"}}]}},
        ),
        (
            "status as a string",
            {"sms_marketing": {"status": "yes"}},
            {
                "consents": {
                    "sms_marketing": {"status": [{"error": "invalid_type", "options": {"expected": "boolean"}}]}
                }
            },
        ),
        (
            "status missing",
            {"sms_marketing": {}},
            {"consents": {"sms_marketing": {"status": [{"error": "blank", "options": {}}]}}},
        ),
        (
            "unknown key in a consent",
            {"sms_marketing": {"status": True, "source": "web"}},
            {"consents": {"sms_marketing": {"source": [{"error": "unknown_attribute", "options": {}}]}}},
        ),
        (
            "consents not an object",
            ["sms_marketing"],
            {"consents": [{"error": "invalid_type", "options": {"expected": "object"}}]},
        ),
    ],
)
def test_invalid_consent_shapes_give_the_details_tree(client, club, headers, case, consents, details):
    response = _create(client, club, headers, properties={"msisdn": "4740769126"}, consents=consents)
    assert response.status_code == 422, case
    assert response.json() == {"error": "Invalid parameters", "details": details}, case


def test_unknown_body_field_is_refused(client, club, headers):
    response = _create(client, club, headers, properties={"msisdn": "4740769126"}, nickname="Kari")
    assert response.status_code == 422
    assert response.json()["details"] == {"nickname": [{"error": "unknown_attribute", "options": {}}]}


def test_duplicate_msisdn_in_the_same_club_is_422_in_another_club_allowed(client, factory, club, headers):
    first = _create(client, club, headers, properties={"msisdn": "4740769126"})
    assert first.status_code == 201
    duplicate = _create(client, club, headers, properties={"msisdn": "+47 40 76 91 26"})
    assert duplicate.status_code == 422
    assert duplicate.json()["details"] == {"properties": {"msisdn": [{"error": "taken", "options": {}}]}}

    other = factory.club()
    other_headers = factory.headers(factory.client_token([other], [permits.MEMBERS_CREATE]))
    elsewhere = _create(client, other, other_headers, properties={"msisdn": "4740769126"})
    assert elsewhere.status_code == 201


def test_duplicate_email_in_the_same_club_is_422(client, club, headers):
    assert _create(client, club, headers, properties={"email": "kari@example.com"}).status_code == 201
    duplicate = _create(client, club, headers, properties={"email": "KARI@example.com"})
    assert duplicate.status_code == 422
    assert duplicate.json()["details"] == {"properties": {"email": [{"error": "taken", "options": {}}]}}


def test_favorite_stores_must_be_stores_of_the_club(client, session, factory, club, headers):
    from tests.stores import factories as stores

    own = stores.store(session, club)
    foreign = stores.store(session, factory.club())
    response = _create(client, club, headers, properties={"msisdn": "4740769126"}, favorite_stores=[own.id, foreign.id])
    assert response.status_code == 422
    assert response.json()["details"] == {
        "favorite_stores": {"1": [{"error": "does_not_exist", "options": {"id": foreign.id}}]}
    }
    ok = _create(client, club, headers, properties={"msisdn": "4740769126"}, favorite_stores=[own.id])
    assert ok.status_code == 201
    assert ok.json()["favorite_stores"] == [own.id]


def test_changing_msisdn_to_a_taken_one_is_422(client, session, club, factory):
    taken = members.member(session, club)
    member = members.member(session, club)
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    headers["Authorization"] = f"Bearer {members.access_token(session, member)}"
    response = client.patch(
        f"/v3/{club.slug}/members/me", headers=headers, json={"properties": {"msisdn": taken.msisdn}}
    )
    assert response.status_code == 422
    assert response.json()["details"] == {"properties": {"msisdn": [{"error": "taken", "options": {}}]}}
