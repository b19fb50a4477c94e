"""``python -m bench.events``: bulk ingestion of member events through HTTP against a bare bulk INSERT of
the same rows, with 20 active Triggerer rules, in the same run; and the lag from ingestion to a rule's
action and from the action to its webhook delivery (p50/p99).

1. A fresh database served by uvicorn (2 processes on PostgreSQL), a club with members, 20 active rules
   (one granting an offer once per member and day, one sending a webhook, the others on other types) and
   a webhook subscription to a receiver on 127.0.0.1; a ``loyaltyhub worker`` judges and delivers.
2. ``HTTP``: the events in bulk requests of 1,000 from 4 client threads (validation, deduplication, the
   Triggerer's queue rows: everything ingestion does).
3. ``bare INSERT``: the same rows inserted into ``member_events`` with SQLAlchemy Core ``executemany`` in
   batches of 1,000 (another club, so the client ids do not collide), nothing else.
4. Lags from the stored timestamps: ``executed_at - received_at`` of the fired executions (only those fired
   within the wait: compare ``fired`` with ``expected_fired``), the pairs judged and their rate (from the
   first event's arrival to the last execution), and the first
   delivery attempt of each ``trigger_rule.fired`` webhook event after its creation (``--lag-timeout``:
   how long to wait for every expected action; ``fired`` against ``expected_fired`` says if all came).

``--judge both`` runs it twice, each in a fresh database, with the worker judging the Triggerer's pairs one
at a time in batches of 50 per transaction (``pairwise``, as before batching) and then in batches of 1,000
with one statement per kind (``batched``, the default; 200 on SQLite): the lags before and after, in the
same run.

``--smoke``: 2,000 events, checks that both paths store every row and that rules fired and were delivered.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from tests.member_offers import live
from tests.webhooks.receiver import receiver

from bench._smoke import agree, check, scratch_database
from loyaltyhub.clubs.service import create_club
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.session import unit_of_work
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.services import SESSION_KEY
from loyaltyhub.triggers import service as triggers
from loyaltyhub.triggers.models import TriggerExecution
from loyaltyhub.webhooks import service as webhooks
from loyaltyhub.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from loyaltyhub.wiring import build_services

OTHER_TYPES = ("coupon_used", "link_clicked", "email_opened", "push_opened", "wifi_approached", "consent_granted")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


JUDGES = {"pairwise": 50, "batched": 1000}
"""How the worker judges the Triggerer's pairs, and how many per transaction."""


def start_worker(url: str, judge: str = "batched") -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALTYHUB_TRIGGERER_JUDGE": judge,
        "LOYALTYHUB_TRIGGERER_BATCH_SIZE": str(JUDGES[judge]),
        "LOYALTYHUB_DATABASE_URL": url,
        "LOYALTYHUB_ENV": "test",
        "LOYALTYHUB_WEBHOOK_ALLOW_PRIVATE_TARGETS": "true",
        "LOYALTYHUB_JOB_INTERVALS": json.dumps({"triggerer": 0.05, "webhook_deliveries": 0.05}),
    }
    command = [str(Path(sys.executable).parent / "loyaltyhub"), "worker"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def seed(url: str, members: int, hook_url: str) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    seeded = live.seed(url, slug="bench", members=members, offers=[{}])
    with unit_of_work(engine, write=True, **{SESSION_KEY: build_services()}) as session:
        from loyaltyhub.clubs.service import club_by_slug

        club = club_by_slug(session, "bench")
        common: dict[str, Any] = {
            "name": {"value": "bench", "translations": {}},
            "frequency": None,
            "limit": None,
            "minimum": 0,
            "rate": None,
            "hook_delayed_by_seconds": 0,
            "data_conditions": None,
            "audience_id": None,
            "excluded_sources": [],
            "paused": False,
        }
        offer = {"grant_offer": {"offer_id": seeded.offer_ids[0]}}
        rules = [
            {
                **common,
                "event_type": "app_opened",
                "hook_type": "grant_offer",
                "options": offer,
                "frequency": {"limit": 1, "timespan": "day"},
            },
            {**common, "event_type": "app_opened", "hook_type": "webhook", "options": {}, "rate": 10},
        ]
        for i in range(18):
            rules.append(
                {
                    **common,
                    "event_type": OTHER_TYPES[i % len(OTHER_TYPES)],
                    "hook_type": "webhook",
                    "options": {},
                    "limit": 1,
                }
            )
        for rule in rules:
            triggers.create_rule(session, club.id, rule)
        webhooks.create_subscription(
            session,
            club.id,
            {
                "url": hook_url,
                "event_types": ["trigger_rule.fired"],
                "payload_version": "standard",
                "description": None,
                "active": True,
            },
            allow_private=True,
        )
        other = create_club(session, slug="bench-bare", name="bare", timezone="Europe/Oslo")
        session.flush()
        other_id = other.id
    engine.dispose()
    return {"seeded": seeded, "bare_club": other_id}


def events_for(member_ids: list[int], count: int) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "member_id": member_ids[i % len(member_ids)],
            "type": "app_opened",
            "client_event_id": uuid.uuid4().hex,
            "occurred_at": (now - timedelta(seconds=i % 3600)).isoformat(),
            "data": {"platform": "ios"},
        }
        for i in range(count)
    ]


