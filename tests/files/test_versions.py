"""Resized versions of uploaded images and ``crop_to`` (reference (g).1 "File sizes", "Cropping"): the rules
as plain functions, then over HTTP (issue 19)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from loyaltyhub.files import rules
from tests.files.test_files_http import _start, _upload, _url


@pytest.mark.parametrize(
    ("size", "expected"),
    [((600, 800), (225, 300)), ((800, 600), (300, 225)), ((400, 300), (300, 225)), ((400, 200), (300, 150))],
)
def test_thumbnails_shrink_the_higher_dimension_to_300(size, expected):
    assert rules.thumbnail_size(*size) == expected


def test_a_small_image_is_not_shrunk():
    assert rules.thumbnail_size(300, 250) == (300, 250)


@pytest.mark.parametrize("value", ["", "1,2,3", "1,2,3,x", "5,5,5,10", "0,10,10,5", "-1,0,4,4", "1,2,3,4,5"])
def test_malformed_crop_areas(value):
    assert rules.parse_crop_to(value) is None


def test_the_vendors_cropping_example():
    """Base 400x200 (2:1), a 1000x1000 upload with crop_to 0,250,1000,750: a 1000x500 crop resized to 400x200."""
    kind = rules.FileKind("example", "2:1", (rules.Size("base", 400, 200, 400, 200),), ("offers",))
    crop_to = rules.parse_crop_to(" 0, 250,1000,750")
    plan = rules.version_plan(kind, 1000, 1000, crop_to)
    assert plan is not None
    assert plan.box == (0, 250, 1000, 750)
    assert dict(plan.sizes) == {"base": (400, 200), "thumbnail": (300, 150)}


def test_without_crop_to_the_image_is_centred_to_the_ratio():
    plan = rules.version_plan(rules.KINDS["offer_default"], 1000, 1000, None)
    assert plan is not None and plan.box == (125, 0, 875, 1000)
    assert dict(plan.sizes) == {"base": (600, 800), "thumbnail": (225, 300)}
    tall = rules.version_plan(rules.KINDS["offer_default"], 600, 1000, None)
    assert tall is not None and tall.box == (0, 100, 600, 900)


def test_backgrounds_have_no_versions():
    assert rules.version_plan(rules.KINDS["offer_template_background"], 800, 600, None) is None


def test_a_crop_area_outside_the_image():
    assert rules.crop_problem((0, 0, 700, 800), 600, 800) == ("outside_image", {"width": 600, "height": 800})
    assert rules.crop_problem((0, 0, 600, 800), 600, 800) is None


# --- over HTTP ---------------------------------------------------------------------------------------------


def _halves(width: int, height: int, split: int, fmt: str = "PNG") -> bytes:
    """Red left of ``split``, blue right of it."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, split, height))
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def _upload_cropped(client, club, headers, offer, data: bytes, crop_to: str | None, content_type="image/png"):
    started = _start(client, club, headers, offer, data, crop_to=crop_to, content_type=content_type)
    assert started.status_code == 201, started.text
    upload_id = started.json()["id"]
    assert started.json()["crop_to"] == crop_to
    sent = client.put(
        _url(club, f"/uploads/{upload_id}/parts/1"),
        headers={**headers, "Content-Type": "application/octet-stream"},
        content=data,
    )
    assert sent.status_code == 200, sent.text
    return client.post(_url(club, f"/uploads/{upload_id}/finish"), headers=headers)


def _image(response) -> Image.Image:
    assert response.status_code == 200, response.text
    return Image.open(io.BytesIO(response.content))


