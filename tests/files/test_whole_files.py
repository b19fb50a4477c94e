"""The vendor's deprecated Files API (reference (g).1): a file posted whole as a form to
``…/files/:fileable_type/:fileable_id/:kind``, updated, reprocessed from a new ``crop_to`` and deleted — the
same checks, records and versions as the parts API."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.files.models import FileRecord
from tests.files.factories import png
from tests.offers import factories as offers


def _url(club, offer, suffix="", kind="offer_default", fileable="offers"):
    return f"/v3/{club.slug}/files/{fileable}/{offer.id}/{kind}{suffix}"


def _halves(width: int, height: int, split: int) -> bytes:
    """Red left of ``split``, blue right of it."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, split, height))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _colors(client, headers, url) -> list:
    got = client.get(url, headers=headers)
    assert got.status_code == 200, got.text
    return Image.open(io.BytesIO(got.content)).convert("RGB").getcolors()


def test_create_a_file_as_the_vendors_curl_does(client, session, club, headers, offer):
    data = _halves(1200, 1000, split=600)
    created = client.post(
        _url(club, offer),
        headers=headers,
        files={"file": ("summer.png", data, "image/png")},
        data={"crop_to": "0,100,600,900"},  # the red half, 3:4
    )
    assert created.status_code == 201, created.text
    body = created.json()
    record = session.execute(select(FileRecord).where(FileRecord.fileable_id == offer.id)).scalar_one()
    assert body == {
        "original": {
            "size_type": "original",
            "url": f"/v3/{club.slug}/files/{record.id}/content",
            "file_type": "IMAGE",
            "width": 1200,
            "height": 1000,
            "kind": "offer_default",
        },
        "projected_versions": [
            {
                "size_type": "base",
                "url": f"/v3/{club.slug}/files/{record.id}/content?size_type=base",
                "min_width": 600,
                "min_height": 800,
                "max_width": 600,
                "max_height": 800,
            },
            {
                "size_type": "thumbnail",
                "url": f"/v3/{club.slug}/files/{record.id}/content?size_type=thumbnail",
                "min_width": 225,
                "min_height": 300,
                "max_width": 225,
                "max_height": 300,
            },
        ],
    }
    assert record.active and record.filename == "summer.png" and record.crop_to == "0,100,600,900"
    assert client.get(body["original"]["url"], headers=headers).content == data
    assert _colors(client, headers, body["projected_versions"][0]["url"]) == [(600 * 800, (255, 0, 0))]
    files = client.get(f"/v3/{club.slug}/offers/{offer.id}", headers=headers).json()["files"]
    assert [(f["size_type"], f["width"], f["height"]) for f in files] == [
        ("original", 1200, 1000),
        ("base", 600, 800),
        ("thumbnail", 225, 300),
    ]