def via_http(base: str, token: str, events: list[dict[str, Any]]) -> float:
    headers = {"X-Client-Authorization": token, **live.PUBLIC_HEADERS}
    batches = [events[i : i + 1000] for i in range(0, len(events), 1000)]
    with httpx.Client(base_url=base, headers=headers, timeout=300) as client:

        def post(batch: list[dict[str, Any]]) -> int:
            return client.post("/v3/bench/member_events/bulk", json={"events": batch}).status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(4) as pool:
            statuses = set(pool.map(post, batches))
        elapsed = time.perf_counter() - started
    check("every bulk request answered 200", statuses == {200}, statuses)
    return len(events) / elapsed


def bare_insert(url: str, club_id: int, member_ids_of_club: list[int], events: list[dict[str, Any]]) -> float:
    engine = make_engine(url, pool_size=1)
    now = datetime.now(UTC)
    rows = [
        {
            "loyalty_club_id": club_id,
            "member_id": member_ids_of_club[i % len(member_ids_of_club)],
            "type": e["type"],
            "client_event_id": e["client_event_id"],
            "source": "live-test",
            "occurred_at": datetime.fromisoformat(e["occurred_at"]),
            "received_at": now,
            "data": e["data"],
        }
        for i, e in enumerate(events)
    ]
    started = time.perf_counter()
    with engine.begin() as connection:
        for i in range(0, len(rows), 1000):
            connection.execute(insert(MemberEvent), rows[i : i + 1000])
    elapsed = time.perf_counter() - started
    engine.dispose()
    return len(rows) / elapsed


def bare_members(url: str, club_id: int, count: int) -> list[int]:
    from loyaltyhub.members.models import Member

    engine = make_engine(url, pool_size=1)
    with engine.begin() as connection:
        ids = list(
            connection.execute(
                insert(Member).returning(Member.id),
                [{"loyalty_club_id": club_id, "properties": {}, "consents": {}} for _ in range(count)],
            ).scalars()
        )
    engine.dispose()
    return ids


