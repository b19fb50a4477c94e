"""What the rate-limit tests share: a clock they move by hand and a real Redis (skipped when none runs)."""

from __future__ import annotations

import pytest


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/15", socket_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis is not running at 127.0.0.1:6379")
    yield client
    for pattern in ("loyaltyhub-test:*", "loyaltyhub:ratelimit:customer:test-*"):
        for key in client.scan_iter(pattern):
            client.delete(key)
    client.close()
