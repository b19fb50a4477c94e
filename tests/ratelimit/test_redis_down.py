"""Redis is optional: when it stops answering, rate limits and the sign-in throttle count per process
(they were a 500 on every rate-limited request and every sign-in), and Redis is tried again after a pause."""

from __future__ import annotations

import socket

import pytest
import redis

from loyaltyhub.auth import permits
from loyaltyhub.ops.metrics import SHARED_STATE_FALLBACKS
from loyaltyhub.ratelimit.buckets import BucketSpec, MemoryBuckets, RedisBuckets, RedisOrMemoryBuckets
from loyaltyhub.ratelimit.logins import (
    MESSAGE,
    LoginThrottle,
    MemoryThrottle,
    RedisOrMemoryThrottle,
    RedisThrottle,
    ThrottlePolicy,
    login_throttle_for,
)
from loyaltyhub.ratelimit.service import limiter_for
from tests.members import factories as members
from tests.ratelimit.conftest import Clock

SPEC = BucketSpec(capacity=3, refill_per_second=0.0001)
POLICY = ThrottlePolicy(free_failures=2, base_delay=30.0, max_delay=60.0, forget_after=600.0)


@pytest.fixture
def dead_redis_url():
    """The URL of a port nobody listens on (bound and closed, so connections are refused at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def fallbacks(store: str) -> float:
    return SHARED_STATE_FALLBACKS.labels(store)._value.get()


def test_buckets_count_in_the_process_while_redis_is_down(dead_redis_url):
    clock = Clock()
    buckets = RedisOrMemoryBuckets(RedisBuckets.from_url(dead_redis_url), clock=clock)
    before = fallbacks("ratelimit")
    outcomes = [buckets.take("k", 1, SPEC, True) for _ in range(4)]
    assert [o.allowed for o in outcomes] == [True, True, True, False], "the limit still holds, per process"
    assert fallbacks("ratelimit") == before + 1, "one switch counted, not one per request"
    assert buckets.fallback.using_local


def test_redis_is_tried_again_after_the_pause_and_used_when_back(dead_redis_url, redis_client):
    clock = Clock()

    class Flaky:
        """Redis's buckets behind a switch: down, then back."""

        def __init__(self) -> None:
            self.down = True
            self.calls = 0
            self.redis = RedisBuckets(redis_client, prefix=f"loyaltyhub-test:{id(self)}:")

        def take(self, *args):
            self.calls += 1
            if self.down:
                raise redis.ConnectionError("refused")
            return self.redis.take(*args)

    shared = Flaky()
    buckets = RedisOrMemoryBuckets(shared, MemoryBuckets(clock), retry_after=5, clock=clock)
    assert buckets.take("k", 1, SPEC, True).remaining == 2  # counted in memory
    assert buckets.take("k", 1, SPEC, True).remaining == 1
    assert shared.calls == 1, "Redis is not asked again during the pause"
    shared.down = False
    clock.now += 5
    assert buckets.take("k", 1, SPEC, True).remaining == 2, "back in Redis (a bucket of its own)"
    assert shared.calls == 2 and not buckets.fallback.using_local
    for key in redis_client.scan_iter(f"loyaltyhub-test:{id(shared)}:*"):
        redis_client.delete(key)


def test_the_throttle_counts_in_the_process_while_redis_is_down(dead_redis_url):
    store = RedisOrMemoryThrottle(RedisThrottle.from_url(dead_redis_url), MemoryThrottle(Clock()))
    throttle = LoginThrottle(True, store, POLICY, POLICY)
    for _ in range(3):
        throttle.check("someone", None)
        throttle.failed("someone", None)
    with pytest.raises(Exception) as refused:
        throttle.check("someone", None)
    assert refused.value.extra["retry_after"] == 30


def test_requests_and_sign_ins_are_answered_while_redis_is_down(client, app, session, factory, dead_redis_url):
    settings = app.state.settings.model_copy(update={"redis_url": dead_redis_url, "login_throttle_enabled": True})
    app.state.settings = settings
    limiter = limiter_for(app)
    assert isinstance(limiter.store, RedisOrMemoryBuckets)
    throttle = login_throttle_for(app)
    assert isinstance(throttle.store, RedisOrMemoryThrottle)

    club = factory.club()
    token = factory.client_token([club])
    reporting = client.post(
        "/v1/reporting/query",
        json={"report": "members_grouped_count"},
        headers={"X-Client-Authorization": token, "X-Customer": str(club.id)},
    )
    assert reporting.status_code == 200, reporting.text
    assert reporting.headers["ratelimit-bucket"] == f"customer:{club.id}:reporting"

    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    member = members.member(session, club, password="correct horse battery")
    url = f"/v3/{club.slug}/members/oauth/token"
    login = {"grant_type": "password", "identifier_type": "msisdn", "identifier": member.msisdn}
    assert client.post(url, headers=headers, json={**login, "password": "correct horse battery"}).status_code == 200
    free = settings.login_throttle_free_failures
    statuses = [
        client.post(url, headers=headers, json={**login, "password": "wrong"}).status_code for _ in range(free + 1)
    ]
    assert statuses == [461] * (free + 1)
    refused = client.post(url, headers=headers, json={**login, "password": "correct horse battery"})
    assert (refused.status_code, refused.json()["error"]) == (429, MESSAGE), "still throttled, per process"
