"""The member's journey through the Public API, over HTTP only (issue 3 acceptance)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.members.models import Member, OutboxMessage
from tests.members import factories as members

PUBLIC_PERMITS = [permits.MEMBERS_CREATE, permits.MEMBERS_OAUTH, permits.MEMBERS_APP_TOKENS]


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def app_headers(factory, club):
    return factory.headers(factory.client_token([club], PUBLIC_PERMITS))


def _url(club, path=""):
    return f"/v3/{club.slug}/members{path}"


def _latest_code(session, recipient):
    message = (
        session.execute(
            select(OutboxMessage).where(OutboxMessage.recipient == recipient).order_by(OutboxMessage.id.desc())
        )
        .scalars()
        .first()
    )
    assert message is not None, f"no message to {recipient} in the outbox"
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def test_member_journey_create_login_refresh_show_update_destroy(client, session, club, app_headers):
    created = client.post(
        _url(club),
        headers={**app_headers, "X-Product-Name": "android-app", "X-Subproduct-Name": "summer-campaign"},
        json={
            "properties": {
                "first_name": "Kari",
                "last_name": "Nordmann",
                "msisdn": "+47 407 69 126",
                "email": "Kari@Example.com",
                "birthday": "1990-10-23",
                "gender": "woman",
                "city": "Bergen",
                "shoe_size": 38,
            },
            "consents": {"sms_marketing": {"status": True}, "email_marketing": {"status": False}},
            "password": "correct horse battery",
        },
    )
    assert created.status_code == 201, created.text
    member = created.json()
    assert member["optin_channel"] == "android-app"
    assert member["optin_subchannel"] == "summer-campaign"
    assert member["optin_platform"] == "android"
    assert member["properties"]["msisdn"] == "4740769126"
    assert member["properties"]["email"] == "kari@example.com"
    assert member["properties"]["shoe_size"] == 38
    assert member["properties"]["language"] == club.default_language
    assert member["consents"]["sms_marketing"]["status"] is True
    assert member["consents"]["sms_marketing"]["updated_at"]
    assert member["sms_status"] == "enabled" and member["has_password"] is True

    # Password grant.
    login = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={
            "grant_type": "password",
            "identifier_type": "msisdn",
            "identifier": "4740769126",
            "password": "correct horse battery",
        },
    )
    assert login.status_code == 200, login.text
    tokens = login.json()
    assert tokens["token_type"] == "bearer"
    assert tokens["expires_in"] == 24 * 3600
    assert tokens["resource_owner_id"] == member["id"]

    # One-time password by SMS, read from the outbox; it verifies the SMS channel.
    sent = client.post(_url(club, "/otp/sms"), headers=app_headers, json={"msisdn": "+4740769126"})
    assert sent.status_code == 200, sent.text
    code = _latest_code(session, "4740769126")
    otp_login = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "password", "identifier_type": "msisdn", "identifier": "40769126", "password": code},
    )
    assert otp_login.status_code == 200, otp_login.text
    reused = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "password", "identifier_type": "msisdn", "identifier": "40769126", "password": code},
    )
    assert reused.status_code == 461, "a one-time password works once"

    # Refresh: a new pair; the old refresh token is spent.
    refreshed = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert refreshed.status_code == 200, refreshed.text
    again = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
    )
    assert again.status_code == 462
    access = refreshed.json()["access_token"]
    me_headers = {**app_headers, "Authorization": f"Bearer {access}"}

    info = client.get(_url(club, "/oauth/token/info"), headers=me_headers)
    assert info.status_code == 200
    assert info.json()["resource_owner_id"] == member["id"]
    assert 0 < info.json()["expires_in_seconds"] <= 24 * 3600

    me = client.get(_url(club, "/me"), headers=me_headers)
    assert me.status_code == 200
    assert me.json()["sms_status"] == "verified"
    assert me.json()["properties"]["first_name"] == "Kari"

    updated = client.patch(
        _url(club, "/me"),
        headers=me_headers,
        json={"properties": {"first_name": "Kari Anne", "shoe_size": None}, "consents": {"push": {"status": True}}},
    )
    assert updated.status_code == 200, updated.text
    body = updated.json()
    assert body["properties"]["first_name"] == "Kari Anne"
    assert "shoe_size" not in body["properties"]
    assert body["properties"]["last_name"] == "Nordmann"
    assert set(body["consents"]) == {"sms_marketing", "email_marketing", "push"}

    device = client.post(_url(club, "/me/app_tokens"), headers=me_headers, json={"token": "fcm-token-123456"})
    assert device.status_code == 201, device.text
    assert client.get(_url(club, "/me"), headers=me_headers).json()["has_push_token"] is True

    destroyed = client.delete(_url(club, "/me"), headers=me_headers)
    assert destroyed.status_code == 204
    assert client.get(_url(club, "/me"), headers=me_headers).status_code == 460
    row = session.get(Member, member["id"])
    session.refresh(row)
    assert row.deleted_at is not None
    assert row.msisdn is None and row.email is None
    assert "first_name" not in row.properties and row.properties["gender"] == "woman"
    assert row.age == "35-39", "analytics fields stay"


def test_email_one_time_password_signs_in_and_verifies_email(client, session, club, app_headers):
    members.member(session, club, properties={"email": "ola@example.com", "msisdn": None})
    assert (
        client.post(_url(club, "/otp/email"), headers=app_headers, json={"email": "OLA@example.com"}).status_code == 200
    )
    code = _latest_code(session, "ola@example.com")
    login = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "password", "identifier_type": "email", "identifier": "ola@example.com", "password": code},
    )
    assert login.status_code == 200, login.text
    me = client.get(
        _url(club, "/me"), headers={**app_headers, "Authorization": f"Bearer {login.json()['access_token']}"}
    )
    assert me.json()["email_status"] == "verified"


def test_wrong_password_or_unknown_member_is_461(client, session, club, app_headers):
    member = members.member(session, club, password="right password")
    for identifier_type, identifier, password in [
        ("id", str(member.id), "wrong password"),
        ("msisdn", member.msisdn, "wrong password"),
        ("email", "nobody@example.com", "right password"),
        ("id", "999999999", "right password"),
        ("id", "\u00b2", "right password"),  # "²" passes str.isdigit() and is no integer
    ]:
        response = client.post(
            _url(club, "/oauth/token"),
            headers=app_headers,
            json={
                "grant_type": "password",
                "identifier_type": identifier_type,
                "identifier": identifier,
                "password": password,
            },
        )
        assert response.status_code == 461, (identifier_type, identifier)
        assert response.json() == {"error": "Invalid credentials"}


def test_bad_refresh_token_is_462(client, club, app_headers):
    for token in ["lhr_nope_nope", "garbage"]:
        response = client.post(
            _url(club, "/oauth/token"),
            headers=app_headers,
            json={"grant_type": "refresh_token", "refresh_token": token},
        )
        assert response.status_code == 462


def test_invalid_or_expired_access_token_is_460(client, session, club, app_headers):
    member = members.member(session, club)
    expired = members.access_token(session, member, ttl_seconds=-1)
    for authorization in [f"Bearer {expired}", "Bearer lhm_abc_def", "Bearer x", None]:
        headers = dict(app_headers)
        if authorization:
            headers["Authorization"] = authorization
        assert client.get(_url(club, "/me"), headers=headers).status_code == 460, authorization
        assert client.get(_url(club, "/oauth/token/info"), headers=headers).status_code == 460


def test_revoked_access_token_is_460(client, session, club, app_headers):
    member = members.member(session, club)
    token = members.access_token(session, member)
    headers = {**app_headers, "Authorization": f"Bearer {token}"}
    assert client.get(_url(club, "/me"), headers=headers).status_code == 200
    assert client.post(_url(club, "/oauth/revoke"), headers=app_headers, json={"token": token}).status_code == 200
    assert client.get(_url(club, "/me"), headers=headers).status_code == 460


def test_another_clubs_member_token_is_460(client, session, factory, club, app_headers):
    other = factory.club()
    stranger = members.member(session, other)
    headers = {**app_headers, "Authorization": f"Bearer {members.access_token(session, stranger)}"}
    assert client.get(_url(club, "/me"), headers=headers).status_code == 460


@pytest.mark.parametrize("missing", ["X-Product-Name", "X-User-Agent"])
def test_missing_public_api_header_is_470(client, club, app_headers, missing):
    headers = {k: v for k, v in app_headers.items() if k != missing}
    response = client.post(_url(club), headers=headers, json={"properties": {"msisdn": "4740769126"}})
    assert response.status_code == 470
    assert missing in response.json()["error"]


def test_sign_up_needs_the_create_permit(client, factory, club):
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    response = client.post(_url(club), headers=headers, json={"properties": {"msisdn": "4740769126"}})
    assert response.status_code == 403
    assert response.json() == {"error": f"Missing permit {permits.MEMBERS_CREATE}"}


def test_registration_password_verifies_the_msisdn_at_sign_up(client, session, club, app_headers):
    assert client.post(_url(club, "/otp/sms"), headers=app_headers, json={"msisdn": "4798765432"}).status_code == 200
    code = _latest_code(session, "4798765432")
    wrong = client.post(
        _url(club),
        headers=app_headers,
        json={"properties": {"msisdn": "4798765432"}, "registration_password": "000000"},
    )
    if code != "000000":
        assert wrong.status_code == 422
        assert wrong.json()["details"] == {"registration_password": [{"error": "invalid", "options": {}}]}
    created = client.post(
        _url(club), headers=app_headers, json={"properties": {"msisdn": "4798765432"}, "registration_password": code}
    )
    assert created.status_code == 201, created.text
    assert created.json()["sms_status"] == "verified"


def test_sign_up_is_idempotent_with_a_key(client, club, app_headers):
    headers = {**app_headers, "Idempotency-Key": "signup-1"}
    body = {"properties": {"msisdn": "4791234567"}}
    first = client.post(_url(club), headers=headers, json=body)
    second = client.post(_url(club), headers=headers, json=body)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers.get("Idempotent-Replayed") == "true"
