"""Token buckets (reference A.2): memory and Redis stores behave the same."""

from __future__ import annotations

import uuid

from loyaltyhub.ratelimit.buckets import BucketSpec, MemoryBuckets, RedisBuckets, RedisOrMemoryBuckets
from tests.ratelimit.conftest import Clock

SPEC = BucketSpec(capacity=10, refill_per_second=2)


def test_memory_bucket_takes_refuses_and_refills():
    clock = Clock()
    buckets = MemoryBuckets(clock)
    assert buckets.take("a", 7, SPEC, True).remaining == 3
    refused = buckets.take("a", 5, SPEC, True)
    assert not refused.allowed
    assert refused.remaining == 3
    assert refused.retry_after == 1  # 2 tokens missing at 2 per second
    clock.now += 1
    assert buckets.take("a", 5, SPEC, True).allowed
    clock.now += 100
    assert buckets.take("a", 0, SPEC, True).remaining == 10  # never above capacity


def test_unenforced_bucket_counts_into_negative():
    buckets = MemoryBuckets(Clock())
    buckets.take("g", 9, SPEC, False)
    outcome = buckets.take("g", 4, SPEC, False)
    assert outcome.allowed
    assert outcome.remaining == -3


def test_buckets_are_independent():
    buckets = MemoryBuckets(Clock())
    buckets.take("a", 10, SPEC, True)
    assert buckets.take("b", 10, SPEC, True).allowed


def test_redis_bucket_is_shared_and_atomic(redis_client):
    prefix = f"loyaltyhub-test:{uuid.uuid4().hex}:"
    first, second = RedisBuckets(redis_client, prefix), RedisBuckets(redis_client, prefix)
    spec = BucketSpec(capacity=10, refill_per_second=0.001)
    assert first.take("a", 6, spec, True).remaining == 4
    refused = second.take("a", 6, spec, True)  # another process sees the same bucket
    assert not refused.allowed
    assert refused.retry_after >= 1
    assert second.take("a", 4, spec, True).allowed
    assert first.take("a", 3, spec, False).remaining == -3


def test_redis_bucket_under_concurrency(redis_client):
    from concurrent.futures import ThreadPoolExecutor

    prefix = f"loyaltyhub-test:{uuid.uuid4().hex}:"
    buckets = RedisBuckets(redis_client, prefix)
    spec = BucketSpec(capacity=50, refill_per_second=0.0001)
    with ThreadPoolExecutor(8) as pool:
        outcomes = list(pool.map(lambda _: buckets.take("c", 1, spec, True), range(80)))
    assert sum(o.allowed for o in outcomes) == 50


def test_limiter_uses_redis_when_configured_and_memory_otherwise(redis_client):
    from loyaltyhub.ratelimit.service import RateLimiter
    from loyaltyhub.settings import Settings

    assert isinstance(RateLimiter(Settings(env="test", redis_url=None)).store, MemoryBuckets)
    limiter = RateLimiter(Settings(env="test", redis_url="redis://127.0.0.1:6379/15"))
    assert isinstance(limiter.store, RedisOrMemoryBuckets) and isinstance(limiter.store.shared, RedisBuckets)
    charge = limiter.charge(f"customer:test-{uuid.uuid4().hex}", "reporting", 10, enforce=True)
    assert charge.outcome.allowed
    assert charge.headers()["ratelimit-remaining"] == str(limiter.specs["reporting"].capacity - 10)
