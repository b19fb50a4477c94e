"""``member_context``: the me / member id / guest forms other domains' member routes use."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import APIRouter, Depends

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import MemberContext
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.routing import LoyaltyRoute
from loyaltyhub.members.identity.dependencies import MemberAuth
from tests.members import factories as members

Viewer = Annotated[MemberContext, Depends(MemberAuth(permits.MEMBER_OFFERS_LIST))]
User = Annotated[MemberContext, Depends(MemberAuth(permits.MEMBER_OFFERS_USE, allow_guest=False))]


@pytest.fixture
def app(app):
    router = APIRouter(route_class=LoyaltyRoute)

    @router.get("/v3/{loyalty_club_slug}/members/{member_ref}/probe")
    def probe(context: Viewer):
        return {"ref": context.ref, "member_id": context.member.id if context.member else None}

    @router.post("/v3/{loyalty_club_slug}/members/{member_ref}/probe")
    def use(context: User, _: Idempotent):
        return {"ref": context.ref, "member_id": context.member.id}

    app.include_router(router)
    return app


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def test_me_needs_a_member_token_of_the_club(client, session, club, headers):
    member = members.member(session, club)
    url = f"/v3/{club.slug}/members/me/probe"
    assert client.get(url, headers=headers).status_code == 460
    ok = client.get(url, headers={**headers, "Authorization": f"Bearer {members.access_token(session, member)}"})
    assert ok.json() == {"ref": "me", "member_id": member.id}


def test_member_id_with_the_client_token(client, session, factory, club, headers):
    member = members.member(session, club)
    stranger = members.member(session, factory.club())
    assert client.get(f"/v3/{club.slug}/members/{member.id}/probe", headers=headers).json() == {
        "ref": "id",
        "member_id": member.id,
    }
    assert client.get(f"/v3/{club.slug}/members/{stranger.id}/probe", headers=headers).status_code == 404
    assert client.get(f"/v3/{club.slug}/members/nobody/probe", headers=headers).status_code == 404


def test_guest_has_no_member_and_cannot_use(client, club, headers):
    assert client.get(f"/v3/{club.slug}/members/guest/probe", headers=headers).json() == {
        "ref": "guest",
        "member_id": None,
    }
    assert client.post(f"/v3/{club.slug}/members/guest/probe", headers=headers).status_code == 405


def test_public_headers_and_permits_are_required(client, session, factory, club, headers):
    member = members.member(session, club)
    no_product = {k: v for k, v in headers.items() if k != "X-Product-Name"}
    assert client.get(f"/v3/{club.slug}/members/{member.id}/probe", headers=no_product).status_code == 470
    weak = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    assert client.get(f"/v3/{club.slug}/members/{member.id}/probe", headers=weak).status_code == 403


def test_idempotency_keys_are_per_member(client, session, club, headers):
    kari, ola = members.member(session, club), members.member(session, club)
    key = {"Idempotency-Key": "same-key"}
    first = client.post(f"/v3/{club.slug}/members/{kari.id}/probe", headers={**headers, **key})
    other = client.post(f"/v3/{club.slug}/members/{ola.id}/probe", headers={**headers, **key})
    assert first.status_code == other.status_code == 200
    assert "Idempotent-Replayed" not in other.headers, "another member's request is not a replay"
    replay = client.post(f"/v3/{club.slug}/members/{kari.id}/probe", headers={**headers, **key})
    assert replay.headers.get("Idempotent-Replayed") == "true"
