"""Authentication, contexts and /v1/me, /v1/permits through HTTP."""

from __future__ import annotations

from loyaltyhub.auth import permits


def test_me_with_client_token_names_principal_clubs_and_permits(client, factory):
    club = factory.club()
    token = factory.client_token([club], [permits.OFFERS_LIST])
    response = client.get("/v1/me", headers={"X-Client-Authorization": token})
    assert response.status_code == 200
    body = response.json()
    assert body["principal"]["type"] == "client"
    assert [c["slug"] for c in body["clubs"]] == [club.slug]
    assert body["clubs"][0]["permits"] == [permits.OFFERS_LIST]
    assert body["permits"] == [permits.OFFERS_LIST]


def test_me_without_credentials_is_401_in_error_format(client):
    response = client.get("/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"error"}


def test_me_with_wrong_secret_is_401(client, factory):
    club = factory.club()
    token = factory.client_token([club])
    tampered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    assert client.get("/v1/me", headers={"X-Client-Authorization": tampered}).status_code == 401
    assert client.get("/v1/me", headers={"X-Client-Authorization": "garbage"}).status_code == 401


def test_organization_token_sees_every_club_of_the_organization(client, factory):
    a = factory.club(organization="Group")
    b = factory.club(organization="Group")
    factory.club()
    token = factory.client_token(organization="Group")
    body = client.get("/v1/me", headers={"X-Client-Authorization": token}).json()
    assert {c["id"] for c in body["clubs"]} == {a.id, b.id}


def test_staff_user_logs_in_and_uses_bearer_token(client, factory, session):
    from loyaltyhub.auth.service import create_user

    club = factory.club()
    create_user(session, email="Ana@Example.com", password="s3cret-pass", role="analyst", club_slugs=[club.slug])
    bad = client.post(
        "/v1/users/oauth/token", json={"grant_type": "password", "email": "ana@example.com", "password": "nope"}
    )
    assert bad.status_code == 401
    good = client.post(
        "/v1/users/oauth/token",
        json={"grant_type": "password", "email": "ana@example.com", "password": "s3cret-pass"},
    )
    assert good.status_code == 200, good.text
    token = good.json()["access_token"]
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["principal"] == {
        "type": "user",
        "id": me["principal"]["id"],
        "name": "ana@example.com",
        "product_name": None,
        "email": "ana@example.com",
    }
    assert permits.REPORTING_QUERY in me["clubs"][0]["permits"]
    assert permits.OFFERS_CREATE not in me["clubs"][0]["permits"]


def test_malformed_authorization_header_is_471(client):
    response = client.get("/v1/me", headers={"Authorization": "Token abc"})
    assert response.status_code == 471


def test_permits_lists_every_registered_permit_and_the_roles(client, factory):
    token = factory.client_token([factory.club()], [permits.OFFERS_LIST])
    body = client.get("/v1/permits", headers={"X-Client-Authorization": token}).json()
    names = [p["name"] for p in body["permits"]]
    assert names == sorted(p.name for p in permits.all_permits())
    assert {"Offers:Api:MemberOffers:Use", "Reporting:Api:Query", "BL:Api:Members:Create"} <= set(names)
    assert set(body["roles"]) == {"admin", "offers_manager", "analyst"}
