"""A disabled staff user can neither sign in nor use a token issued before (``loyaltyhub users disable``)."""

from __future__ import annotations

from loyaltyhub.auth.service import create_user, disable_user, issue_user_token


def test_a_disabled_user_is_refused_everywhere(client, session, factory):
    club = factory.club()
    user = create_user(session, email="ola@mall.example", password="long-enough", role="admin", club_slugs=[club.slug])
    token, _ = issue_user_token(session, user, 3600)
    login = {"grant_type": "password", "email": "ola@mall.example", "password": "long-enough"}
    assert client.post("/v1/users/oauth/token", json=login).status_code == 200
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200

    disabled = disable_user(session, "OLA@mall.example")
    assert disabled is not None and disabled.disabled_at is not None
    first = disabled.disabled_at
    assert client.get("/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.post("/v1/users/oauth/token", json=login).status_code == 401
    assert disable_user(session, "ola@mall.example").disabled_at == first  # disabling twice keeps the first time
    assert disable_user(session, "nobody@mall.example") is None
