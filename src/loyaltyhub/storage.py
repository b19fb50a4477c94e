"""Where files live that any node must be able to serve: a local directory (the default, one node or a
shared volume) or an S3-compatible bucket (``LOYALTYHUB_EXPORT_STORAGE_URL=s3://bucket/prefix``).

A file is written locally first and handed over complete (:meth:`FileStore.put`), so a reader never sees
half a file: locally by an atomic rename, on S3 because an object only exists once its upload completed.
Credentials for S3 come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an
instance profile, ...); ``LOYALTYHUB_S3_ENDPOINT_URL`` points it at MinIO, Ceph, R2 or any other S3 API.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

CHUNK_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    size: int
    chunks: Iterator[bytes]


class FileStore(Protocol):
    def put(self, name: str, source: Path) -> None:
        """Make the complete local file ``source`` the stored file ``name`` (``source`` is consumed)."""

    def local_path(self, name: str) -> Path | None:
        """The file on this node's disk, when the store is a directory (served with sendfile and ranges)."""

    def read(self, name: str) -> StoredFile:
        """The file's size and its bytes; ``FileNotFoundError`` when there is none."""

    def delete(self, name: str) -> None:
        """Remove ``name``; no error when it is already gone."""

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        """``(name, last modified as a Unix time)`` of every stored file whose name starts with ``prefix``."""


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class DirectoryStore:
    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def put(self, name: str, source: Path) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.replace(source, self.directory / name)
        _fsync_dir(self.directory)

    def local_path(self, name: str) -> Path | None:
        path = self.directory / name
        return path if path.is_file() else None

    def read(self, name: str) -> StoredFile:
        path = self.directory / name
        handle = path.open("rb")  # FileNotFoundError when missing
        size = os.fstat(handle.fileno()).st_size

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(CHUNK_BYTES):
                    yield chunk

        return StoredFile(size, chunks())

    def delete(self, name: str) -> None:
        (self.directory / name).unlink(missing_ok=True)

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        if not self.directory.is_dir():
            return
        for path in self.directory.iterdir():
            if path.name.startswith(prefix) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    yield path.name, path.stat().st_mtime


class BucketStore:
    """Files as objects ``<prefix><name>`` of an S3 bucket. Large files go up in parts (boto3's transfer
    manager), so memory stays flat whatever the size; an interrupted upload leaves no object (configure the
    bucket's lifecycle rule for incomplete multipart uploads to reclaim their parts)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def put(self, name: str, source: Path) -> None:
        self.client.upload_file(str(source), self.bucket, self.prefix + name)
        source.unlink(missing_ok=True)

    def local_path(self, name: str) -> Path | None:
        return None

    def read(self, name: str) -> StoredFile:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.prefix + name)
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(name) from exc
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            with contextlib.closing(body):
                yield from body.iter_chunks(CHUNK_BYTES)

        return StoredFile(int(answer["ContentLength"]), chunks())

    def delete(self, name: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        pages = self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=self.prefix + prefix)
        for page in pages:
            for item in page.get("Contents", ()):
                yield item["Key"][len(self.prefix) :], item["LastModified"].timestamp()


def parse_bucket_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix`` → ``("bucket", "some/prefix/")``."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"expected s3://bucket[/prefix], got {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


@functools.lru_cache(maxsize=8)
def file_store(
    storage_url: str, directory: str, endpoint_url: str | None = None, region: str | None = None
) -> FileStore:
    """The store named by the settings (cached: a boto3 client is slow to build and safe to share)."""
    if not storage_url:
        return DirectoryStore(directory)
    bucket, prefix = parse_bucket_url(storage_url)
    import boto3  # only where S3 is configured
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )
    return BucketStore(client, bucket, prefix)
