"""Token buckets: in memory by default, in Redis (one atomic Lua script) when configured.

A bucket holds up to ``capacity`` tokens and refills ``refill_per_second`` continuously. A request
``take``s its cost: when ``enforce`` is set and the bucket holds fewer tokens than the cost, nothing is
taken and the answer says how long to wait; otherwise the cost is taken even if the level goes
negative (the "reporting-only mode" of the general bucket: counted, not rejected).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from loyaltyhub.ratelimit.shared import SharedOrLocal


@dataclass(frozen=True)
class BucketSpec:
    capacity: float
    refill_per_second: float


@dataclass(frozen=True)
class Outcome:
    allowed: bool
    remaining: int
    retry_after: int


class BucketStore(Protocol):
    def take(self, key: str, cost: int, spec: BucketSpec, enforce: bool) -> Outcome: ...


def _decide(level: float, cost: int, spec: BucketSpec, enforce: bool) -> tuple[float, Outcome]:
    if enforce and level < cost:
        wait = (cost - level) / spec.refill_per_second if spec.refill_per_second > 0 else 3600
        return level, Outcome(False, math.floor(level), max(1, math.ceil(wait)))
    level -= cost
    return level, Outcome(True, math.floor(level), 0)


class MemoryBuckets:
    """Per-process buckets; fine for one server process and for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[float, float]] = {}

    def take(self, key: str, cost: int, spec: BucketSpec, enforce: bool) -> Outcome:
        with self._lock:
            now = self._clock()
            level, stamp = self._state.get(key, (spec.capacity, now))
            level = min(spec.capacity, level + (now - stamp) * spec.refill_per_second)
            level, outcome = _decide(level, cost, spec, enforce)
            self._state[key] = (level, now)
            return outcome


# KEYS[1] bucket; ARGV: capacity, refill/s, cost, enforce (0/1). Uses the Redis server clock.
_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local enforce = tonumber(ARGV[4])
local state = redis.call('HMGET', KEYS[1], 'level', 'stamp')
local level = tonumber(state[1])
local stamp = tonumber(state[2])
if level == nil then level = capacity; stamp = now end
level = math.min(capacity, level + math.max(0, now - stamp) * refill)
local allowed = 1
if enforce == 1 and level < cost then
  allowed = 0
else
  level = level - cost
end
redis.call('HSET', KEYS[1], 'level', tostring(level), 'stamp', tostring(now))
local ttl = 3600
if refill > 0 then ttl = math.ceil((capacity - level) / refill) + 60 end
redis.call('EXPIRE', KEYS[1], ttl)
return {allowed, tostring(level)}
"""


class RedisBuckets:
    """Buckets shared by every server process: the read-refill-take happens in one Lua script."""

    def __init__(self, client: Any, prefix: str = "loyaltyhub:ratelimit:") -> None:
        self._client = client
        self._prefix = prefix
        self._script = client.register_script(_LUA)

    @classmethod
    def from_url(cls, url: str) -> RedisBuckets:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1))

    def take(self, key: str, cost: int, spec: BucketSpec, enforce: bool) -> Outcome:
        allowed, level_text = self._script(
            keys=[self._prefix + key], args=[spec.capacity, spec.refill_per_second, cost, 1 if enforce else 0]
        )
        level = float(level_text)
        if allowed:
            return Outcome(True, math.floor(level), 0)
        wait = (cost - level) / spec.refill_per_second if spec.refill_per_second > 0 else 3600
        return Outcome(False, math.floor(level), max(1, math.ceil(wait)))


class RedisOrMemoryBuckets:
    """Redis's buckets, or this process's while Redis is unreachable (:mod:`loyaltyhub.ratelimit.shared`)."""

    def __init__(self, shared: BucketStore, local: BucketStore | None = None, **fallback: Any) -> None:
        self.shared = shared
        self.local = local or MemoryBuckets()
        self.fallback = SharedOrLocal("ratelimit", **fallback)

    def take(self, key: str, cost: int, spec: BucketSpec, enforce: bool) -> Outcome:
        return self.fallback.run(
            lambda: self.shared.take(key, cost, spec, enforce), lambda: self.local.take(key, cost, spec, enforce)
        )
