"""Uploaded files in an S3-compatible bucket (``LOYALTYHUB_FILES_STORAGE_URL=s3://...``), against a real S3
server (moto's, in its own process): the same storage as export files (``loyaltyhub.storage``), so an
upload in parts, its checks, the content and the deletion behave as on a directory, and nothing lands on
the node's disk."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from loyaltyhub.settings import Settings
from loyaltyhub.storage import BUCKET_PART_BYTES, BucketStorage, StorageError, parse_bucket_url, storage_for
from tests.files.factories import png
from tests.offers import factories as offers
from tests.s3 import drop_bucket, make_bucket, s3_client

BUCKET_URL = "s3://club-files/loyaltyhub/files"


@pytest.fixture
def s3(s3_endpoint: str, s3_credentials: None) -> Iterator[object]:
    client = s3_client(s3_endpoint)
    name, _prefix = parse_bucket_url(BUCKET_URL)
    make_bucket(client, name)
    yield client
    drop_bucket(client, name)


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "files_dir": str(tmp_path / "files"),
            "files_storage_url": BUCKET_URL,
            "s3_endpoint_url": s3_endpoint,
            "s3_region": "us-east-1",
        }
    )


def _objects(s3: object) -> list[str]:
    name, prefix = parse_bucket_url(BUCKET_URL)
    listed = s3.list_objects_v2(Bucket=name, Prefix=prefix)  # type: ignore[attr-defined]
    return sorted(item["Key"][len(prefix) :] for item in listed.get("Contents", ()))


def test_the_bucket_storage_writes_in_parts_composes_and_reads_with_seeks(s3: object, settings: Settings) -> None:
    storage = settings.uploaded_files()
    assert isinstance(storage, BucketStorage)
    assert storage is storage_for(BUCKET_URL, settings.files_dir, settings.s3_endpoint_url, "us-east-1")
    first = bytes(range(256)) * (BUCKET_PART_BYTES // 256 + 1000)  # over one part: a multipart upload
    writer = storage.writer("a/parts/part-1")
    for offset in range(0, len(first), 1_000_000):
        writer.write(first[offset : offset + 1_000_000])
    assert writer.commit() == len(first)
    small = storage.writer("a/parts/part-2")
    small.write(b"tail")
    assert small.commit() == 4
    aborted = storage.writer("a/never")
    aborted.write(b"x" * (BUCKET_PART_BYTES + 1))  # one part sent, then aborted: no object, no pending upload
    aborted.abort()
    assert not storage.exists("a/never")
    name, _ = parse_bucket_url(BUCKET_URL)
    assert s3.list_multipart_uploads(Bucket=name).get("Uploads", []) == []  # type: ignore[attr-defined]

    assert storage.compose("a/file", ["a/parts/part-1", "a/parts/part-2"]) == len(first) + 4
    with storage.open("a/file") as stream:
        assert hashlib.sha256(stream.read()).digest() == hashlib.sha256(first + b"tail").digest()
        stream.seek(-4, io.SEEK_END)
        assert stream.read() == b"tail"
        stream.seek(10)
        assert stream.read(3) == first[10:13]
    stored = storage.read("a/file")
    assert stored.size == len(first) + 4 and b"".join(stored.chunks).endswith(b"tail")
    assert [key for key, _ in storage.listing("a/parts/")] == ["a/parts/part-1", "a/parts/part-2"]

    storage.delete("a/parts")  # a "folder": every object under it
    assert _objects(s3) == ["a/file"]
    storage.delete("a/file")
    assert _objects(s3) == []
    with pytest.raises(StorageError):
        storage.open("a/file")
    with pytest.raises(FileNotFoundError):
        storage.read("a/file")


def test_an_upload_in_parts_lives_in_the_bucket(client, factory, session, s3: object, settings: Settings) -> None:
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    offer = offers.offer(session, club)
    data = png(600, 800)
    started = client.post(
        f"/v3/{club.slug}/files/uploads",
        headers=headers,
        json={
            "fileable_type": "offers",
            "fileable_id": offer.id,
            "kind": "offer_default",
            "filename": "summer.png",
            "content_type": "image/png",
            "size": len(data),
        },
    )
    assert started.status_code == 201, started.text
    upload_id = started.json()["id"]
    half = len(data) // 2
    for number, chunk in ((1, data[:half]), (2, data[half:])):
        sent = client.put(
            f"/v3/{club.slug}/files/uploads/{upload_id}/parts/{number}",
            headers={**headers, "Content-Type": "application/octet-stream"},
            content=chunk,
        )
        assert sent.status_code == 200, sent.text
    assert _objects(s3) == [
        f"club-{club.id}/uploads/{upload_id}/part-00001",
        f"club-{club.id}/uploads/{upload_id}/part-00002",
    ]
    finished = client.post(f"/v3/{club.slug}/files/uploads/{upload_id}/finish", headers=headers)
    assert finished.status_code == 200, finished.text
    record = finished.json()
    assert (record["width"], record["height"], record["size"]) == (600, 800, len(data))  # read from the bucket
    assert _objects(s3) == [f"club-{club.id}/files/upload-{upload_id}"]  # the parts are gone
    assert not Path(settings.files_dir).exists()  # nothing on the node's disk

    content = client.get(f"/v3/{club.slug}/files/{record['id']}/content", headers=headers)
    assert content.status_code == 200 and content.content == data


def test_a_part_of_the_wrong_type_is_refused_and_not_kept_in_the_bucket(client, factory, session, s3: object) -> None:
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    offer = offers.offer(session, club)
    data = b"GIF89a" + b"\0" * 100
    started = client.post(
        f"/v3/{club.slug}/files/uploads",
        headers=headers,
        json={
            "fileable_type": "offers",
            "fileable_id": offer.id,
            "kind": "offer_default",
            "filename": "not.png",
            "content_type": "image/png",
            "size": len(data),
        },
    ).json()
    part = client.put(
        f"/v3/{club.slug}/files/uploads/{started['id']}/parts/1",
        headers={**headers, "Content-Type": "application/octet-stream"},
        content=data,
    )
    # The first part is sniffed as it is stored: refused, and not kept in the bucket.
    assert part.status_code == 422, part.text
    assert part.json()["details"]["content_type"][0]["options"] == {"declared": "image/png", "found": "image/gif"}
    assert not [key for key in _objects(s3) if f"/uploads/{started['id']}/" in key]
