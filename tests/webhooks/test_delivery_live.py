"""Deliveries to a real HTTP receiver on 127.0.0.1: signed per Standard Webhooks (verified with the
``standardwebhooks`` package), retried with the same ``webhook-id`` on 5xx, dropped on 4xx, expired after
the retry window; a subscription failing for the whole window is disabled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from loyaltyhub.db.base import utcnow
from loyaltyhub.members.service import destroy_member, update_member
from loyaltyhub.webhooks import delivery
from loyaltyhub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from tests.members import factories as members
from tests.webhooks import factories
from tests.webhooks.receiver import receiver


@pytest.fixture
def club(factory):
    return factory.club()


def statuses(session, subscription) -> list[str]:
    return list(
        session.execute(
            select(WebhookDelivery.status)
            .where(WebhookDelivery.subscription_id == subscription.id)
            .order_by(WebhookDelivery.id)
        ).scalars()
    )


def test_every_change_arrives_signed(session, sessions, settings, club):
    with receiver() as hooks:
        sub = factories.subscription(session, club, url=hooks.url)
        member = members.member(session, club, properties={"first_name": "Kari"})
        update_member(session, club, member, {"properties": {"first_name": "Kari Anne"}})
        destroy_member(session, member)
        session.flush()
        assert delivery.drain(sessions.write, settings) == 3
        assert [r.json["type"] for r in hooks.requests] == ["member.created", "member.updated", "member.deleted"]
        verifier = Webhook(sub.secret)
        for request in hooks.requests:
            verified = verifier.verify(request.body, request.headers)
            assert verified["id"] == request.webhook_id
            assert request.headers["x-secret-token"] == sub.secret_token
            assert verified["loyalty_club"] == {"id": club.id, "slug": club.slug}
        assert hooks.requests[1].json["data"]["properties"]["first_name"] == "Kari Anne"
        with pytest.raises(WebhookVerificationError):
            Webhook(factories.subscription(session, club, url=hooks.url).secret).verify(
                hooks.requests[0].body, hooks.requests[0].headers
            )
    assert statuses(session, sub) == ["delivered"] * 3
    log = session.execute(select(WebhookAttempt).order_by(WebhookAttempt.id)).scalars().all()
    mine = [a for a in log if a.loyalty_club_id == club.id]
    assert [a.response_status for a in mine] == [200, 200, 200]
    assert all(a.duration_ms >= 0 and "webhook-signature" in a.request_headers for a in mine)
    assert all("x-secret-token" not in a.request_headers for a in mine)  # the secret is not logged


def test_a_5xx_is_retried_later_with_the_same_webhook_id(session, sessions, settings, club):
    with receiver(statuses=[500, 503, 200]) as hooks:
        sub = factories.subscription(session, club, url=hooks.url)
        members.member(session, club)
        session.flush()
        assert delivery.run_once(sessions.write, settings) == 1
        (row,) = session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)).scalars()
        session.refresh(row)
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
        delivery.run_once(sessions.write, settings)
        delivery.run_once(sessions.write, settings)
        assert delivery.run_once(sessions.write, settings) == 0
        ids = hooks.ids()
        assert len(ids) == 3 and len(set(ids)) == 1
        timestamps = [int(r.headers["webhook-timestamp"]) for r in hooks.requests]
        assert timestamps == sorted(timestamps)
        for request in hooks.requests:  # each attempt is signed anew, with its own timestamp
            Webhook(sub.secret).verify(request.body, request.headers)
    assert statuses(session, sub) == ["delivered"]
    session.refresh(sub)
    assert sub.failing_since is None


def test_the_backoff_waits_before_the_next_attempt(session, sessions, settings, club):
    slow = settings.model_copy(update={"webhook_backoff_seconds": 30.0})
    with receiver(statuses=[500]) as hooks:
        factories.subscription(session, club, url=hooks.url)
        members.member(session, club)
        session.flush()
        delivery.run_once(sessions.write, slow)
        assert delivery.run_once(sessions.write, slow) == 0  # not due for 30 s
        assert len(hooks.requests) == 1
    assert delivery.backoff(1, 30) == timedelta(seconds=30)
    assert delivery.backoff(2, 30) == timedelta(seconds=120)
    assert delivery.backoff(20, 30) == timedelta(hours=12)


def test_a_4xx_is_dropped(session, sessions, settings, club):
    with receiver(statuses=[410]) as hooks:
        sub = factories.subscription(session, club, url=hooks.url)
        members.member(session, club)
        session.flush()
        delivery.run_once(sessions.write, settings)
        assert delivery.run_once(sessions.write, settings) == 0
        assert len(hooks.requests) == 1
    assert statuses(session, sub) == ["dropped"]


def test_an_unreachable_receiver_is_retried(session, sessions, settings, club):
    with receiver() as hooks:
        closed = hooks.url
    sub = factories.subscription(session, club, url=closed)
    members.member(session, club)
    session.flush()
    delivery.run_once(sessions.write, settings)
    (row,) = session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)).scalars()
    session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and row.last_error.startswith("ConnectError")


def test_a_private_target_is_refused_at_delivery(session, sessions, settings, club):
    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    with receiver() as hooks:
        sub = factories.subscription(session, club, url=hooks.url)
        members.member(session, club)
        session.flush()
        delivery.run_once(sessions.write, strict)
        assert hooks.requests == []
    (row,) = session.execute(select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)).scalars()
    session.refresh(row)
    assert row.last_error.startswith("Target refused")


def test_after_the_window_a_delivery_expires_and_the_subscription_is_disabled(session, sessions, settings, club):
    with receiver(statuses=[500]) as hooks:
        sub = factories.subscription(session, club, url=hooks.url)
        members.member(session, club)
        members.member(session, club)
        session.flush()
        long_ago = utcnow() - timedelta(days=21)
        session.execute(
            update(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id).values(created_at=long_ago)
        )
        session.execute(
            update(WebhookSubscription).where(WebhookSubscription.id == sub.id).values(failing_since=long_ago)
        )
        session.flush()
        sent = delivery.run_once(sessions.write, settings)
        assert sent == 2
    session.refresh(sub)
    assert sub.active is False and sub.disabled_reason == "Every delivery failed for 20 days"
    # the first failure disables the subscription and cancels the rest (the second is then no longer ours)
    assert statuses(session, sub) == ["expired", "cancelled"]


def test_members_v2_delivery(session, sessions, settings, club):
    with receiver() as hooks:
        sub = factories.subscription(
            session, club, url=hooks.url, payload_version="members_v2", event_types=["member.created"]
        )
        member = members.member(session, club, properties={"first_name": "Ola"})
        session.flush()
        delivery.drain(sessions.write, settings)
        (request,) = hooks.requests
    assert request.headers["x-secret-token"] == sub.secret_token
    Webhook(sub.secret).verify(request.body, request.headers)
    (item,) = request.json["events"]
    assert request.json["version"] == 2
    assert item["event"]["type"] == "import" and item["member"]["id"] == member.id
    assert item["member_changes"]["properties"]["first_name"] == {"change": "+", "was": None, "is": "Ola"}


def test_a_slow_receiver_does_not_hold_back_another_and_each_gets_its_events_in_order(
    session, sessions, settings, club
):
    import threading
    import time

    with receiver(delay=1.2) as slow, receiver() as fast:  # below the tests' 2 s timeout
        slow_sub = factories.subscription(session, club, url=slow.url)
        fast_sub = factories.subscription(session, club, url=fast.url)
        member = members.member(session, club, properties={"first_name": "Kari"})
        update_member(session, club, member, {"properties": {"first_name": "Kari Anne"}})
        destroy_member(session, member)
        session.flush()
        batch = threading.Thread(target=delivery.run_once, args=(sessions.write, settings))
        batch.start()
        deadline = time.monotonic() + 3.0
        while len(fast.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        # Sent one after another across subscriptions, the fast receiver's third event would wait for two
        # of the slow receiver's answers (2.4 s).
        assert len(fast.requests) == 3 and len(slow.requests) <= 1
        batch.join(timeout=30)
        in_order = ["member.created", "member.updated", "member.deleted"]
        assert [r.json["type"] for r in fast.requests] == in_order
        assert [r.json["type"] for r in slow.requests] == in_order
    assert statuses(session, slow_sub) == statuses(session, fast_sub) == ["delivered"] * 3
    attempts = session.execute(select(WebhookAttempt.response_status).where(WebhookAttempt.loyalty_club_id == club.id))
    assert sorted(attempts.scalars()) == [200] * 6
