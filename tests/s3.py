"""A real S3 server for the storage tests: moto's server in its own process on 127.0.0.1, and a bucket on it.
Registered as a plugin by tests/conftest.py; a test asks for ``s3_endpoint`` and ``s3_credentials``."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import boto3
import httpx
import pytest

from tests.ops.servers import free_port

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test-key", "AWS_SECRET_ACCESS_KEY": "test-secret"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(url, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the S3 server did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def s3_client(endpoint: str) -> object:
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


@pytest.fixture
def s3_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in CREDENTIALS.items():
        monkeypatch.setenv(key, value)


def make_bucket(s3: object, name: str) -> None:
    s3.create_bucket(Bucket=name)  # type: ignore[attr-defined]


def drop_bucket(s3: object, name: str) -> None:
    for upload in s3.list_multipart_uploads(Bucket=name).get("Uploads", ()):  # type: ignore[attr-defined]
        s3.abort_multipart_upload(Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"])  # type: ignore[attr-defined]
    for item in s3.list_objects_v2(Bucket=name).get("Contents", ()):  # type: ignore[attr-defined]
        s3.delete_object(Bucket=name, Key=item["Key"])  # type: ignore[attr-defined]
    s3.delete_bucket(Bucket=name)  # type: ignore[attr-defined]
