"""LoyaltyClub context (slug in the path) and Customer context (X-Customer) through HTTP."""

from __future__ import annotations

from typing import Annotated

import pytest
from fastapi import Depends

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, CustomerAccess
from loyaltyhub.auth.dependencies import ClubAuth, CustomerAuth
from loyaltyhub.http.routing import LoyaltyRouter

OffersList = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_LIST))]
Reporting = Annotated[CustomerAccess, Depends(CustomerAuth(permits.REPORTING_QUERY))]


@pytest.fixture(autouse=True)
def routes(app):
    router = LoyaltyRouter()

    @router.get("/test/v3/{loyalty_club_slug}/things")
    def club_things(access: OffersList):
        return {"club_id": access.club_id}

    @router.get("/test/v1/reporting/things")
    def customer_things(access: Reporting):
        return {"club_ids": access.club_ids, "organization_context": access.organization_context}

    app.include_router(router)


def test_club_context_by_slug(client, factory):
    club = factory.club()
    token = factory.client_token([club], [permits.OFFERS_LIST])
    response = client.get(f"/test/v3/{club.slug}/things", headers={"X-Client-Authorization": token})
    assert response.json() == {"club_id": club.id}


def test_club_context_errors(client, factory):
    club, other = factory.club(), factory.club()
    token = factory.client_token([club], [permits.OFFERS_LIST])
    headers = {"X-Client-Authorization": token}
    assert client.get("/test/v3/no-such-club/things", headers=headers).status_code == 404
    assert client.get(f"/test/v3/{other.slug}/things", headers=headers).status_code == 401
    weak = factory.client_token([club], [permits.OFFERS_CREATE])
    response = client.get(f"/test/v3/{club.slug}/things", headers={"X-Client-Authorization": weak})
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Offers:Api:Offers:List"}
    user = factory.user_token([other], role="admin")
    response = client.get(f"/test/v3/{club.slug}/things", headers={"Authorization": f"Bearer {user}"})
    assert response.status_code == 403


def test_a_club_header_must_name_the_club_of_the_path(client, factory):
    """``X-Loyalty-Club-Slug`` (a global header of the seeds) may be sent with a slug path: then it names the
    same club, or the request is refused, whatever the route (management, member and member-offer routes)."""
    club, other = factory.club(), factory.club()
    token = factory.client_token([club, other])
    headers = {"X-Client-Authorization": token, "X-Product-Name": "app", "X-User-Agent": "tests"}
    same = client.get(f"/test/v3/{club.slug}/things", headers={**headers, "X-Loyalty-Club-Slug": club.slug})
    assert same.json() == {"club_id": club.id}
    for path in (
        f"/test/v3/{club.slug}/things",
        f"/v3/{club.slug}/offers",
        f"/v3/{club.slug}/members/guest/offers",
        f"/v3/{club.slug}/members/me",
    ):
        response = client.get(path, headers={**headers, "X-Loyalty-Club-Slug": other.slug})
        assert response.status_code == 422, path
        assert response.json() == {
            "error": f"X-Loyalty-Club-Slug names loyalty club {other.slug}, but the path names {club.slug}"
        }


def test_customer_context_selectors(client, factory):
    a = factory.club(chain="Cats", country="PL", organization="Felines")
    b = factory.club(chain="Cats", country="NO", organization="Felines")
    c = factory.club(chain="Dogs", country="PL", organization="Felines")
    outsider = factory.club(chain="Cats", country="PL")
    token = factory.client_token(organization="Felines", permits=[permits.REPORTING_QUERY])
    headers = {"X-Client-Authorization": token}

    def select(header):
        response = client.get("/test/v1/reporting/things", headers={**headers, "X-Customer": header})
        return response.status_code, response.json()

    assert select(str(a.id)) == (200, {"club_ids": [a.id], "organization_context": False})
    assert select(f"id={a.id}_{b.id}") == (200, {"club_ids": [a.id, b.id], "organization_context": True})
    assert select(f"{b.id}_{a.id}")[1]["club_ids"] == [a.id, b.id]
    assert select("all=all")[1]["club_ids"] == [a.id, b.id, c.id]
    assert select("chain=Cats")[1]["club_ids"] == [a.id, b.id]
    assert select("chain=Cats;country=PL")[1]["club_ids"] == [a.id]
    assert select(f"{outsider.id}")[0] == 403
    assert select(f"{a.id}_{outsider.id}")[0] == 403
    assert select("999999999")[0] == 403
    assert select("chain=Birds")[0] == 403
    assert select("chain=")[0] == 471
    assert client.get("/test/v1/reporting/things", headers=headers).status_code == 470


def test_customer_context_needs_the_permit_on_every_selected_club(client, factory, session):
    from loyaltyhub.auth.service import create_user, issue_user_token

    a, b = factory.club(), factory.club()
    user = create_user(session, email="mixed@example.com", password="long-enough", role="analyst", club_slugs=[a.slug])
    create_user(session, email="mixed@example.com", password="long-enough", role="offers_manager", club_slugs=[b.slug])
    token, _ = issue_user_token(session, user, 600)
    headers = {"Authorization": f"Bearer {token}"}
    ok = client.get("/test/v1/reporting/things", headers={**headers, "X-Customer": str(a.id)})
    assert ok.status_code == 200
    both = client.get("/test/v1/reporting/things", headers={**headers, "X-Customer": f"{a.id}_{b.id}"})
    assert both.status_code == 403
    assert both.json() == {"error": "Missing permit Reporting:Api:Query"}
