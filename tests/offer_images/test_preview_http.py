"""Offer image templates rendered with Pillow (issue 19): the preview endpoint against stored reference
images, and the errors of templates that cannot be drawn (422, never 500)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from PIL import Image

from loyaltyhub.auth import permits
from loyaltyhub.files.models import FileRecord
from tests.files.test_files_http import _upload
from tests.offer_images.images import DATA, PREVIEW_TEMPLATE, SEED_TEMPLATE, assert_close, background_png, difference
from tests.offers import factories as offers
from tests.stores import factories as stores

REGENERATE = os.environ.get("LOYALTYHUB_REGENERATE_REFERENCE_IMAGES") == "1"


@pytest.fixture
def club(factory):
    return factory.club(default_language="en", languages=["en", "no"])


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def _preview(client, club, headers, body, method="GET"):
    return client.request(method, f"/v3/{club.slug}/offers/image_templates/preview", headers=headers, json=body)


def _check(png: bytes, name: str) -> None:
    reference = DATA / name
    if REGENERATE:
        reference.write_bytes(png)
    assert_close(png, reference)


def test_the_seeds_example_template_renders_like_the_reference(client, session, club, headers):
    store = stores.store(session, club, name="Infinity Mall Bakery")
    offer = offers.offer(session, club, store_id=store.id, name={"en": "Cinnamon buns"})
    answer = _preview(client, club, headers, {"image_template": SEED_TEMPLATE, "offer_id": offer.id})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(answer.content)).size == (100, 300)
    notes = answer.headers["x-render-notes"]
    assert "'Playfair Display', serif" in notes and "DejaVu Serif" in notes
    assert "https://example.com/image.png was not fetched" in notes
    _check(answer.content, "seed_template.png")
    post = _preview(client, club, headers, {"image_template": SEED_TEMPLATE, "offer_id": offer.id}, method="POST")
    assert post.status_code == 200 and difference(post.content, DATA / "seed_template.png") == (0.0, 0.0)


def test_a_template_with_a_background_file_and_every_merge_field(client, session, club, headers):
    store = stores.store(session, club, name="Shoe Shop")
    collection = offers.collection(session, club, title={"en": "Summer", "no": "Sommer"})
    offer = offers.offer(
        session,
        club,
        store_id=store.id,
        collection_ids=[collection.id],
        name={"en": "Sale", "no": "Salg"},
        description={"en": "Half price on sandals"},
    )
    _, record = _upload(client, club, headers, offer, background_png(), parts=2)
    template = {**PREVIEW_TEMPLATE, "background_url": record["url"]}
    answer = _preview(client, club, headers, {"image_template": template, "offer_id": offer.id})
    assert answer.status_code == 200, answer.text
    assert "not fetched" not in answer.headers.get("x-render-notes", "")
    _check(answer.content, "preview_template.png")
    # The comparison can fail: another offer's name is a different image.
    other = offers.offer(session, club, store_id=store.id, collection_ids=[collection.id], name={"en": "Deal!!"})
    different = _preview(client, club, headers, {"image_template": template, "offer_id": other.id})
    mean, large = difference(different.content, DATA / "preview_template.png")
    assert large > 0.001 or mean > 0.5, (mean, large)


def test_without_an_offer_merge_fields_are_drawn_as_written(client, club, headers):
    answer = _preview(client, club, headers, {"image_template": SEED_TEMPLATE})
    assert answer.status_code == 200
    assert difference(answer.content, DATA / "seed_template.png")[1] > 0.001  # "{{stores}}" is not a store name


def test_templates_that_cannot_be_drawn_are_422(client, club, headers):
    rect = SEED_TEMPLATE["rectangles"][0]
    cases = [
        ({**rect, "content": "{{price}}"}, ("content", "unknown_merge_field")),
        ({**rect, "offset_left": None}, ("offset_left", "blank")),
        ({**rect, "padding": 60}, ("padding", "invalid")),
        ({**rect, "font_weight": "heavy"}, ("font_weight", "inclusion")),
        ({**rect, "font_weight": "²"}, ("font_weight", "inclusion")),  # a digit to isdigit(), no weight
        ({**rect, "text_decoration": "blink"}, ("text_decoration", "inclusion")),
        ({**rect, "font_size": None}, ("font_size", "blank")),
    ]
    for broken, (key, symbol) in cases:
        answer = _preview(client, club, headers, {"image_template": {**SEED_TEMPLATE, "rectangles": [broken]}})
        assert answer.status_code == 422, (key, answer.text)
        assert answer.json()["details"]["image_template"]["rectangles"]["0"][key][0]["error"] == symbol
    too_many = _preview(client, club, headers, {"image_template": {**SEED_TEMPLATE, "rectangles": [rect] * 5}})
    assert too_many.status_code == 422
    no_size = _preview(client, club, headers, {"image_template": {"rectangles": []}})
    assert no_size.status_code == 422
    missing_offer = _preview(client, club, headers, {"image_template": SEED_TEMPLATE, "offer_id": 987654321})
    assert missing_offer.status_code == 404


def test_a_background_that_is_not_an_image_is_422(client, session, club, headers):
    offer = offers.offer(session, club)
    _, record = _upload(client, club, headers, offer, background_png(), parts=1)
    key = session.get(FileRecord, record["id"]).storage_key
    (Path(client.app.state.settings.files_dir) / key).write_bytes(b"\x89PNG\r\n\x1a\n broken")
    answer = _preview(client, club, headers, {"image_template": {**PREVIEW_TEMPLATE, "background_url": record["url"]}})
    assert answer.status_code == 422
    assert answer.json()["details"]["image_template"]["background_url"][0]["error"] == "invalid_image"


def test_a_missing_font_is_a_clear_422_not_a_500(app_with, services, club, headers, tmp_path):
    from fastapi.testclient import TestClient

    app = app_with(services)
    app.state.settings = app.state.settings.model_copy(update={"fonts_dir": str(tmp_path / "no-fonts")})
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = _preview(client, club, headers, {"image_template": SEED_TEMPLATE})
    assert answer.status_code == 422, answer.text
    error = answer.json()["details"]["image_template"]["rectangles"]["0"]["font_family"][0]
    assert error["error"] == "font_unavailable"
    assert "Font not available: DejaVu Serif" in error["options"]["reason"]


def test_italic_falls_back_to_upright_when_only_the_core_fonts_are_installed(
    app_with, services, club, headers, tmp_path
):
    from fastapi.testclient import TestClient

    core = tmp_path / "core"
    core.mkdir()
    for name in ("DejaVuSans.ttf", "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf"):
        (core / name).symlink_to(f"/usr/share/fonts/truetype/dejavu/{name}")
    app = app_with(services)
    app.state.settings = app.state.settings.model_copy(update={"fonts_dir": str(core)})
    with TestClient(app, raise_server_exceptions=False) as client:
        answer = _preview(client, club, headers, {"image_template": PREVIEW_TEMPLATE})
    assert answer.status_code == 200, answer.text
    assert "DejaVuSerif-Bold.ttf used" in answer.headers["x-render-notes"]


def test_preview_needs_its_permit(client, factory, club):
    headers = factory.headers(factory.client_token([club], [permits.IMAGE_TEMPLATES_LIST]))
    answer = _preview(client, club, headers, {"image_template": SEED_TEMPLATE})
    assert answer.status_code == 403
    assert answer.json() == {"error": f"Missing permit {permits.IMAGE_TEMPLATES_PREVIEW}"}
