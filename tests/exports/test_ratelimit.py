"""Rate-limit charges of the worker: further rows cost the report again, in the caller's shared bucket."""

from __future__ import annotations

import random

import pytest

from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.auth.principal import Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.exports.ratelimit import worker_charger
from loyaltyhub.ratelimit.service import RateLimiter, bucket_owner
from loyaltyhub.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=0.5).ping())
    except Exception:
        return False


def test_without_shared_buckets_the_worker_charges_nothing(settings: Settings) -> None:
    assert worker_charger(settings) is None  # in-memory buckets of a worker are not the caller's
    assert worker_charger(settings.model_copy(update={"ratelimit_enabled": False, "redis_url": REDIS_URL})) is None


@pytest.mark.skipif(not _redis_answers(), reason="Redis at 127.0.0.1:6379 is not running")
def test_with_redis_the_workers_charges_reach_the_callers_reporting_bucket(settings: Settings) -> None:
    shared = settings.model_copy(update={"redis_url": REDIS_URL, "ratelimit_reporting_refill_per_second": 0.001})
    club = LoyaltyClub(id=random.randrange(10**12, 10**13), slug="x", name="x", timezone="UTC")
    access = CustomerAccess(
        principal=Principal(kind="client", id=1, name="t", grants=()),
        clubs=(club,),
        permits=frozenset(),
        organization_context=False,
    )
    charge = worker_charger(shared)
    assert charge is not None

    charge(access, 10)
    charge(access, 10)

    probe = RateLimiter(shared).charge(bucket_owner([club], False), "reporting", 0, enforce=False)
    assert probe.outcome.remaining == shared.ratelimit_reporting_capacity - 20
