"""Export files in an S3-compatible bucket (``LOYALTYHUB_EXPORT_STORAGE_URL=s3://...``), against a real S3
server (moto's server, in its own process on 127.0.0.1): the worker of one node writes, any other node with
the same settings serves the download, and cancelling or expiring a job deletes its object."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from loyaltyhub.app import create_app
from loyaltyhub.exports.runner import FILE_PREFIX, Sessions, cleanup, run_pending
from loyaltyhub.services import AppServices
from loyaltyhub.settings import Settings
from loyaltyhub.storage import parse_bucket_url
from tests.conftest import bound_session
from tests.exports.fakes import COLUMNS, FakeSource
from tests.factories import Factory
from tests.s3 import drop_bucket, make_bucket, s3_client

QUERY = "/v1/reporting/query/export"
EXPORTS = "/v1/reporting/exports"
BUCKET_URL = "s3://club-exports/loyaltyhub/exports"


@pytest.fixture
def bucket(s3_endpoint: str, s3_credentials: None) -> Iterator[object]:
    s3 = s3_client(s3_endpoint)
    name, _prefix = parse_bucket_url(BUCKET_URL)
    make_bucket(s3, name)
    yield s3
    drop_bucket(s3, name)


def _node_settings(settings: Settings, s3_endpoint: str, export_dir: Path) -> Settings:
    return settings.model_copy(
        update={
            "export_dir": str(export_dir),
            "export_storage_url": BUCKET_URL,
            "s3_endpoint_url": s3_endpoint,
            "s3_region": "us-east-1",
        }
    )


@pytest.fixture
def settings(settings: Settings, s3_endpoint: str, tmp_path: Path) -> Settings:
    """Node A's settings: its own scratch directory, the shared bucket."""
    return _node_settings(settings, s3_endpoint, tmp_path / "node-a")


@pytest.fixture
def node_b(
    settings: Settings, s3_endpoint: str, tmp_path: Path, engine: Engine, connection: Connection, services: AppServices
) -> Iterator[TestClient]:
    """A second app on the same database and bucket but another disk: it never saw the file being written."""
    app = create_app(
        _node_settings(settings, s3_endpoint, tmp_path / "node-b"),
        engine=engine,
        services=services,
        session_factory=lambda _write: bound_session(connection, services),
        start_background_jobs=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def _objects(s3: object) -> list[str]:
    name, prefix = parse_bucket_url(BUCKET_URL)
    listed = s3.list_objects_v2(Bucket=name, Prefix=prefix)  # type: ignore[attr-defined]
    return [item["Key"][len(prefix) :] for item in listed.get("Contents", ())]


def _headers(token: str, customer: int) -> dict[str, str]:
    return {"X-Client-Authorization": token, "X-Customer": str(customer)}


def test_a_file_written_by_one_node_is_downloaded_from_another(
    client: TestClient,
    node_b: TestClient,
    bucket: object,
    factory: Factory,
    source: FakeSource,
    sessions: Sessions,
    settings: Settings,
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json={"report": "items", "format": "csv"}, headers=headers).json()

    assert run_pending(sessions, settings) == [(job["id"], "done")]

    assert [p.name for p in Path(settings.export_dir).iterdir()] == []  # nothing stays on node A's disk
    (stored,) = _objects(bucket)
    assert stored.startswith(FILE_PREFIX)
    download = node_b.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert download.status_code == 200, download.text
    assert download.headers["content-type"] == "text/csv; charset=utf-8"
    assert f'filename="items-export-{job["id"]}.csv"' in download.headers["content-disposition"]
    assert int(download.headers["content-length"]) == len(download.content)
    records = list(csv.DictReader(io.StringIO(download.text, newline="")))
    assert list(records[0]) == COLUMNS and len(records) == 5


def test_cancelling_a_finished_export_deletes_its_object(
    client: TestClient, bucket: object, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json={"report": "items", "format": "ndjson"}, headers=headers).json()
    run_pending(sessions, settings)
    assert len(_objects(bucket)) == 1

    assert client.delete(f"{EXPORTS}/{job['id']}", headers=headers).json()["status"] == "cancelled"
    assert _objects(bucket) == []


def test_an_object_gone_from_the_bucket_answers_410(
    client: TestClient, bucket: object, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json={"report": "items", "format": "csv"}, headers=headers).json()
    run_pending(sessions, settings)
    name, prefix = parse_bucket_url(BUCKET_URL)
    (stored,) = _objects(bucket)
    bucket.delete_object(Bucket=name, Key=prefix + stored)  # type: ignore[attr-defined]

    gone = client.get(f"{EXPORTS}/{job['id']}/download", headers=headers)
    assert gone.status_code == 410
    assert gone.json() == {"error": f"Export#{job['id']} file is no longer available"}


def test_the_cleanup_deletes_expired_and_orphaned_objects_and_keeps_live_ones(
    client: TestClient, bucket: object, factory: Factory, source: FakeSource, sessions: Sessions, settings: Settings
) -> None:
    club = factory.club()
    headers = _headers(factory.client_token([club]), club.id)
    job = client.post(QUERY, json={"report": "items", "format": "csv"}, headers=headers).json()
    run_pending(sessions, settings)
    name, prefix = parse_bucket_url(BUCKET_URL)
    orphan = f"{FILE_PREFIX}999999-0123456789abcdef.csv"
    bucket.put_object(Bucket=name, Key=prefix + orphan, Body=b"left by a crashed node\n")  # type: ignore[attr-defined]
    (live,) = [n for n in _objects(bucket) if n != orphan]

    assert cleanup(sessions, settings, grace_seconds=0) == [orphan]
    assert _objects(bucket) == [live]
    assert client.get(f"{EXPORTS}/{job['id']}/download", headers=headers).status_code == 200


def test_a_bucket_url_is_checked_when_the_settings_load() -> None:
    with pytest.raises(ValueError, match="expected s3://bucket"):
        Settings(env="test", export_storage_url="https://club-exports")