def test_update_replaces_reprocess_recrops_and_delete_removes(client, session, club, headers, offer, settings):
    first = client.post(_url(club, offer), headers=headers, files={"file": ("a.png", png(600, 800), "image/png")})
    assert first.status_code == 201, first.text
    data = _halves(1200, 1000, split=600)
    updated = client.put(_url(club, offer), headers=headers, files={"file": ("b.png", data, "image/png")})
    assert updated.status_code == 200, updated.text
    records = list(session.execute(select(FileRecord).where(FileRecord.fileable_id == offer.id)).scalars())
    assert [(r.filename, r.active) for r in sorted(records, key=lambda r: r.id)] == [("a.png", False), ("b.png", True)]
    current = max(records, key=lambda r: r.id)
    old_keys = [v["storage_key"] for v in current.versions.values()]
    base_url = updated.json()["projected_versions"][0]["url"]
    centred = {color for _count, color in _colors(client, headers, base_url)}
    assert {(255, 0, 0), (0, 0, 255)} <= centred, "centred: red and blue"

    blue = client.put(_url(club, offer, "/reprocess"), headers=headers, data={"crop_to": "600,100,1200,900"})
    assert blue.status_code == 200, blue.text
    assert blue.json()["projected_versions"][0]["url"] == base_url, "the same record, versions made again"
    assert _colors(client, headers, base_url) == [(600 * 800, (0, 0, 255))]
    session.expire_all()
    assert session.get(FileRecord, current.id).crop_to == "600,100,1200,900"
    files_dir = Path(settings.files_dir)
    assert not any((files_dir / key).exists() for key in old_keys), "the earlier versions are deleted"
    red = client.put(_url(club, offer, "/reprocess"), headers=headers, json={"crop_to": "0,100,600,900"})
    assert red.status_code == 200 and _colors(client, headers, base_url) == [(600 * 800, (255, 0, 0))]

    deleted = client.delete(_url(club, offer), headers=headers)
    assert (deleted.status_code, deleted.json()) == (200, {})
    assert client.get(f"/v3/{club.slug}/offers/{offer.id}", headers=headers).json()["files"] == []
    for method in ("put", "delete"):
        again = client.request(method.upper(), _url(club, offer), headers=headers)
        assert (again.status_code, again.json()) == (404, {"error": "File not found"}), method
    gone = client.put(_url(club, offer, "/reprocess"), headers=headers, json={"crop_to": "0,0,600,800"})
    assert (gone.status_code, gone.json()) == (404, {"error": "File not found"})


def test_refusals_name_the_reason(client, session, club, headers, offer):
    url = _url(club, offer)
    small = client.post(url, headers=headers, files={"file": ("s.png", png(300, 400), "image/png")})
    assert small.status_code == 422 and set(small.json()["details"]) == {"width", "height"}
    text = client.post(url, headers=headers, files={"file": ("t.txt", b"hello, world", "text/plain")})
    assert text.status_code == 422 and "content_type" in text.json()["details"]
    lying = client.post(url, headers=headers, files={"file": ("x.png", b"GIF89a" + b"\0" * 100, "image/png")})
    assert lying.status_code == 422
    assert lying.json()["details"]["content_type"][0]["error"] == "does_not_match_file"
    outside = client.post(
        url, headers=headers, files={"file": ("a.png", png(600, 800), "image/png")}, data={"crop_to": "0,0,700,800"}
    )
    assert outside.status_code == 422
    assert outside.json()["details"] == {
        "crop_to": [{"error": "outside_image", "options": {"width": 600, "height": 800}}]
    }
    malformed = client.post(
        url, headers=headers, files={"file": ("a.png", png(), "image/png")}, data={"crop_to": "1,2,3"}
    )
    assert malformed.status_code == 422 and malformed.json()["details"]["crop_to"][0]["error"] == "invalid_format"
    long = client.post(
        url, headers=headers, files={"file": ("a.png", png(), "image/png")}, data={"crop_to": "0,0,600,800" + " " * 60}
    )
    assert long.json()["details"] == {"crop_to": [{"error": "too_long", "options": {"max_length": 64}}]}
    missing = client.post(url, headers=headers, data={"crop_to": "0,0,600,800"})
    assert missing.status_code == 422 and missing.json()["details"] == {"file": [{"error": "blank", "options": {}}]}
    as_json = client.post(url, headers=headers, json={"file": "x"})
    assert as_json.status_code == 400 and "multipart/form-data" in as_json.json()["error"]
    wrong_kind = client.post(
        _url(club, offer, kind="collection_cover_default"),
        headers=headers,
        files={"file": ("a.png", png(), "image/png")},
    )
    assert wrong_kind.status_code == 422 and wrong_kind.json()["details"]["kind"][0]["error"] == "inclusion"
    no_offer = client.post(
        f"/v3/{club.slug}/files/offers/999999/offer_default",
        headers=headers,
        files={"file": ("a.png", png(), "image/png")},
    )
    assert (no_offer.status_code, no_offer.json()) == (404, {"error": "The Fileable does not exist"})
    unknown_type = client.post(
        f"/v3/{club.slug}/files/stores/{offer.id}/offer_default",
        headers=headers,
        files={"file": ("a.png", png(), "image/png")},
    )
    assert unknown_type.status_code == 422
    no_crop = client.post(url, headers=headers, files={"file": ("a.png", png(), "image/png")})
    assert no_crop.status_code == 201
    for body in ({"data": {}}, {"json": {}}, {"json": {"crop_to": "9,9"}}):
        refused = client.put(_url(club, offer, "/reprocess"), headers=headers, **body)
        assert refused.status_code == 422, (body, refused.text)
    assert session.execute(select(FileRecord).where(FileRecord.fileable_id == offer.id)).scalars().all()[0].active


