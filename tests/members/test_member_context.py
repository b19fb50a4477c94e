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


# --- A member app's client token is public: it never acts as a member by itself (issue #14, defect 2) ---


@pytest.fixture
def app_headers(factory, club):
    """The headers of a member app: its client token holds every permit but ``BL:Api:Members:ActAs``."""
    return factory.headers(factory.client_token([club], permits.app_permits()))


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_an_app_token_cannot_act_on_a_member_by_id(client, session, club, app_headers):
    kari, ola = members.member(session, club), members.member(session, club)
    missing = {"error": "Missing permit BL:Api:Members:ActAs"}
    for method in ("GET", "POST"):
        url = f"/v3/{club.slug}/members/{ola.id}/probe"
        alone = client.request(method, url, headers=app_headers)
        as_kari = client.request(method, url, headers={**app_headers, **bearer(members.access_token(session, kari))})
        assert (alone.status_code, alone.json()) == (403, missing)
        assert (as_kari.status_code, as_kari.json()) == (403, missing), "Kari's token does not act as Ola"
    # Ids that do not exist answer the same 403: an app's token cannot probe which member ids exist.
    assert client.get(f"/v3/{club.slug}/members/{10**12}/probe", headers=app_headers).status_code == 403


def test_a_members_own_token_acts_on_its_own_id(client, session, club, app_headers):
    kari = members.member(session, club)
    own = {**app_headers, **bearer(members.access_token(session, kari))}
    assert client.post(f"/v3/{club.slug}/members/{kari.id}/probe", headers=own).json() == {
        "ref": "id",
        "member_id": kari.id,
    }


def test_a_sent_bearer_token_is_always_checked(client, session, factory, club, headers, app_headers):
    kari = members.member(session, club)
    stranger = members.member(session, factory.club())
    expired = members.access_token(session, kari, ttl_seconds=-1)
    for bad in ("garbage", "lhm_nope_nope", expired, members.access_token(session, stranger), "lhu_x_y"):
        for ref in (kari.id, "guest", "me"):
            for trusted in (headers, app_headers):  # even a token holding BL:Api:Members:ActAs
                response = client.get(f"/v3/{club.slug}/members/{ref}/probe", headers={**trusted, **bearer(bad)})
                assert response.status_code == 460, (bad, ref, response.text)
    malformed = client.get(f"/v3/{club.slug}/members/guest/probe", headers={**app_headers, "Authorization": "Basic x"})
    assert malformed.status_code == 460


def test_a_staff_user_whose_role_holds_the_permit_acts_on_a_member(client, session, factory, club, app_headers):
    kari = members.member(session, club)
    url = f"/v3/{club.slug}/members/{kari.id}/probe"
    admin = client.get(url, headers={**app_headers, **bearer(factory.user_token([club], role="admin"))})
    assert admin.json() == {"ref": "id", "member_id": kari.id}
    analyst = client.get(url, headers={**app_headers, **bearer(factory.user_token([club], role="analyst"))})
    assert analyst.status_code == 403
    elsewhere = client.get(url, headers={**app_headers, **bearer(factory.user_token([factory.club()]))})
    assert elsewhere.status_code == 460, "a staff token of another club is not valid here"
