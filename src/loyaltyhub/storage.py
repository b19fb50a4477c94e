"""Where file bytes live, for every part of the app that keeps files (uploaded files, export files): one
:class:`Storage` interface over a blob store, with two implementations chosen by a URL setting:

* :class:`LocalStorage`: a directory (the default; one node, or a volume the nodes share);
* :class:`BucketStorage`: an S3-compatible bucket (``s3://bucket/prefix``; AWS, MinIO, Ceph, R2, ...).

Nothing is ever held whole in memory: writers take chunks (a bucket writer sends them as the parts of a
multipart upload), readers give chunks, ``compose`` joins parts into one object. An object only becomes
visible complete (a rename; a completed upload). Keys are relative, ``/``-separated names chosen by the app.
Credentials for S3 come from boto3's usual chain (``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY``, an
instance profile, ...); ``LOYALTYHUB_S3_ENDPOINT_URL`` points it at another S3 API than AWS's. Nothing here
knows about clubs, offers, exports or HTTP.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol
from urllib.parse import urlsplit

CHUNK_BYTES = 256 * 1024
BUCKET_PART_BYTES = 8 * 1024 * 1024
"""A bucket writer's part size (S3 wants at least 5 MiB for every part but the last): the most a writer holds."""
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class StorageError(Exception):
    pass


@dataclass(frozen=True)
class StoredFile:
    size: int
    chunks: Iterator[bytes]


class Writer(Protocol):
    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> int:
        """Make the object visible under its key (atomically); the number of bytes written."""
        ...

    def abort(self) -> None: ...


class Storage(Protocol):
    def writer(self, key: str) -> Writer: ...

    def open(self, key: str) -> BinaryIO:
        """The object, readable and seekable; :class:`StorageError` when there is none."""
        ...

    def compose(self, key: str, parts: list[str]) -> int:
        """Join ``parts`` (in order) into the object ``key``; its size."""
        ...

    def delete(self, key: str) -> None:
        """Remove ``key`` and every object under ``key/``; no error when there is none."""
        ...

    def exists(self, key: str) -> bool: ...

    def put(self, key: str, source: Path) -> None:
        """Make the complete local file ``source`` the object ``key`` (``source`` is consumed)."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The object on this node's disk, when the storage is a directory (served with sendfile and ranges)."""
        ...

    def read(self, key: str) -> StoredFile:
        """The object's size and its bytes; ``FileNotFoundError`` when there is none."""
        ...

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        """``(key, last modified as a Unix time)`` of every object whose key starts with ``prefix``."""
        ...


