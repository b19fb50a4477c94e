"""Club A's app never reads or uses club B's members or offers (until the foundation's route walk lands)."""

from __future__ import annotations

import pytest

from tests.member_offers import factories as mo
from tests.member_offers.isolation import BUILDERS

ROUTES = [
    ("GET", ""),
    ("GET", "/meta"),
    ("GET", "/{offer_id}"),
    ("POST", "/{offer_id}/use"),
    ("POST", "/{offer_id}/like"),
    ("DELETE", "/{offer_id}/like"),
    ("POST", "/{offer_id}/events/seen"),
    ("POST", "/{offer_id}/events/clicked"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_clubs_member_or_offer_is_404(api, factory, method, path):
    other = factory.club()
    foreign_member = BUILDERS["member_ref"](api.session, other)
    foreign_offer = BUILDERS["offer_id"](api.session, other)
    own_offer = mo.offer(api.session, api.club).id
    for member_ref, offer_id in ((foreign_member, own_offer), (api.member.id, foreign_offer)):
        if "{offer_id}" not in path and member_ref == api.member.id:
            continue
        url = api.url(path.format(offer_id=offer_id), member_ref)
        response = api.client.request(method, url, headers=api.headers())
        assert response.status_code == 404, (url, response.text)


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_another_clubs_slug_is_401(api, factory, method, path):
    other = factory.club()
    offer_id = mo.offer(api.session, other).id
    member_id = mo.member(api.session, other).id
    url = f"/v3/{other.slug}/members/{member_id}/offers" + path.format(offer_id=offer_id)
    assert api.client.request(method, url, headers=api.headers()).status_code == 401
