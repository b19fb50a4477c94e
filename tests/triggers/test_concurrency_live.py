"""10,000 events ingested concurrently through a live server, judged by ``loyaltyhub worker`` processes
at the same time (two on PostgreSQL): with a rule granting offer A at ``limit: 1`` and one granting offer B at
``frequency`` one per day, every member ends with exactly one A and one B per Oslo day of its events.

The machine may be loaded (other suites beside this one): the test waits for the workers as long as they
make progress (a judged count that grows), not for a fixed time, and fails when they stall for
``STALL_SECONDS`` or die; the server gets 10 minutes to start and each bulk request 10 minutes to answer.
What it checks at the end is the same whatever the wait."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import func, select

from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.session import unit_of_work
from loyaltyhub.offers.models import OfferGrant
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.triggers import service as triggers
from loyaltyhub.triggers.models import TriggerExecution, TriggerQueueItem
from loyaltyhub.wiring import build_services
from tests.member_offers import live

pytestmark = pytest.mark.slow
MEMBERS = 100
PER_MEMBER = 100
STALL_SECONDS = 180
OSLO = ZoneInfo("Europe/Oslo")


@pytest.fixture
def live_url(is_postgres, tmp_path):
    if not is_postgres:
        yield live.fresh_sqlite(tmp_path)
        return
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"trig_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


def start_worker(url: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALTYHUB_DATABASE_URL": url,
        "LOYALTYHUB_ENV": "test",
        "LOYALTYHUB_JOB_INTERVALS": json.dumps({"triggerer": 0.1}),
        "LOYALTYHUB_TENANCY_AUDIT": "true",
    }
    command = [str(Path(sys.executable).parent / "loyaltyhub"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def occurred_times() -> list[str]:
    """PER_MEMBER instants over the last three Oslo days (before now), both sides of each local midnight."""
    today = datetime.now(OSLO).replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=d) for d in (3, 2, 1)]
    instants = []
    for i in range(PER_MEMBER):
        day = days[i % 3]
        instants.append((day + timedelta(minutes=1 + (i * 14) % 1430)).isoformat())
    return instants


def test_10000_events_exactly_as_the_rules_allow(live_url):
    # SQLite has one writer at a time: one judging worker and two client threads keep every wait within
    # its busy timeout on a small machine; PostgreSQL gets two server processes and two workers.
    sqlite = live_url.startswith("sqlite")
    with live.serve(live_url, workers=1 if sqlite else 2, tenancy_audit=True, timeout=600) as base:
        seeded = live.seed(
            live_url,
            slug="trig",
            members=MEMBERS,
            offers=[{}, {}],
        )
        engine = make_engine(live_url, pool_size=2)
        offer_a, offer_b = seeded.offer_ids
        with unit_of_work(engine, write=True, **{SESSION_KEY: build_services()}) as session:
            from loyaltyhub.clubs.service import club_by_slug

            club = club_by_slug(session, "trig")
            common = {
                "event_type": "app_opened",
                "name": {"value": "rule", "translations": {}},
                "minimum": 0,
                "rate": None,
                "hook_type": "grant_offer",
                "hook_delayed_by_seconds": 0,
                "data_conditions": None,
                "audience_id": None,
                "excluded_sources": [],
                "paused": False,
            }
            first = triggers.create_rule(
                session,
                club.id,
                {**common, "limit": 1, "frequency": None, "options": {"grant_offer": {"offer_id": offer_a}}},
            )
            second = triggers.create_rule(
                session,
                club.id,
                {
                    **common,
                    "limit": None,
                    "frequency": {"limit": 1, "timespan": "day"},
                    "options": {"grant_offer": {"offer_id": offer_b}},
                },
            )
            rule_ids = [first.id, second.id]
        times = occurred_times()
        events = [
            {"member_id": m, "type": "app_opened", "client_event_id": f"{m}-{i}", "occurred_at": times[i]}
            for i in range(PER_MEMBER)
            for m in seeded.member_ids
        ]
        batches = [events[i : i + 500] for i in range(0, len(events), 500)]
        workers = [start_worker(live_url) for _ in range(1 if sqlite else 2)]
        try:
            headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
            with httpx.Client(base_url=base, headers=headers, timeout=600) as client:

                def post(batch):
                    return client.post("/v3/trig/member_events/bulk", json={"events": batch}).status_code

                with ThreadPoolExecutor(2 if sqlite else 4) as pool:
                    assert set(pool.map(post, batches)) == {200}
                    # a retried batch (the same client ids) counts nothing twice
                    assert set(pool.map(post, batches[:2])) == {200}

            def judged() -> int:
                # The two rules' executions (the sign-ups of the seeded members fired the welcome offers rule).
                counted = select(func.count()).where(TriggerExecution.rule_id.in_(rule_ids))
                with engine.connect() as connection:
                    return connection.execute(counted).scalar_one()

            count, progressed = judged(), time.monotonic()
            while count < 2 * len(events) and time.monotonic() - progressed < STALL_SECONDS:
                assert all(worker.poll() is None for worker in workers), "a judging worker died"
                time.sleep(1)
                now_judged = judged()
                if now_judged > count:
                    count, progressed = now_judged, time.monotonic()
        finally:
            for worker in workers:
                worker.terminate()
            for worker in workers:
                worker.wait(timeout=30)
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(TriggerQueueItem)).scalar_one() == 0
            assert judged() == 2 * len(events)
            per_offer = dict(
                connection.execute(select(OfferGrant.offer_id, func.count()).group_by(OfferGrant.offer_id)).all()
            )
            rows = connection.execute(
                select(OfferGrant.offer_id, OfferGrant.member_id, func.count()).group_by(
                    OfferGrant.offer_id, OfferGrant.member_id
                )
            ).all()
        engine.dispose()
    a = {member: n for offer, member, n in rows if offer == offer_a}
    b = {member: n for offer, member, n in rows if offer == offer_b}
    assert a == {m: 1 for m in seeded.member_ids}
    assert b == {m: 3 for m in seeded.member_ids}
    assert per_offer == {offer_a: MEMBERS, offer_b: 3 * MEMBERS}