def check_key(key: str) -> str:
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def read_chunks(storage: Storage, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    with storage.open(key) as stream:
        while chunk := stream.read(chunk_bytes):
            yield chunk


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform lets a directory be opened
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class _LocalWriter:
    """Writes to a temporary file beside the target; ``commit`` renames it into place."""

    def __init__(self, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        self.target = target
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
        self._file: Any = os.fdopen(fd, "wb")
        self._temp = Path(name)
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.size += len(chunk)

    def commit(self) -> int:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        os.replace(self._temp, self.target)
        _fsync_dir(self.target.parent)
        return self.size

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._temp.unlink(missing_ok=True)


def _copy_into(storage: Storage, writer: Writer, parts: list[str]) -> int:
    try:
        for part in parts:
            for chunk in read_chunks(storage, part):
                writer.write(chunk)
        return writer.commit()
    except BaseException:
        writer.abort()
        raise


class LocalStorage:
    """Objects as files under ``root`` (``LOYALTYHUB_FILES_DIR``, ``LOYALTYHUB_EXPORT_DIR``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def writer(self, key: str) -> _LocalWriter:
        return _LocalWriter(self._path(key))

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            raise StorageError(f"no object {key!r}")

    def compose(self, key: str, parts: list[str]) -> int:
        return _copy_into(self, self.writer(key), parts)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def put(self, key: str, source: Path) -> None:
        target = self._path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(source, target)
        _fsync_dir(target.parent)

    def local_path(self, key: str) -> Path | None:
        path = self._path(key)
        return path if path.is_file() else None

    def read(self, key: str) -> StoredFile:
        handle = self._path(key).open("rb")  # FileNotFoundError when missing
        size = os.fstat(handle.fileno()).st_size

        def chunks() -> Iterator[bytes]:
            with handle:
                while chunk := handle.read(1024 * 1024):
                    yield chunk

        return StoredFile(size, chunks())

    def listing(self, prefix: str) -> Iterator[tuple[str, float]]:
        folder, _, start = prefix.rpartition("/")
        directory = self.root / folder if folder else self.root
        if not directory.is_dir():
            return
        for path in directory.iterdir():
            if path.name.startswith(start) and path.is_file():
                with contextlib.suppress(FileNotFoundError):
                    yield (f"{folder}/{path.name}" if folder else path.name), path.stat().st_mtime


class _BucketWriter:
    """Chunks gathered into parts of :data:`BUCKET_PART_BYTES`, each sent as it fills (a multipart upload,
    started with the first full part); a small object is one ``PutObject`` at commit."""

    def __init__(self, client: Any, bucket: str, key: str, part_bytes: int = BUCKET_PART_BYTES) -> None:
        self.client, self.bucket, self.key, self.part_bytes = client, bucket, key, part_bytes
        self._buffer = bytearray()
        self._upload_id: str | None = None
        self._parts: list[dict[str, Any]] = []
        self.size = 0

    def _send_part(self) -> None:
        if self._upload_id is None:
            self._upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)["UploadId"]
        number = len(self._parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, PartNumber=number, Body=bytes(self._buffer)
        )
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})
        self._buffer.clear()

    def write(self, chunk: bytes) -> None:
        self._buffer += chunk
        self.size += len(chunk)
        if len(self._buffer) >= self.part_bytes:
            self._send_part()

    def commit(self) -> int:
        if self._upload_id is None:
            self.client.put_object(Bucket=self.bucket, Key=self.key, Body=bytes(self._buffer))
            self._buffer.clear()
            return self.size
        if self._buffer:
            self._send_part()
        self.client.complete_multipart_upload(
            Bucket=self.bucket, Key=self.key, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}
        )
        return self.size

    def abort(self) -> None:
        self._buffer.clear()
        if self._upload_id is not None:
            with contextlib.suppress(Exception):
                self.client.abort_multipart_upload(Bucket=self.bucket, Key=self.key, UploadId=self._upload_id)
            self._upload_id = None


class _ObjectReader(io.RawIOBase):
    """A seekable reader of one object: reads stream the object from the current offset (one ``GetObject``
    with a range, kept open while reading forward); a seek elsewhere closes it and the next read reopens."""

    def __init__(self, client: Any, bucket: str, key: str, size: int) -> None:
        self.client, self.bucket, self.key, self.size = client, bucket, key, size
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self.size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop_body()
            self._position = position
        return position

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None

    def readinto(self, buffer: Any) -> int:
        if self._position >= self.size or len(buffer) == 0:
            return 0
        if self._body is None:
            answer = self.client.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={self._position}-")
            self._body = answer["Body"]
        data = self._body.read(len(buffer))
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)

    def close(self) -> None:
        self._drop_body()
        super().close()


class BucketStorage:
    """Objects ``<prefix><key>`` of an S3 bucket. An interrupted write leaves no object (its multipart upload
    is aborted; configure the bucket's lifecycle rule for incomplete multipart uploads for a killed process)."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def _size(self, key: str) -> int | None:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=self._name(key))["ContentLength"])
        except self.client.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def writer(self, key: str) -> _BucketWriter:
        return _BucketWriter(self.client, self.bucket, self._name(key))

    def open(self, key: str) -> BinaryIO:
        size = self._size(key)
        if size is None:
            raise StorageError(f"no object {key!r}")
        return io.BufferedReader(_ObjectReader(self.client, self.bucket, self._name(key), size), CHUNK_BYTES)  # type: ignore[return-value]

    def compose(self, key: str, parts: list[str]) -> int:
        return _copy_into(self, self.writer(key), parts)

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        for name, _modified in list(self.listing(f"{check_key(key)}/")):
            self.client.delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def exists(self, key: str) -> bool:
        return self._size(key) is not None

    def put(self, key: str, source: Path) -> None:
        from boto3.s3.transfer import TransferConfig

        # Parts of 8 MiB, two at a time: memory stays flat whatever the size.
        config = TransferConfig(multipart_chunksize=BUCKET_PART_BYTES, max_concurrency=2)
        self.client.upload_file(str(source), self.bucket, self._name(key), Config=config)
        source.unlink(missing_ok=True)

    def local_path(self, key: str) -> Path | None:
        return None

    def read(self, key: str) -> StoredFile:
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        body = answer["Body"]

        def chunks() -> Iterator[bytes]:
            with contextlib.closing(body):
                yield from body.iter_chunks(1024 * 1024)

        return StoredFile(int(answer["ContentLength"]), chunks())

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
def storage_for(
    storage_url: str, directory: str, endpoint_url: str | None = None, region: str | None = None
) -> Storage:
    """The storage a setting names: ``directory`` when ``storage_url`` is empty, else the bucket of
    ``storage_url`` (cached: a boto3 client is slow to build and safe to share between threads)."""
    if not storage_url:
        return LocalStorage(directory)
    bucket, prefix = parse_bucket_url(storage_url)
    import boto3  # only where S3 is configured
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=endpoint_url or None,
        region_name=region or None,
        config=Config(retries={"mode": "standard", "max_attempts": 5}),
    )
    return BucketStorage(client, bucket, prefix)
