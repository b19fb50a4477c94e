"""Where file bytes live: a small interface over a blob store, so uploads (and later exports) never hold a
whole file in memory. Writers take chunks; readers give chunks; ``compose`` joins parts into one object
(S3's "complete multipart upload"). Keys are relative, ``/``-separated names chosen by the app.

:class:`LocalStorage` (a directory, the default) is the one implementation today; an S3-compatible one
implements the same five methods (``writer`` → multipart part, ``compose`` → complete) and is chosen by
``LOYALTYHUB_FILES_STORAGE``. Nothing here knows about clubs, offers or HTTP.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, Protocol

CHUNK_BYTES = 256 * 1024
_KEY = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class StorageError(Exception):
    pass


class Writer(Protocol):
    def write(self, chunk: bytes) -> None: ...

    def commit(self) -> int:
        """Make the object visible under its key (atomically); the number of bytes written."""
        ...

    def abort(self) -> None: ...


class Storage(Protocol):
    def writer(self, key: str) -> Writer: ...

    def open(self, key: str) -> BinaryIO: ...

    def compose(self, key: str, parts: list[str]) -> int: ...

    def delete(self, key: str) -> None: ...

    def exists(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    if not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise StorageError(f"invalid storage key {key!r}")
    return key


def read_chunks(storage: Storage, key: str, chunk_bytes: int = CHUNK_BYTES) -> Iterator[bytes]:
    with storage.open(key) as stream:
        while chunk := stream.read(chunk_bytes):
            yield chunk


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
        return self.size

    def abort(self) -> None:
        if not self._file.closed:
            self._file.close()
        self._temp.unlink(missing_ok=True)


class LocalStorage:
    """Objects as files under ``root`` (``LOYALTYHUB_FILES_DIR``)."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def writer(self, key: str) -> _LocalWriter:
        return _LocalWriter(self._path(key))

    def open(self, key: str) -> BinaryIO:
        try:
            return self._path(key).open("rb")
        except FileNotFoundError:
            raise StorageError(f"no object {key!r}")

    def compose(self, key: str, parts: list[str]) -> int:
        writer = self.writer(key)
        try:
            for part in parts:
                with self.open(part) as source:
                    shutil.copyfileobj(source, writer._file, CHUNK_BYTES)
                    writer.size += source.tell()
            return writer.commit()
        except BaseException:
            writer.abort()
            raise

    def delete(self, key: str) -> None:
        path = self._path(key)
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


def storage_from_settings(settings: Any) -> Storage:
    if settings.files_storage == "local":
        return LocalStorage(settings.files_dir)
    raise StorageError(f"unknown files storage {settings.files_storage!r}")