def lags(url: str, expected_fired: int, timeout: float, *, all_delivered: bool) -> dict[str, Any]:
    engine = make_engine(url, pool_size=1)
    deadline = time.monotonic() + timeout
    with engine.connect() as connection:
        while time.monotonic() < deadline:
            fired = connection.execute(
                select(func.count()).select_from(TriggerExecution).where(TriggerExecution.status == "fired")
            ).scalar_one()
            pending = connection.execute(
                select(func.count()).select_from(WebhookDelivery).where(WebhookDelivery.status == "pending")
            ).scalar_one()
            attempts = connection.execute(select(func.count()).select_from(WebhookAttempt)).scalar_one()
            if fired >= expected_fired and (pending == 0 if all_delivered else attempts > 0):
                break
            time.sleep(0.5)
            connection.rollback()
        action = [
            (executed - received).total_seconds()
            for executed, received in connection.execute(
                select(TriggerExecution.executed_at, MemberEvent.received_at)
                .join(MemberEvent, MemberEvent.id == TriggerExecution.event_id)
                .where(TriggerExecution.status == "fired")
            ).all()
        ]
        judged, first_in, last_out = connection.execute(
            select(func.count(), func.min(MemberEvent.received_at), func.max(TriggerExecution.executed_at))
            .select_from(TriggerExecution)
            .join(MemberEvent, MemberEvent.id == TriggerExecution.event_id)
            .where(MemberEvent.type == "app_opened")
        ).one()
        delivery = [
            (attempted - created).total_seconds()
            for attempted, created in connection.execute(
                select(func.min(WebhookAttempt.attempted_at), WebhookEvent.created_at)
                .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
                .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                .group_by(WebhookEvent.id, WebhookEvent.created_at)
            ).all()
        ]
    engine.dispose()
    span = (last_out - first_in).total_seconds() if judged else 0.0
    return {
        "judged_pairs": judged,
        "judged_pairs_per_s": round(judged / span, 1) if span > 0 else None,
        "fired": len(action),
        "delivered": len(delivery),
        "action_p50_ms": round(percentile(action, 50) * 1000, 1),
        "action_p99_ms": round(percentile(action, 99) * 1000, 1),
        "webhook_p50_ms": round(percentile(delivery, 50) * 1000, 1),
        "webhook_p99_ms": round(percentile(delivery, 99) * 1000, 1),
    }


def run(
    url: str, *, events: int, members: int, smoke: bool, lag_timeout: float = 900, judge: str = "batched"
) -> dict[str, Any]:
    with receiver() as hooks, live.serve(url, workers=1 if url.startswith("sqlite") else 2, timeout=120) as base:
        setup = seed(url, members, hooks.url)
        seeded = setup["seeded"]
        rows = events_for(seeded.member_ids, events)
        bare_ids = bare_members(url, setup["bare_club"], members)
        worker = start_worker(url, judge)
        try:
            http_rate = via_http(base, seeded.token, rows)
            bare_rate = bare_insert(url, setup["bare_club"], bare_ids, rows)
            # fired: one grant per member (one day) + every 10th event of each member for the webhook rule
            per_member = events // members
            expected = members + members * (per_member // 10)
            # the smoke run waits for the first action of every member and one delivery, not for all
            result = lags(
                url, members if smoke else expected, timeout=60 if smoke else lag_timeout, all_delivered=not smoke
            )
            result["expected_fired"] = expected
        finally:
            worker.terminate()
            worker.wait(timeout=30)
        engine = make_engine(url, pool_size=1)
        with engine.connect() as connection:
            stored = dict(
                connection.execute(
                    select(MemberEvent.loyalty_club_id, func.count())
                    .where(MemberEvent.type == "app_opened")
                    .group_by(MemberEvent.loyalty_club_id)
                ).all()
            )
        engine.dispose()
        received = len(hooks.requests)
    result.update(
        judge=judge,
        events=events,
        http_events_per_s=round(http_rate),
        bare_events_per_s=round(bare_rate),
        ratio=round(http_rate / bare_rate, 3),
        stored=sorted(stored.values()),
        webhooks_received=received,
    )
    if smoke:
        agree(
            "events stored by HTTP and by the bare INSERT",
            http=sorted(stored.values())[0],
            bare=events,
            bare_stored=sorted(stored.values())[-1],
        )
        check("the rules fired", result["fired"] >= members, result)
        check("the webhooks arrived", received >= 1 and result["delivered"] >= 1, result)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--database-url", help="PostgreSQL (or sqlite) database the bench databases are named after")
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--lag-timeout", type=float, default=900, help="seconds to wait for every action")
    parser.add_argument(
        "--judge", choices=[*JUDGES, "both"], default="batched", help="how the worker judges (both: compare)"
    )
    args = parser.parse_args()
    events, members = (1000, 20) if args.smoke else (args.events, args.members)
    results = {}
    for judge in JUDGES if args.judge == "both" else [args.judge]:
        with scratch_database(args.database_url, f"events_{uuid.uuid4().hex[:6]}") as url:
            results[judge] = run(
                url, events=events, members=members, smoke=args.smoke, lag_timeout=args.lag_timeout, judge=judge
            )
    print(json.dumps(results if args.judge == "both" else results[args.judge], indent=2))


if __name__ == "__main__":
    main()
