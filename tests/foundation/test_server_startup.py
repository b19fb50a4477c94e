"""What the server entry point does once the application has started."""

from __future__ import annotations

import gc

from fastapi.testclient import TestClient

from loyaltyhub.app import create_app
from loyaltyhub.asgi import freeze_startup_heap


def test_on_started_runs_once_after_start_up(settings, engine):
    calls = []
    app = create_app(settings, engine=engine, start_background_jobs=False, on_started=lambda: calls.append(1))
    assert calls == []
    with TestClient(app) as client:
        assert calls == [1]
        client.get("/v1/permits")
    assert calls == [1]


def test_the_startup_heap_is_frozen_out_of_the_collector():
    try:
        freeze_startup_heap()
        assert gc.get_freeze_count() > 10_000
    finally:
        gc.unfreeze()
