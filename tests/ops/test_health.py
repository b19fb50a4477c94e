"""``/healthz`` and ``/readyz`` on the suite's backend: a database at head, one behind it, one that does not
answer, and Redis reachable, unreachable or not configured."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import make_url

from loyaltyhub.app import create_app
from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.ping import main as ping
from loyaltyhub.settings import Settings

LOCAL_REDIS = os.environ.get("LOYALTYHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
UNREACHABLE_REDIS = "redis://127.0.0.1:1/0"


def _client(settings: Settings, engine) -> TestClient:
    return TestClient(create_app(settings, engine=engine, start_background_jobs=False), raise_server_exceptions=False)


def test_healthz_answers_while_the_process_lives(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert "ratelimit-bucket" not in response.headers  # probes are not metered


def test_ready_when_the_database_is_at_head_and_redis_is_not_configured(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "redis": "not configured"},
    }


def test_not_ready_while_the_database_is_behind_the_code(settings, scratch_url):
    migrate.upgrade(scratch_url, "0007")
    engine = make_engine(scratch_url)
    try:
        with _client(settings.model_copy(update={"database_url": scratch_url}), engine) as client:
            response = client.get("/readyz")
            assert response.status_code == 503
            body = response.json()
            assert body["error"] == "Not ready"
            assert body["checks"]["database"] == "ok"
            (head,) = migrate.head_revisions()
            assert body["checks"]["migrations"] == f"database at 0007, code expects {head}"
            migrate.upgrade(scratch_url)
            assert client.get("/readyz").status_code == 200  # checked on every call
    finally:
        engine.dispose()


def test_still_ready_when_a_newer_release_migrated_the_database(settings, scratch_url):
    from sqlalchemy import text

    migrate.upgrade(scratch_url)
    engine = make_engine(scratch_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = '0042_next_release'"))
        with _client(settings.model_copy(update={"database_url": scratch_url}), engine) as client:
            response = client.get("/readyz")
        assert response.status_code == 200
        assert response.json()["checks"]["migrations"] == "ahead of this release: database at 0042_next_release"
    finally:
        engine.dispose()


def test_not_ready_when_the_database_does_not_answer(settings, database_url, tmp_path):
    if database_url.startswith("sqlite"):
        unreachable = f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.db'}"  # the folder does not exist
    else:
        unreachable = make_url(database_url).set(port=1).render_as_string(hide_password=False)
    assert ping(unreachable) == 1
    engine = make_engine(unreachable)
    try:
        with _client(settings, engine) as client:
            response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["checks"] == {
            "database": "unreachable",
            "migrations": "unknown",
            "redis": "not configured",
        }
        assert "127.0.0.1" not in response.text and "missing" not in response.text  # details go to the log only
    finally:
        engine.dispose()


def test_not_ready_when_the_configured_redis_does_not_answer(settings, engine):
    with _client(settings.model_copy(update={"redis_url": UNREACHABLE_REDIS}), engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "migrations": "ok", "redis": "unreachable"}


def test_ready_with_a_reachable_redis(settings, engine):
    import redis

    try:
        redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {LOCAL_REDIS}")
    with _client(settings.model_copy(update={"redis_url": LOCAL_REDIS}), engine) as client:
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"]["redis"] == "ok"