def test_a_file_without_a_type_is_told_by_its_bytes_and_a_collection_takes_its_cover(client, session, club, headers):
    collection = offers.collection(session, club)
    created = client.post(
        _url(club, collection, kind="collection_cover_default", fileable="collections"),
        headers=headers,
        files={"file": ("cover", png(1200, 600), "application/octet-stream")},
    )
    assert created.status_code == 201, created.text
    assert [v["size_type"] for v in created.json()["projected_versions"]] == ["base", "thumbnail"]
    record = session.execute(select(FileRecord).where(FileRecord.fileable_type == "collections")).scalar_one()
    assert (record.mime_type, record.filename, record.width) == ("image/png", "cover", 1200)


def test_a_form_over_the_part_limit_is_413(settings, engine, connection, services, club, headers, offer):
    from fastapi.testclient import TestClient

    from loyaltyhub.app import create_app
    from tests.conftest import bound_session

    small = settings.model_copy(update={"file_part_max_bytes": 1_100_000})  # the body limit is 1 MiB
    app = create_app(
        small,
        engine=engine,
        services=services,
        session_factory=lambda _write: bound_session(connection, services),
        start_background_jobs=False,
    )
    fits, over = b"\x89PNG" + b"0" * 1_090_000, b"\x89PNG" + b"0" * 1_110_000
    with TestClient(app, raise_server_exceptions=False) as client:
        allowed = client.post(_url(club, offer), headers=headers, files={"file": ("a.png", fits, "image/png")})
        assert allowed.status_code == 422, "past the general 1 MiB limit: read, then refused as not an image"
        refused = client.post(_url(club, offer), headers=headers, files={"file": ("a.png", over, "image/png")})
        assert refused.status_code == 413
        assert refused.json() == {"error": "Request body too large"}
        as_json = client.post(
            _url(club, offer),
            headers={**headers, "Content-Type": "application/json"},
            content=b"{" + b" " * 1_090_000 + b"}",
        )
        assert as_json.status_code == 413, "only a form may be that large"


def test_permits_and_another_club(client, factory, session, club, offer):
    only_create = factory.headers(factory.client_token([club], [permits.FILES_CREATE]))
    form = {"file": ("a.png", png(), "image/png")}
    assert client.post(_url(club, offer), headers=only_create, files=form).status_code == 201
    for method, suffix, permit in (
        ("PUT", "", permits.FILES_UPDATE),
        ("PUT", "/reprocess", permits.FILES_REPROCESS),
        ("DELETE", "", permits.FILES_DELETE),
    ):
        refused = client.request(method, _url(club, offer, suffix), headers=only_create)
        assert refused.json() == {"error": f"Missing permit {permit}"}, (method, suffix)
    other = factory.club()
    stranger = factory.headers(factory.client_token([other]))
    foreign = client.post(f"/v3/{other.slug}/files/offers/{offer.id}/offer_default", headers=stranger, files=form)
    assert (foreign.status_code, foreign.json()) == (404, {"error": "The Fileable does not exist"})
    for method, suffix in (("PUT", ""), ("DELETE", "")):
        answer = client.request(
            method, f"/v3/{other.slug}/files/offers/{offer.id}/offer_default{suffix}", headers=stranger
        )
        assert answer.status_code == 404
    session.expire_all()
    assert session.execute(select(FileRecord).where(FileRecord.fileable_id == offer.id)).scalar_one().active
