"""Every offers, collections and image-templates endpoint answers 403 without its permit."""

from __future__ import annotations

import pytest

from loyaltyhub.auth import permits
from loyaltyhub.auth.permits import all_permits
from tests.offers import factories

# (method, path under /v3/{slug}/offers, needed permit); {offer}, {collection}, {template} are filled in.
ENDPOINTS = [
    ("GET", "", permits.OFFERS_LIST),
    ("GET", "/grouped?group_by=type", permits.OFFERS_LIST_GROUPS),
    ("POST", "", permits.OFFERS_CREATE),
    ("GET", "/{offer}", permits.OFFERS_LIST),
    ("PATCH", "/{offer}", permits.OFFERS_UPDATE),
    ("POST", "/{offer}/clone", permits.OFFERS_CLONE),
    ("POST", "/{offer}/archive", permits.OFFERS_ARCHIVE),
    ("POST", "/{offer}/grant", permits.OFFERS_GRANT),
    ("GET", "/collections", permits.COLLECTIONS_LIST),
    ("POST", "/collections", permits.COLLECTIONS_CREATE),
    ("PUT", "/collections/order", permits.COLLECTIONS_UPDATE),
    ("GET", "/collections/{collection}", permits.COLLECTIONS_LIST),
    ("PATCH", "/collections/{collection}", permits.COLLECTIONS_UPDATE),
    ("POST", "/collections/{collection}/archive", permits.COLLECTIONS_ARCHIVE),
    ("GET", "/image_templates", permits.IMAGE_TEMPLATES_LIST),
    ("POST", "/image_templates", permits.IMAGE_TEMPLATES_CREATE),
    ("GET", "/image_templates/{template}", permits.IMAGE_TEMPLATES_LIST),
    ("PATCH", "/image_templates/{template}", permits.IMAGE_TEMPLATES_UPDATE),
    ("DELETE", "/image_templates/{template}", permits.IMAGE_TEMPLATES_DESTROY),
]


@pytest.fixture
def records(api):
    return {
        "offer": factories.offer(api.session, api.club).id,
        "collection": factories.collection(api.session, api.club).id,
        "template": factories.image_template(api.session, api.club).id,
    }


def _call(api, headers, method, path, records):
    url = api.base + path.format(**records)
    body = {} if method in ("POST", "PUT", "PATCH") else None
    return api.client.request(method, url, headers=headers, json=body)


@pytest.mark.parametrize(("method", "path", "permit"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_missing_permit_is_403(api, factory, records, method, path, permit):
    others = [p.name for p in all_permits() if p.name != permit]
    headers = factory.headers(factory.client_token([api.club], permits=others))
    response = _call(api, headers, method, path, records)
    assert response.status_code == 403, response.text
    assert response.json() == {"error": f"Missing permit {permit}"}


@pytest.mark.parametrize(("method", "path", "permit"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_the_permit_alone_is_enough(api, factory, records, method, path, permit):
    headers = factory.headers(factory.client_token([api.club], permits=[permit]))
    response = _call(api, headers, method, path, records)
    assert response.status_code not in (401, 403), response.text


def test_an_analyst_may_read_offers_but_not_change_them(api, factory):
    token = factory.user_token([api.club], role="analyst")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get(api.base, headers=headers).status_code == 200
    response = api.client.post(api.base, headers=headers, json={})
    assert response.json() == {"error": f"Missing permit {permits.OFFERS_CREATE}"}


def test_an_offers_manager_may_create_offers(api, factory):
    token = factory.user_token([api.club], role="offers_manager")
    response = api.client.post(api.base, headers={"Authorization": f"Bearer {token}"}, json={})
    assert response.status_code == 201
