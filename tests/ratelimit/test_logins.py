"""Issue #14, defect 5: failed sign-ins slow down exponentially per identifier and per address, with a clear 429
(member password and one-time-password grants, staff tokens, the console's sign-in)."""

from __future__ import annotations

import uuid

import pytest
import redis
from fastapi import FastAPI

from loyaltyhub.auth import permits
from loyaltyhub.auth.service import create_user
from loyaltyhub.errors import RateLimited
from loyaltyhub.ratelimit.logins import MESSAGE, LoginThrottle, MemoryThrottle, RedisThrottle, ThrottlePolicy
from tests.members import factories as members
from tests.ratelimit.conftest import Clock

POLICY = ThrottlePolicy(free_failures=3, base_delay=1.0, max_delay=60.0, forget_after=600.0)
ADDRESSES = ThrottlePolicy(free_failures=6, base_delay=1.0, max_delay=60.0, forget_after=600.0)


def test_delays_double_after_the_free_failures_up_to_the_maximum():
    assert [POLICY.delay_after(n) for n in range(1, 11)] == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60]


def test_a_key_closes_reopens_and_is_forgotten():
    clock = Clock()
    store = MemoryThrottle(clock)
    for _ in range(3):
        assert store.failed("k", POLICY) == 0
    assert store.failed("k", POLICY) == 1 and store.closed_for("k") == 1
    clock.now += 1
    assert store.closed_for("k") == 0
    assert store.failed("k", POLICY) == 2, "the next failure doubles the delay"
    clock.now += 2 + 600
    assert store.closed_for("k") == 0 and store.failed("k", POLICY) == 0, "forgotten after a quiet while"


def throttled(app: FastAPI, clock: Clock) -> LoginThrottle:
    app.state.login_throttle = LoginThrottle(True, MemoryThrottle(clock), POLICY, ADDRESSES)
    return app.state.login_throttle


def test_member_password_grant_is_throttled_per_identifier(client, app, session, factory):
    clock = Clock()
    throttled(app, clock)
    club = factory.club()
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    member = members.member(session, club, password="correct horse battery")
    url = f"/v3/{club.slug}/members/oauth/token"
    login = {"grant_type": "password", "identifier_type": "msisdn", "identifier": member.msisdn}
    statuses = [client.post(url, headers=headers, json={**login, "password": "wrong"}).status_code for _ in range(4)]
    assert statuses == [461] * 4
    refused = client.post(url, headers=headers, json={**login, "password": "correct horse battery"})
    assert refused.status_code == 429, "closed for a second: even the right password is not checked"
    assert refused.json() == {"error": MESSAGE, "retry_after": 1}
    assert refused.headers["Retry-After"] == "1"
    other = members.member(session, club, password="another one")
    assert (
        client.post(
            url, headers=headers, json={**login, "identifier": other.msisdn, "password": "another one"}
        ).status_code
        == 200
    ), "another identifier from the same address is still open"
    clock.now += 1
    assert client.post(url, headers=headers, json={**login, "password": "correct horse battery"}).status_code == 200
    assert client.post(url, headers=headers, json={**login, "password": "wrong"}).status_code == 461, (
        "a success clears the identifier's count"
    )


def test_one_member_named_in_other_ways_shares_one_count(client, app, session, factory):
    """The member's id, its number with and without ``+``/``00`` name one member: one count, not a free
    allowance per spelling (the addresses' throttle is generous: it must not be what closes here)."""
    clock = Clock()
    app.state.login_throttle = LoginThrottle(True, MemoryThrottle(clock), POLICY, ThrottlePolicy(100, 1.0, 60.0, 600.0))
    club = factory.club()
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    member = members.member(session, club, password="correct horse battery")
    url = f"/v3/{club.slug}/members/oauth/token"
    names = [
        ("msisdn", member.msisdn),
        ("msisdn", "+" + member.msisdn),
        ("msisdn", "00" + member.msisdn),
        ("id", member.id),
    ]
    statuses = [
        client.post(
            url,
            headers=headers,
            json={"grant_type": "password", "identifier_type": kind, "identifier": name, "password": "wrong"},
        ).status_code
        for kind, name in names
    ]
    assert statuses == [461] * 4
    right = {"grant_type": "password", "identifier_type": "msisdn", "password": "correct horse battery"}
    refused = client.post(url, headers=headers, json={**right, "identifier": " +" + member.msisdn})
    assert refused.status_code == 429, refused.text
    unknown = {"grant_type": "password", "identifier_type": "msisdn", "password": "x"}
    for spelling in ("4790000009", "+4790000009", "004790000009", "+47 900 00 009", " 4790000009"):  # no such member
        last = client.post(url, headers=headers, json={**unknown, "identifier": spelling})
    assert last.status_code == 429, "an unknown number is one key too, however it is written"


def test_an_address_trying_many_identifiers_is_throttled(client, app, session, factory):
    clock = Clock()
    throttled(app, clock)
    club = factory.club()
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    url = f"/v3/{club.slug}/members/oauth/token"
    statuses = [
        client.post(
            url,
            headers=headers,
            json={"grant_type": "password", "identifier_type": "id", "identifier": str(n), "password": "x"},
        ).status_code
        for n in range(1, 9)
    ]
    assert statuses == [461] * 7 + [429], "the 7th failure from one address closes it for a second"


def test_staff_token_endpoint_is_throttled(client, app, session, factory):
    clock = Clock()
    throttled(app, clock)
    club = factory.club()
    create_user(session, email="ana@example.com", password="s3cret-pass", role="analyst", club_slugs=[club.slug])
    login = {"grant_type": "password", "email": "Ana@Example.com"}
    wrong = [client.post("/v1/users/oauth/token", json={**login, "password": "nope"}).status_code for _ in range(4)]
    assert wrong == [401] * 4
    refused = client.post("/v1/users/oauth/token", json={**login, "password": "s3cret-pass"})
    assert (refused.status_code, refused.json()["error"], refused.headers["Retry-After"]) == (429, MESSAGE, "1")
    clock.now += 1
    assert client.post("/v1/users/oauth/token", json={**login, "password": "s3cret-pass"}).status_code == 200


def test_the_throttle_can_be_switched_off():
    throttle = LoginThrottle(False, MemoryThrottle(Clock()), POLICY, ADDRESSES)
    for _ in range(10):
        throttle.failed("id", "127.0.0.1")
    throttle.check("id", "127.0.0.1")


def test_redis_throttle_is_shared_and_doubles():
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("Redis not reachable")
    prefix = f"loyaltyhub:test:{uuid.uuid4().hex}:"
    one, two = RedisThrottle(client, prefix), RedisThrottle(client, prefix)  # two server processes
    policy = ThrottlePolicy(free_failures=1, base_delay=30.0, max_delay=300.0, forget_after=60.0)
    try:
        assert one.failed("k", policy) == 0 and two.closed_for("k") == 0
        assert two.failed("k", policy) == 30
        assert 29 < one.closed_for("k") <= 30
        assert one.failed("k", policy) == 60
        one.failed("id:someone", policy)
        one.failed("id:someone", policy)  # in one process...
        throttle = LoginThrottle(True, two, policy, policy)
        with pytest.raises(RateLimited) as refused:
            throttle.check("someone", None)  # ...closed in the other
        assert refused.value.extra["retry_after"] == 30
        one.succeeded("id:someone")
        throttle.check("someone", None)
        assert client.ttl(prefix + "k") > 60, "kept for its delay and the quiet while"
    finally:
        for key in client.scan_iter(prefix + "*"):
            client.delete(key)
