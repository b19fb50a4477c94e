"""A worker killed while it delivers loses nothing: another worker sends what the dead one held once its
lease runs out, with the same ``webhook-id``; every event reaches the receiver, and no other id does.

The worker is the real ``loyaltyhub worker`` in a subprocess, on a fresh database of the suite's backend."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from loyaltyhub.clubs.service import create_club
from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.session import unit_of_work
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.webhooks import payloads
from loyaltyhub.webhooks.models import WebhookDelivery, WebhookEvent
from loyaltyhub.wiring import build_services
from tests.member_offers import live
from tests.members import factories as members
from tests.webhooks import factories
from tests.webhooks.receiver import receiver

pytestmark = pytest.mark.slow
EVENTS = 40


@pytest.fixture
def live_url(is_postgres, tmp_path):
    if not is_postgres:
        yield live.fresh_sqlite(tmp_path)
        return
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"hooks_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


def start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALTYHUB_DATABASE_URL": url,
        "LOYALTYHUB_ENV": "test",
        "LOYALTYHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "LOYALTYHUB_WEBHOOK_BACKOFF_SECONDS": "0",
        "LOYALTYHUB_WEBHOOK_TIMEOUT_SECONDS": "0.2",
        "LOYALTYHUB_WEBHOOK_LEASE_SECONDS": "1",
        "LOYALTYHUB_JOB_INTERVALS": json.dumps({"webhook_deliveries": 0.1}),
        "LOYALTYHUB_TENANCY_AUDIT": "true",
    }
    command = [str(Path(sys.executable).parent / "loyaltyhub"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_for(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_nothing_is_lost_or_duplicated_when_the_worker_is_killed(live_url):
    migrate.upgrade(live_url)
    engine = make_engine(live_url, pool_size=2)
    with receiver(delay=0.05) as hooks:
        with unit_of_work(engine, write=True, **{SESSION_KEY: build_services()}) as session:
            club = create_club(session, slug="hooks", name="Hooks", timezone="Europe/Oslo")
            session.flush()
            factories.subscription(session, club, url=hooks.url, event_types=["member.created"])
            for _ in range(EVENTS):
                members.member(session, club)
            club_id = club.id
        with engine.connect() as connection:
            expected = {
                payloads.message_id(event_id)
                for event_id in connection.execute(
                    select(WebhookEvent.id).where(WebhookEvent.loyalty_club_id == club_id)
                )
                .scalars()
                .all()
            }
        assert len(expected) == EVENTS

        first = start_worker(live_url)
        try:
            assert wait_for(lambda: len(hooks.requests) >= 5, 60), "the first worker delivered nothing"
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
        killed_at = len(hooks.requests)
        assert killed_at < EVENTS, "the worker finished before it was killed: nothing was tested"

        def all_delivered() -> bool:
            with engine.connect() as connection:
                return (
                    connection.execute(
                        select(func.count())
                        .select_from(WebhookDelivery)
                        .where(WebhookDelivery.loyalty_club_id == club_id, WebhookDelivery.status != "delivered")
                    ).scalar_one()
                    == 0
                )

        second = start_worker(live_url)
        try:
            assert wait_for(all_delivered, 90), "the second worker did not deliver everything"
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(timeout=20)
        received = Counter(hooks.ids())
    engine.dispose()
    assert set(received) == expected  # nothing lost, no id that is not an event
    resent = sum(count - 1 for count in received.values())
    assert resent <= 10  # at most the batch the dead worker held is sent twice, with the same ids