def test_activating_makes_the_base_and_thumbnail_of_the_crop_area(client, club, headers, offer, settings):
    data = _halves(1200, 1000, split=600)
    finished = _upload_cropped(client, club, headers, offer, data, "0,100,600,900")  # the red half, 3:4
    assert finished.status_code == 200, finished.text
    record = finished.json()
    assert record["crop_to"] == "0,100,600,900" and record["versions"] == []
    activated = client.post(_url(club, f"/{record['id']}/activate"), headers=headers)
    assert activated.status_code == 200, activated.text
    versions = {v["size_type"]: v for v in activated.json()["versions"]}
    assert {k: (v["width"], v["height"]) for k, v in versions.items()} == {"base": (600, 800), "thumbnail": (225, 300)}

    files = client.get(f"/v3/{club.slug}/offers/{offer.id}", headers=headers).json()["files"]
    assert [(f["size_type"], f["width"], f["height"], f["kind"]) for f in files] == [
        ("original", 1200, 1000, "offer_default"),
        ("base", 600, 800, "offer_default"),
        ("thumbnail", 225, 300, "offer_default"),
    ]
    base = _image(client.get(files[1]["url"], headers=headers))
    assert (base.format, base.size) == ("PNG", (600, 800))
    assert base.convert("RGB").getcolors() == [(600 * 800, (255, 0, 0))]  # only the cropped (red) half
    thumbnail = _image(client.get(files[2]["url"], headers=headers))
    assert thumbnail.size == (225, 300)
    original = client.get(files[0]["url"], headers=headers)
    assert original.content == data

    # Made once: activating again (after another file) reuses the stored versions.
    stored = sorted(p.name for p in Path(settings.files_dir).rglob("*") if p.is_file())
    _, other = _upload(client, club, headers, offer, _halves(600, 800, 300), parts=1)
    assert client.post(_url(club, f"/{other['id']}/activate"), headers=headers).status_code == 200
    again = client.post(_url(club, f"/{record['id']}/activate"), headers=headers)
    assert again.json()["versions"] == activated.json()["versions"]
    after = sorted(p.name for p in Path(settings.files_dir).rglob("*") if p.is_file())
    assert set(stored) <= set(after) and len(after) == len(stored) + 3  # the other file and its two versions


def test_without_crop_to_the_versions_are_centred(client, club, headers, offer):
    data = _halves(1000, 800, split=100, fmt="JPEG")  # red strip on the left, cut away by centring to 3:4
    finished = _upload_cropped(client, club, headers, offer, data, None, content_type="image/jpeg")
    assert finished.status_code == 200, finished.text
    record = finished.json()
    client.post(_url(club, f"/{record['id']}/activate"), headers=headers)
    base = _image(client.get(_url(club, f"/{record['id']}/content?size_type=base"), headers=headers))
    assert (base.format, base.size) == ("JPEG", (600, 800))
    red, _, blue = base.convert("RGB").getpixel((5, 400))
    assert blue > 200 and red < 60


def test_a_malformed_crop_to_is_refused_at_start(client, club, headers, offer):
    started = _start(client, club, headers, offer, _halves(600, 800, 300), crop_to="1,2,3")
    assert started.status_code == 422
    assert started.json()["details"]["crop_to"][0]["error"] == "invalid_format"


def test_a_crop_area_outside_the_image_is_refused_at_finish(client, club, headers, offer):
    finished = _upload_cropped(client, club, headers, offer, _halves(600, 800, 300), "0,0,601,800")
    assert finished.status_code == 422
    assert finished.json()["details"]["crop_to"] == [
        {"error": "outside_image", "options": {"width": 600, "height": 800}}
    ]


def test_a_version_that_does_not_exist_is_404(client, club, headers, offer):
    _, record = _upload(client, club, headers, offer, _halves(600, 800, 300), parts=1)
    missing = client.get(_url(club, f"/{record['id']}/content?size_type=base"), headers=headers)
    assert missing.status_code == 404  # not activated yet: no versions
    wrong = client.get(_url(club, f"/{record['id']}/content?size_type=huge"), headers=headers)
    assert wrong.status_code == 422


def test_an_original_too_large_to_resize_in_the_server_is_refused_at_activation(client, club, headers, offer):
    side = 3500  # 12.25 M pixels, a few KiB as a one-colour PNG: over MAX_RESIZE_PIXELS once decoded
    assert side * side > rules.MAX_RESIZE_PIXELS
    _, record = _upload(client, club, headers, offer, _halves(side, side, 10), parts=1)
    refused = client.post(_url(club, f"/{record['id']}/activate"), headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["file"][0] == {
        "error": "too_large_to_resize",
        "options": {"max_pixels": rules.MAX_RESIZE_PIXELS},
    }
    shown = client.get(_url(club, f"/{record['id']}"), headers=headers).json()
    assert shown["active"] is False and shown["versions"] == []
