"""The Files API over HTTP (issue 19): uploads in parts, checks that name the reason, file records."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.files.models import FileUpload
from loyaltyhub.offers.models import Offer
from tests.files.factories import png


def _url(club, path=""):
    return f"/v3/{club.slug}/files{path}"


def _start(client, club, headers, offer, data: bytes, **overrides):
    body = {
        "fileable_type": "offers",
        "fileable_id": offer.id,
        "kind": "offer_default",
        "filename": "summer.png",
        "content_type": "image/png",
        "size": len(data),
        **overrides,
    }
    return client.post(_url(club, "/uploads"), headers=headers, json=body)


def _upload(client, club, headers, offer, data: bytes, parts: int = 2):
    started = _start(client, club, headers, offer, data)
    assert started.status_code == 201, started.text
    upload_id = started.json()["id"]
    step = -(-len(data) // parts)
    for number, offset in enumerate(range(0, len(data), step), start=1):
        sent = client.put(
            _url(club, f"/uploads/{upload_id}/parts/{number}"),
            headers={**headers, "Content-Type": "application/octet-stream"},
            content=data[offset : offset + step],
        )
        assert sent.status_code == 200, sent.text
    finished = client.post(_url(club, f"/uploads/{upload_id}/finish"), headers=headers)
    assert finished.status_code == 200, finished.text
    return upload_id, finished.json()


def test_file_schema(client, club, headers):
    schema = client.get(_url(club, "/schema"), headers=headers)
    assert schema.status_code == 200, schema.text
    kinds = {kind["identifier"]: kind for kind in schema.json()["files_kinds"]}
    assert kinds["offer_default"]["ratio"] == "3:4"
    assert {s["identifier"] for s in kinds["offer_default"]["sizes"]} == {"base", "thumbnail", "original"}
    assert schema.json()["mime_types"] == ["image/gif", "image/jpeg", "image/png"]


def test_upload_in_parts_then_activate(client, session, club, headers, offer):
    data = png(600, 800)
    upload_id, record = _upload(client, club, headers, offer, data, parts=3)
    assert (record["width"], record["height"], record["mime_type"]) == (600, 800, "image/png")
    assert record["size"] == len(data) and record["active"] is False
    assert record["type"] == "offers" and record["identifier"] == str(offer.id)
    status = client.get(_url(club, f"/uploads/{upload_id}"), headers=headers).json()
    assert status["status"] == "finished" and status["file_id"] == record["id"]
    assert status["received_bytes"] == len(data) and [p["number"] for p in status["parts"]] == [1, 2, 3]

    content = client.get(_url(club, f"/{record['id']}/content"), headers=headers)
    assert content.status_code == 200 and content.headers["content-type"] == "image/png"
    assert hashlib.sha256(content.content).digest() == hashlib.sha256(data).digest()

    activated = client.post(_url(club, f"/{record['id']}/activate"), headers=headers)
    assert activated.status_code == 200 and activated.json()["active"] is True
    session.expire_all()
    files = session.get(Offer, offer.id).files
    assert files == [
        {"url": record["url"], "width": 600, "height": 800, "kind": "offer_default", "size_type": "original"},
        {"url": f"{record['url']}?size_type=base", "width": 600, "height": 800, "kind": "offer_default"}
        | {"size_type": "base"},
        {"url": f"{record['url']}?size_type=thumbnail", "width": 225, "height": 300, "kind": "offer_default"}
        | {"size_type": "thumbnail"},
    ]
    shown = client.get(f"/v3/{club.slug}/offers/{offer.id}", headers=headers).json()
    assert shown["files"][0]["url"] == record["url"]

    # A second file of the kind replaces the first one.
    _, second = _upload(client, club, headers, offer, png(640, 860, (0, 0, 0)), parts=1)
    client.post(_url(club, f"/{second['id']}/activate"), headers=headers)
    listed = client.get(_url(club, f"?type=offers&identifier={offer.id}"), headers=headers).json()
    assert [f["id"] for f in listed["file_records"]] == [second["id"]]
    everything = client.get(_url(club, f"?identifier={offer.id}&with_inactive=true"), headers=headers).json()
    first = next(f for f in everything["file_records"] if f["id"] == record["id"])
    assert first["active"] is False and first["last_active_at"] is not None

    destroyed = client.delete(_url(club, f"/{second['id']}"), headers=headers)
    assert destroyed.status_code == 200 and destroyed.json()["active"] is False
    session.expire_all()
    assert session.get(Offer, offer.id).files == []


def test_a_part_sent_again_replaces_the_earlier_one(client, club, headers, offer):
    data = png()
    started = _start(client, club, headers, offer, data).json()
    url = _url(club, f"/uploads/{started['id']}/parts/1")
    assert client.put(url, headers=headers, content=data[:100]).status_code == 200
    again = client.put(url, headers=headers, content=data)
    assert again.status_code == 200 and again.json()["received_bytes"] == len(data)
    assert client.post(_url(club, f"/uploads/{started['id']}/finish"), headers=headers).status_code == 200


def test_wrong_type_or_size_is_refused_at_start_naming_the_reason(client, club, headers, offer, settings):
    pdf = _start(client, club, headers, offer, b"%PDF-1.4", content_type="application/pdf")
    assert pdf.status_code == 422
    assert pdf.json()["details"]["content_type"][0]["error"] == "inclusion"
    huge = _start(client, club, headers, offer, b"x", size=settings.file_max_bytes + 1)
    assert huge.status_code == 422
    assert huge.json()["details"] == {
        "size": [{"error": "less_or_equal_to", "options": {"count": settings.file_max_bytes}}]
    }
    kind = _start(client, club, headers, offer, b"x", kind="collection_cover_default")
    assert kind.status_code == 422 and "kind" in kind.json()["details"]
    missing = _start(client, club, headers, offer, b"x", fileable_id=987654321)
    assert missing.status_code == 404 and missing.json() == {"error": "The Fileable does not exist"}


def test_bytes_that_are_not_the_declared_type_are_refused(client, club, headers, offer):
    fake = b"GIF89a" + b"\0" * 5000
    started = _start(client, club, headers, offer, fake).json()
    sent = client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=fake)
    assert sent.status_code == 422
    assert sent.json()["details"]["content_type"] == [
        {"error": "does_not_match_file", "options": {"declared": "image/png", "found": "image/gif"}}
    ]
    # Declared as PNG, starts like one, but is no image: refused when finished.
    broken = b"\x89PNG\r\n\x1a\n" + b"garbage" * 100
    started = _start(client, club, headers, offer, broken).json()
    client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=broken)
    finished = client.post(_url(club, f"/uploads/{started['id']}/finish"), headers=headers)
    assert finished.status_code == 422 and "content_type" in finished.json()["details"]


def test_parts_over_the_declared_size_and_missing_parts(client, club, headers, offer):
    data = png()
    started = _start(client, club, headers, offer, data).json()
    too_much = client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=data + b"x")
    assert too_much.status_code == 422
    assert too_much.json()["details"] == {"size": [{"error": "less_or_equal_to", "options": {"count": len(data)}}]}
    client.put(_url(club, f"/uploads/{started['id']}/parts/2"), headers=headers, content=data[:10])
    gap = client.post(_url(club, f"/uploads/{started['id']}/finish"), headers=headers)
    assert gap.status_code == 422 and gap.json()["details"]["parts"][0]["options"] == {"numbers": [1]}
    client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=data[:10])
    short = client.post(_url(club, f"/uploads/{started['id']}/finish"), headers=headers)
    assert short.status_code == 422 and short.json()["details"]["size"][0]["error"] == "does_not_match_received"


def test_an_image_smaller_than_its_kind_is_refused(client, club, headers, offer):
    data = png(300, 400)
    started = _start(client, club, headers, offer, data).json()
    client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=data)
    finished = client.post(_url(club, f"/uploads/{started['id']}/finish"), headers=headers)
    assert finished.status_code == 422
    assert finished.json()["details"] == {
        "width": [{"error": "greater_or_equal_to", "options": {"count": 600}}],
        "height": [{"error": "greater_or_equal_to", "options": {"count": 800}}],
    }


def test_a_finished_upload_takes_no_more_parts(client, club, headers, offer):
    upload_id, _ = _upload(client, club, headers, offer, png(), parts=1)
    late = client.put(_url(club, f"/uploads/{upload_id}/parts/2"), headers=headers, content=b"x")
    assert late.status_code == 422 and late.json() == {"error": f"Upload#{upload_id} is finished"}
    again = client.post(_url(club, f"/uploads/{upload_id}/finish"), headers=headers)
    assert again.status_code == 422


def test_a_part_over_the_part_limit_is_refused(app_with, services, settings, session, club, headers, offer):
    from fastapi.testclient import TestClient

    small = settings.model_copy(update={"file_part_max_bytes": 2000})
    app = app_with(services)
    app.state.settings = small
    with TestClient(app, raise_server_exceptions=False) as client:
        data = png()
        started = _start(client, club, headers, offer, data).json()
        assert started["max_part_bytes"] == 2000
        over = client.put(_url(club, f"/uploads/{started['id']}/parts/1"), headers=headers, content=data[:2001])
        assert over.status_code == 422
        assert over.json()["details"] == {"part": [{"error": "less_or_equal_to", "options": {"count": 2000}}]}
    stored = session.execute(select(FileUpload).where(FileUpload.id == started["id"])).scalar_one()
    assert stored.parts == {}


def test_permits(client, factory, club, offer):
    headers = factory.headers(factory.client_token([club], [permits.FILES_LIST]))
    answer = _start(client, club, headers, offer, b"x")
    assert answer.status_code == 403 and answer.json() == {"error": f"Missing permit {permits.FILES_CREATE}"}
    assert client.get(_url(club, "/schema"), headers=headers).status_code == 403


def test_a_part_is_raw_bytes_not_json(client, club, headers, offer):
    started = _start(client, club, headers, offer, png()).json()
    url = _url(club, f"/uploads/{started['id']}/parts/1")
    json_part = client.put(url, headers=headers, json=[1, 2])
    assert json_part.status_code == 400
    assert json_part.json() == {"error": "An upload part is raw bytes: send it as application/octet-stream"}
    big_json = client.put(url, headers={**headers, "Content-Type": "application/json"}, content=b"x" * (2 * 2**20))
    assert big_json.status_code == 413, "only raw parts may exceed the usual body limit"
    big_raw = client.put(
        url, headers={**headers, "Content-Type": "application/octet-stream"}, content=png()[:10] + b"\0" * (2 * 2**20)
    )
    assert big_raw.status_code == 422 and "size" in big_raw.json()["details"], "over the declared size, not the limit"


def test_files_of_an_offer_are_read_only_and_follow_its_uploads(client, club, headers, offer):
    """Seed: ``files`` is read-only. A GET body sent back is accepted, another list is refused, an update of
    other fields keeps the list, and only the Files API changes it."""
    _, record = _upload(client, club, headers, offer, png(600, 800), parts=1)
    assert client.post(_url(club, f"/{record['id']}/activate"), headers=headers).status_code == 200
    offer_url = f"/v3/{club.slug}/offers/{offer.id}"
    shown = client.get(offer_url, headers=headers).json()
    assert [f["size_type"] for f in shown["files"]] == ["original", "base", "thumbnail"]
    assert shown["files"][0]["url"] == record["url"]

    sent_back = client.patch(offer_url, headers=headers, json={"files": shown["files"], "notes": "same files"})
    assert sent_back.status_code == 200, sent_back.text
    assert sent_back.json()["files"] == shown["files"]

    other = [{"url": "https://example.com/mine.png", "kind": "offer_default", "size_type": "base"}]
    refused = client.patch(offer_url, headers=headers, json={"files": other, "notes": "mine"})
    assert refused.status_code == 422, refused.text
    assert refused.json()["details"]["files"] == [{"error": "read_only", "options": {}}]
    for body in ({"files": []}, {"files": other}):  # nothing else to update: refused as an empty update
        assert client.patch(offer_url, headers=headers, json=body).status_code == 422
    assert client.get(offer_url, headers=headers).json()["files"] == shown["files"]

    created = client.post(f"/v3/{club.slug}/offers", headers=headers, json={"name": {"en": "x"}, "files": other})
    assert created.status_code == 422
    assert created.json()["details"]["files"] == [{"error": "unknown_attribute", "options": {}}]
