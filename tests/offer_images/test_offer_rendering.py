"""An offer with an image template gets its image rendered and stored as its ``offer_default`` file, and
rendered again when the offer or its template changes (issue 19)."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from loyaltyhub.files.models import FileRecord
from loyaltyhub.offer_images.service import OfferImageRenderer
from loyaltyhub.storage import LocalStorage
from tests.offer_images.images import DATA, SEED_TEMPLATE, difference
from tests.offers import factories as offers
from tests.stores import factories as stores


@pytest.fixture
def client(app_with, services, settings):
    renderer = OfferImageRenderer(LocalStorage(settings.files_dir), settings.fonts_dir)
    with TestClient(app_with(replace(services, offer_listeners=(renderer,))), raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def club(factory):
    return factory.club(default_language="en", languages=["en"])


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def _files(session, offer_id):
    return list(
        session.execute(select(FileRecord).where(FileRecord.fileable_id == offer_id).order_by(FileRecord.id)).scalars()
    )


def test_the_image_is_rendered_on_create_and_again_when_the_offer_changes(client, session, club, headers):
    store = stores.store(session, club, name="Infinity Mall Bakery")
    created = client.post(
        f"/v3/{club.slug}/offers",
        headers=headers,
        json={"name": {"en": "Buns"}, "store_id": store.id, "image_template": SEED_TEMPLATE},
    )
    assert created.status_code == 201, created.text
    offer = created.json()
    assert len(offer["files"]) == 1
    image = offer["files"][0]
    assert (image["kind"], image["width"], image["height"]) == ("offer_default", 100, 300)
    content = client.get(image["url"], headers=headers)
    assert content.status_code == 200 and content.headers["content-type"] == "image/png"
    assert difference(content.content, DATA / "seed_template.png") == (0.0, 0.0)  # the preview's image

    # A change that does not show on the image stores nothing new.
    same = client.patch(f"/v3/{club.slug}/offers/{offer['id']}", headers=headers, json={"internal_name": "x"})
    assert same.status_code == 200 and same.json()["files"] == offer["files"]
    assert len(_files(session, offer["id"])) == 1

    # The template changes: rendered again, the new image is the offer's file, the old one inactive.
    template = copy.deepcopy(SEED_TEMPLATE)
    template["rectangles"][0]["content"] = "{{name}} at {{stores}}"
    changed = client.patch(f"/v3/{club.slug}/offers/{offer['id']}", headers=headers, json={"image_template": template})
    assert changed.status_code == 200, changed.text
    assert changed.json()["files"][0]["url"] != image["url"]
    records = _files(session, offer["id"])
    assert [r.active for r in records] == [False, True]

    # The store's name is in the image: another store is another image.
    other = stores.store(session, club, name="Shoe Shop")
    moved = client.patch(f"/v3/{club.slug}/offers/{offer['id']}", headers=headers, json={"store_id": other.id})
    assert moved.status_code == 200 and len(_files(session, offer["id"])) == 3


def test_a_template_that_cannot_be_drawn_refuses_the_offer(client, session, club, headers):
    template = copy.deepcopy(SEED_TEMPLATE)
    template["rectangles"][0]["content"] = "{{price}}"
    refused = client.post(
        f"/v3/{club.slug}/offers", headers=headers, json={"name": {"en": "Buns"}, "image_template": template}
    )
    assert refused.status_code == 422, refused.text
    details = refused.json()["details"]["image_template"]["rectangles"]["0"]["content"]
    assert details[0]["error"] == "unknown_merge_field"
    assert client.get(f"/v3/{club.slug}/offers", headers=headers).json()["offers"] == []


def test_an_offer_without_a_template_keeps_its_files(client, session, club, headers):
    created = client.post(f"/v3/{club.slug}/offers", headers=headers, json={"name": {"en": "Plain"}})
    assert created.status_code == 201 and created.json()["files"] == []
    cloned = client.post(f"/v3/{club.slug}/offers/{created.json()['id']}/clone", headers=headers)
    assert cloned.status_code == 201 and cloned.json()["files"] == []


def test_an_offer_saved_with_a_template_that_cannot_be_drawn_stays_editable(client, session, club, headers):
    legacy = {"width": 100, "height": 300, "rectangles": [{"name": "Title", "content": "{{name}}"}]}
    offer = offers.offer(session, club, image_template=legacy)
    renamed = client.patch(f"/v3/{club.slug}/offers/{offer.id}", headers=headers, json={"name": {"en": "New"}})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["files"] == [] and _files(session, offer.id) == []
    resent = client.patch(f"/v3/{club.slug}/offers/{offer.id}", headers=headers, json={"image_template": legacy})
    assert resent.status_code == 422
    assert "offset_left" in resent.json()["details"]["image_template"]["rectangles"]["0"]
    cloned = client.post(f"/v3/{club.slug}/offers/{offer.id}/clone", headers=headers)
    assert cloned.status_code == 201, cloned.text
