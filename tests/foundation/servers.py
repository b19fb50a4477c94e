"""A real HTTP server for tests that talk to one over a socket: uvicorn serving an app in a thread of the test
process (the app's sessions stay in the test's transaction), with the protocol ``loyaltyhub serve`` uses."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn

from tests.member_offers.live import free_port


@contextmanager
def running(app: Any, **config: Any) -> Iterator[tuple[str, int]]:
    """Serve ``app`` on a free loopback port until the block ends; ``config`` goes to uvicorn's ``Config``
    (by default the options of ``loyaltyhub serve``: :func:`loyaltyhub.cli.server_options`)."""
    from loyaltyhub.cli import server_options

    host, port = "127.0.0.1", free_port()
    options = {**server_options(), "log_level": "warning", **config}
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, lifespan="off", **options))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.02)
    try:
        yield host, port
    finally:
        server.should_exit = True
        thread.join(timeout=15)
