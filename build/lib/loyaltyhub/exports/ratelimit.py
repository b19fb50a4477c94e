"""Rate-limit costs of exports.

The POST pays the query's cost (report cost + filter nodes), enforced exactly like the query endpoint
(429 when the reporting bucket is short); that covers the first 1,000 rows. The worker then charges
the same cost again for every further 1,000 rows written, not enforced: the bucket may go negative,
so the caller's next requests wait until it refills. Those later charges reach the caller's bucket
when the buckets live in Redis (``LOYALTYHUB_REDIS_URL``); with in-memory buckets a worker process
has its own, and only the up-front charge applies.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request

from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.ratelimit import service as ratelimit
from loyaltyhub.settings import Settings


def remember_owner(request: Request, access: CustomerAccess) -> None:
    """Note the request's bucket owner while the clubs are loaded (before an error may expire them)."""
    ratelimit.remember_owner(request, access.clubs, access.organization_context)


def charge_request(request: Request, cost: int) -> None:
    ratelimit.charge_request(request, "reporting", cost)


def worker_charger(settings: Settings) -> Callable[[CustomerAccess, int], None] | None:
    """The worker's charge for further rows: only with shared (Redis) buckets, since in-memory buckets of a
    worker are not the ones the caller's requests draw from. The limiter is built at the first charge."""
    if not settings.ratelimit_enabled or not settings.redis_url:
        return None
    limiters: list[ratelimit.RateLimiter] = []

    def charge(access: CustomerAccess, cost: int) -> None:
        if not limiters:
            limiters.append(ratelimit.RateLimiter(settings))
        owner = ratelimit.bucket_owner(access.clubs, access.organization_context)
        limiters[0].charge(owner, "reporting", cost, enforce=False)

    return charge
