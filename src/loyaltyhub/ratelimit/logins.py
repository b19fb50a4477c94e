"""Sign-in throttling (issue #14, defect 5): failed sign-ins slow down exponentially, per identifier and per
client address.

Every sign-in that checks a secret (the member token endpoint's password and one-time-password grants, the
staff token endpoint, the staff console's sign-in) first asks :meth:`LoginThrottle.check` for each of its keys
(the identifier it names, and the client's address) and then reports the outcome. A key's first
``free_failures`` failures cost nothing; each further one closes the key for ``base_delay × 2^(k-1)`` seconds
(k = failures past the free ones), at most ``max_delay``. While a key is closed, sign-ins naming it are
answered ``429 {"error": "Too many failed sign-in attempts", "retry_after": s}`` with ``Retry-After`` without
checking the secret (so a correct guess during the delay is worth nothing). A success clears its identifier's
count (not its address's: one account of the attacker's own must not reopen an address). Counts are forgotten
``forget_after`` seconds after a key's last failure.

The state lives where the rate-limit buckets live (:mod:`loyaltyhub.ratelimit.buckets`): in the process, or
in Redis (one Lua script per step) shared by every server process.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from loyaltyhub.errors import RateLimited
from loyaltyhub.ops.metrics import record_ratelimit_rejection
from loyaltyhub.ratelimit.shared import SharedOrLocal

MESSAGE = "Too many failed sign-in attempts"


@dataclass(frozen=True)
class ThrottlePolicy:
    free_failures: int
    base_delay: float
    max_delay: float
    forget_after: float

    def delay_after(self, failures: int) -> float:
        """Seconds a key stays closed after its ``failures``-th failure."""
        past = failures - self.free_failures
        if past <= 0:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** min(past - 1, 40))


class ThrottleStore(Protocol):
    def closed_for(self, key: str) -> float:
        """Seconds ``key`` stays closed (0: open)."""
        ...

    def failed(self, key: str, policy: ThrottlePolicy) -> float:
        """Count a failure of ``key``; the seconds it is now closed for."""
        ...

    def succeeded(self, key: str) -> None: ...


class MemoryThrottle:
    """Per-process state; fine for one server process and for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._state: dict[str, tuple[int, float, float]] = {}  # failures, closed until, forget at

    def closed_for(self, key: str) -> float:
        with self._lock:
            now = self._clock()
            _, until, forget = self._state.get(key, (0, 0.0, math.inf))
            if now >= forget:
                self._state.pop(key, None)
                return 0.0
            return max(0.0, until - now)

    def failed(self, key: str, policy: ThrottlePolicy) -> float:
        with self._lock:
            now = self._clock()
            failures, _, forget = self._state.get(key, (0, 0.0, math.inf))
            if now >= forget:
                failures = 0
            failures += 1
            delay = policy.delay_after(failures)
            self._state[key] = (failures, now + delay, now + delay + policy.forget_after)
            if len(self._state) > 100_000:  # an address sweep must not grow the process without bound
                self._state = {k: v for k, v in self._state.items() if v[2] > now}
            return delay

    def succeeded(self, key: str) -> None:
        with self._lock:
            self._state.pop(key, None)


_FAILED_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local failures = redis.call('HINCRBY', KEYS[1], 'n', 1)
local past = failures - tonumber(ARGV[1])
local delay = 0
if past > 0 then delay = math.min(tonumber(ARGV[3]), tonumber(ARGV[2]) * 2 ^ math.min(past - 1, 40)) end
redis.call('HSET', KEYS[1], 'until', tostring(now + delay))
redis.call('EXPIRE', KEYS[1], math.ceil(delay + tonumber(ARGV[4])))
return tostring(delay)
"""
_CLOSED_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local until_ = tonumber(redis.call('HGET', KEYS[1], 'until'))
if until_ == nil then return '0' end
return tostring(math.max(0, until_ - now))
"""


