"""Shared counting state that survives Redis going away.

The rate-limit buckets and the sign-in throttle count in Redis when ``LOYALTYHUB_REDIS_URL`` is set, so that
every server process sees the same counts. Redis is optional infrastructure: when it stops answering, a
request must not fail because of it (it was a 500 on every rate-limited request and every sign-in). While it
is unreachable each process counts on its own, in memory — the limits still hold per process, as they do
without Redis — and Redis is tried again after a short pause. The readiness probe (``/health/ready``) reports
Redis down, and the metric ``loyaltyhub_shared_state_fallbacks_total`` counts each switch, so operators see it.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from loyaltyhub.ops.metrics import record_shared_state_fallback

log = logging.getLogger("loyaltyhub.ratelimit")

Result = TypeVar("Result")

# Seconds between tries of an unreachable Redis: a connection refused is answered at once, a hung server only
# after the client's timeout, so at most one request in this window waits for it.
RETRY_AFTER_SECONDS = 5.0


class SharedOrLocal:
    """Runs a call on the shared store, or on the per-process one while the shared store is unreachable."""

    def __init__(
        self, name: str, *, retry_after: float = RETRY_AFTER_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        import redis

        self._errors = (redis.RedisError, OSError)
        self._name = name
        self._retry_after = retry_after
        self._clock = clock
        self._lock = threading.Lock()
        self._local_until = 0.0

    @property
    def using_local(self) -> bool:
        return self._clock() < self._local_until

    def run(self, shared: Callable[[], Result], local: Callable[[], Result]) -> Result:
        if self.using_local:
            return local()
        try:
            return shared()
        except self._errors as error:
            self._switch_to_local(error)
            return local()

    def _switch_to_local(self, error: BaseException) -> None:
        with self._lock:
            already_local = self.using_local
            self._local_until = self._clock() + self._retry_after
        if not already_local:
            record_shared_state_fallback(self._name)
            log.warning(
                "redis unreachable; %s counted per process for %.0f s: %s",
                self._name, self._retry_after, type(error).__name__,
            )  # fmt: skip
