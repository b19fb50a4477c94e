"""Which bucket a request charges, and how much (reference A.2)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.errors import RateLimited
from loyaltyhub.ops.metrics import record_ratelimit_rejection
from loyaltyhub.ratelimit.buckets import (
    BucketSpec,
    BucketStore,
    MemoryBuckets,
    Outcome,
    RedisBuckets,
    RedisOrMemoryBuckets,
)
from loyaltyhub.settings import Settings

Kind = Literal["general", "reporting"]
STATE_KEY = "ratelimit"


@dataclass(frozen=True)
class Charge:
    bucket: str
    cost: int
    outcome: Outcome

    def headers(self) -> dict[str, str]:
        headers = {
            "ratelimit-bucket": self.bucket,
            "ratelimit-remaining": str(self.outcome.remaining),
            "ratelimit-cost": str(self.cost),
        }
        if not self.outcome.allowed:
            headers["Retry-After"] = str(self.outcome.retry_after)
        return headers


class RateLimiter:
    def __init__(self, settings: Settings, store: BucketStore | None = None) -> None:
        self.enabled = settings.ratelimit_enabled
        self.specs = {
            "general": BucketSpec(settings.ratelimit_general_capacity, settings.ratelimit_general_refill_per_second),
            "reporting": BucketSpec(
                settings.ratelimit_reporting_capacity, settings.ratelimit_reporting_refill_per_second
            ),
        }
        if store is None:
            store = (
                RedisOrMemoryBuckets(RedisBuckets.from_url(settings.redis_url))
                if settings.redis_url
                else MemoryBuckets()
            )
        self.store = store

    def charge(self, owner: str, kind: Kind, cost: int, *, enforce: bool) -> Charge:
        bucket = f"{owner}:{kind}"
        outcome = self.store.take(bucket, cost, self.specs[kind], enforce)
        return Charge(bucket, cost, outcome)


def bucket_owner(clubs: Sequence[LoyaltyClub], organization_context: bool) -> str:
    """``customer:<id>`` for one club; ``organization:<id>`` (or the set of clubs) otherwise."""
    if len(clubs) == 1 and not organization_context:
        return f"customer:{clubs[0].id}"
    organizations = {club.organization_id for club in clubs}
    if len(organizations) == 1 and None not in organizations:
        return f"organization:{organizations.pop()}"
    ids = "_".join(str(club.id) for club in sorted(clubs, key=lambda c: c.id))
    if len(ids) > 64:
        ids = hashlib.sha256(ids.encode()).hexdigest()[:16]
    return f"organization:customers-{ids}"


def limiter_for(app: Any) -> RateLimiter:
    limiter = getattr(app.state, "ratelimiter", None)
    if limiter is None:
        limiter = RateLimiter(app.state.settings)
        app.state.ratelimiter = limiter
    return limiter


OWNER_KEY = "ratelimit_owner"


def remember_owner(request: Any, clubs: Sequence[LoyaltyClub], organization_context: bool) -> str:
    """Note the bucket owner of this request (before an error may expire the club objects)."""
    owner = bucket_owner(clubs, organization_context)
    setattr(request.state, OWNER_KEY, owner)
    return owner


def charge_request(request: Any, kind: Kind, cost: int) -> None:
    """Charge ``cost`` tokens to the noted owner's bucket, enforced (429 when the bucket is short)."""
    limiter = limiter_for(request.app)
    if not limiter.enabled:
        return
    owner = getattr(request.state, OWNER_KEY)
    charge = limiter.charge(owner, kind, cost, enforce=True)
    setattr(request.state, STATE_KEY, charge)
    if not charge.outcome.allowed:
        record_ratelimit_rejection(kind, owner)
        raise RateLimited()