class RedisThrottle:
    def __init__(self, client: Any, prefix: str = "loyaltyhub:logins:") -> None:
        self._client = client
        self._prefix = prefix
        self._failed = client.register_script(_FAILED_LUA)
        self._closed = client.register_script(_CLOSED_LUA)

    @classmethod
    def from_url(cls, url: str) -> RedisThrottle:
        import redis

        return cls(redis.Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1))

    def closed_for(self, key: str) -> float:
        return float(self._closed(keys=[self._prefix + key]))

    def failed(self, key: str, policy: ThrottlePolicy) -> float:
        args = [policy.free_failures, policy.base_delay, policy.max_delay, policy.forget_after]
        return float(self._failed(keys=[self._prefix + key], args=args))

    def succeeded(self, key: str) -> None:
        self._client.delete(self._prefix + key)


class RedisOrMemoryThrottle:
    """Redis's counts, or this process's while Redis is unreachable (:mod:`loyaltyhub.ratelimit.shared`)."""

    def __init__(self, shared: ThrottleStore, local: ThrottleStore | None = None, **fallback: Any) -> None:
        self.shared = shared
        self.local = local or MemoryThrottle()
        self.fallback = SharedOrLocal("logins", **fallback)

    def closed_for(self, key: str) -> float:
        return self.fallback.run(lambda: self.shared.closed_for(key), lambda: self.local.closed_for(key))

    def failed(self, key: str, policy: ThrottlePolicy) -> float:
        return self.fallback.run(lambda: self.shared.failed(key, policy), lambda: self.local.failed(key, policy))

    def succeeded(self, key: str) -> None:
        self.fallback.run(lambda: self.shared.succeeded(key), lambda: self.local.succeeded(key))


@dataclass
class LoginThrottle:
    enabled: bool
    store: ThrottleStore
    identifiers: ThrottlePolicy
    addresses: ThrottlePolicy

    def check(self, identifier: str, address: str | None) -> None:
        """Refuse (429) a sign-in whose identifier or address is closed."""
        if not self.enabled:
            return
        wait = max(self.store.closed_for(key) for key in self._keys(identifier, address))
        if wait > 0:
            record_ratelimit_rejection("login", "")
            raise RateLimited(MESSAGE, retry_after=max(1, math.ceil(wait)))

    def failed(self, identifier: str, address: str | None) -> None:
        if not self.enabled:
            return
        self.store.failed(f"id:{identifier}", self.identifiers)
        if address:
            self.store.failed(f"addr:{address}", self.addresses)

    def succeeded(self, identifier: str) -> None:
        if self.enabled:
            self.store.succeeded(f"id:{identifier}")

    @staticmethod
    def _keys(identifier: str, address: str | None) -> Sequence[str]:
        return [f"id:{identifier}", *([f"addr:{address}"] if address else [])]


def login_throttle_for(app: Any) -> LoginThrottle:
    """The app's throttle, made on first use from its settings."""
    throttle: LoginThrottle | None = getattr(app.state, "login_throttle", None)
    if throttle is None:
        settings = app.state.settings
        store: ThrottleStore = MemoryThrottle()
        if settings.redis_url:
            store = RedisOrMemoryThrottle(RedisThrottle.from_url(settings.redis_url))
        throttle = LoginThrottle(
            enabled=settings.login_throttle_enabled,
            store=store,
            identifiers=ThrottlePolicy(
                settings.login_throttle_free_failures, settings.login_throttle_base_delay_seconds,
                settings.login_throttle_max_delay_seconds, settings.login_throttle_forget_after_seconds,
            ),
            addresses=ThrottlePolicy(
                settings.login_throttle_address_free_failures, settings.login_throttle_base_delay_seconds,
                settings.login_throttle_max_delay_seconds, settings.login_throttle_forget_after_seconds,
            ),
        )  # fmt: skip
        app.state.login_throttle = throttle
    return throttle


def client_address(request: Any) -> str | None:
    client = getattr(request, "client", None)
    return client.host if client is not None else None


def staff_identifier(email: str | None) -> str:
    """The throttle's key for a staff user's sign-in (the token endpoint and the console share it)."""
    return "staff:" + (email or "").strip().lower()


def member_identifier(club_id: int, identifier_type: str, identifier: str) -> str:
    return f"member:{club_id}:{identifier_type}:{identifier.strip().lower()}"
