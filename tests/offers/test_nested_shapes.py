"""Nested objects of the offer, collection and image-template models render every key of the seed's
definition (its default or null), whether the key was sent or not, and whenever the row was stored."""

from __future__ import annotations

from tests.offers import factories
from tests.offers.seed import (
    ACTIVATION_TEXTS_KEYS,
    FILE_KEYS,
    IMAGE_TEMPLATE_KEYS,
    PERIODIC_USAGE_KEYS,
    READ_MORE_KEYS,
    RECTANGLE_KEYS,
)

FILE = {"url": "https://example.com/a.png", "kind": "offer_default"}
MINIMAL_NESTED = {
    "read_more": {},
    "activation_texts": {},
    "image_template": {"width": 100, "height": 300, "rectangles": [{}]},
    "periodic_usage": {"limit": 3},
}
FULL_NESTED = {
    "read_more": {"button_title": None, "url": None, "title": None, "text": None, "enabled": True},
    "activation_texts": {"modal": None, "button": None, "description": None},
    "image_template": {
        "width": 100,
        "height": 300,
        "default": False,
        "rectangles": [dict.fromkeys(RECTANGLE_KEYS)],
        "background_url": None,
    },
    "periodic_usage": {"timespan": None, "limit": 3},
}
# ``files`` of an offer is read-only (filled from its uploads); a stored row and a collection's files show it whole.
FULL_FILE = {"url": FILE["url"], "width": None, "height": None, "kind": "offer_default", "size_type": "base"}


def test_the_expected_shapes_are_the_seeds():
    assert set(FULL_NESTED["read_more"]) == set(READ_MORE_KEYS)
    assert set(FULL_NESTED["activation_texts"]) == set(ACTIVATION_TEXTS_KEYS)
    assert set(FULL_NESTED["image_template"]) == set(IMAGE_TEMPLATE_KEYS)
    assert set(FULL_NESTED["image_template"]["rectangles"][0]) == set(RECTANGLE_KEYS)
    assert set(FULL_FILE) == set(FILE_KEYS)
    assert set(FULL_NESTED["periodic_usage"]) == set(PERIODIC_USAGE_KEYS)


def _nested(body):
    return {key: body[key] for key in FULL_NESTED}


def test_an_offer_created_with_minimal_nested_objects_reads_back_whole(api):
    created = api.post("", json=MINIMAL_NESTED)
    assert created.status_code == 201, created.text
    assert _nested(created.json()) == FULL_NESTED
    assert _nested(api.get(f"/{created.json()['id']}").json()) == FULL_NESTED
    listed = api.get("", params={"ids": created.json()["id"]}).json()["offers"]
    assert [_nested(o) for o in listed] == [FULL_NESTED]


def test_an_offer_patched_with_minimal_nested_objects_reads_back_whole(api):
    offer_id = api.post("", json={}).json()["id"]
    changed = api.patch(f"/{offer_id}", json=MINIMAL_NESTED)
    assert changed.status_code == 200, changed.text
    assert _nested(changed.json()) == FULL_NESTED
    assert _nested(api.get(f"/{offer_id}").json()) == FULL_NESTED


def test_rows_stored_with_fewer_keys_read_back_whole(api):
    offer = factories.offer(
        api.session,
        api.club,
        read_more={"title": "More"},
        activation_texts={"button": "Go"},
        image_template={"width": 100, "height": 300, "rectangles": [{"name": "Title"}]},
        files=[FILE],
    )
    body = api.get(f"/{offer.id}").json()
    assert body["read_more"] == {**FULL_NESTED["read_more"], "title": "More"}
    assert body["activation_texts"] == {**FULL_NESTED["activation_texts"], "button": "Go"}
    assert body["image_template"]["rectangles"] == [{**dict.fromkeys(RECTANGLE_KEYS), "name": "Title"}]
    assert body["image_template"]["default"] is False and body["image_template"]["background_url"] is None
    assert body["files"] == [FULL_FILE]


def test_absent_nested_objects_stay_null(api):
    body = api.post("", json={}).json()
    assert [body[key] for key in ("read_more", "activation_texts", "image_template", "periodic_usage")] == [None] * 4
    assert body["files"] == []


def test_collection_files_read_back_whole(api):
    created = api.post("/collections", json={"title": {"en": "Summer"}, "files": [FILE]})
    assert created.status_code == 201, created.text
    expected = [FULL_FILE]
    assert created.json()["files"] == expected
    assert api.get(f"/collections/{created.json()['id']}").json()["files"] == expected
    changed = api.patch(f"/collections/{created.json()['id']}", json={"files": [{**FILE, "width": 600}]})
    assert changed.json()["files"] == [{**expected[0], "width": 600}]


def test_image_template_rectangles_read_back_whole(api):
    created = api.post("/image_templates", json={"name": "t", "width": 10, "height": 10, "rectangles": [{}]})
    assert created.status_code == 201, created.text
    assert created.json()["rectangles"] == [dict.fromkeys(RECTANGLE_KEYS)]
    url = f"/image_templates/{created.json()['id']}"
    assert api.get(url).json()["rectangles"] == [dict.fromkeys(RECTANGLE_KEYS)]
    changed = api.patch(url, json={"rectangles": [{"name": "Title"}]})
    assert changed.json()["rectangles"] == [{**dict.fromkeys(RECTANGLE_KEYS), "name": "Title"}]
    # An offer copying the record carries the whole rectangle too.
    offer = api.post("", json={"image_template_id": created.json()["id"]}).json()
    assert offer["image_template"]["rectangles"] == [{**dict.fromkeys(RECTANGLE_KEYS), "name": "Title"}]
