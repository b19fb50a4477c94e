"""A short-lived in-process cache of verified client tokens.

Every Public and Reporting API request carries a client token; looking it up costs two queries and a
hash. A verified token's principal is kept for ``ttl`` seconds (``LOYALTYHUB_CLIENT_TOKEN_CACHE_SECONDS``,
0 switches the cache off), keyed by the token's public id and holding the SHA-256 of its secret, which a
later request's secret must match (in constant time) to use the entry. Only successful lookups are kept:
a wrong, unknown or revoked token always goes to the database.

:func:`forget` drops a token from every cache of this process (call it when revoking or changing a
token); other processes see the change when their entry expires, at most ``ttl`` seconds later.
"""

from __future__ import annotations

import hmac
import threading
import time
import weakref
from collections.abc import Callable

from loyaltyhub.auth import secrets
from loyaltyhub.auth.principal import Principal

MAX_ENTRIES = 10_000

_caches: weakref.WeakSet[ClientTokenCache] = weakref.WeakSet()


class ClientTokenCache:
    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[str, Principal, float]] = {}
        _caches.add(self)

    def get(self, public_id: str, secret: str) -> Principal | None:
        if self.ttl <= 0:
            return None
        entry = self._entries.get(public_id)
        if entry is None:
            return None
        secret_hash, principal, expires = entry
        if self._clock() >= expires:
            with self._lock:
                if self._entries.get(public_id) is entry:
                    del self._entries[public_id]
            return None
        if not hmac.compare_digest(secrets.hash_secret(secret), secret_hash):
            return None
        return principal

    def put(self, public_id: str, secret: str, principal: Principal) -> None:
        if self.ttl <= 0:
            return
        with self._lock:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[public_id] = (secrets.hash_secret(secret), principal, self._clock() + self.ttl)

    def forget(self, public_id: str) -> None:
        with self._lock:
            self._entries.pop(public_id, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def forget(public_id: str) -> None:
    """Drop the token with this public id from every client-token cache of this process."""
    for cache in list(_caches):
        cache.forget(public_id)
