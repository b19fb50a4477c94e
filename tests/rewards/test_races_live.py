"""Points and stock hold under real concurrency: a uvicorn server in a subprocess (two workers on
PostgreSQL) on its own fresh database, requests fired in parallel from a thread pool."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.engine import make_engine
from loyaltyhub.rewards.models import PointsTransaction, ReceiptSubmission, Reward, RewardPurchase, RewardsAccount
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.rewards.receipts import service as receipts
from loyaltyhub.stores.models import Store
from loyaltyhub.wiring import unit_of_work
from tests.member_offers import live

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_url(is_postgres, tmp_path_factory):
    if not is_postgres:
        yield live.fresh_sqlite(tmp_path_factory.mktemp("rewards-live"))
        return
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"rwlive_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


@pytest.fixture(scope="module")
def server(live_url):
    workers = 1 if live_url.startswith("sqlite") else 2
    with live.serve(live_url, workers=workers, tenancy_audit=True, timeout=180) as base:
        yield base


def seed(live_url: str, slug: str, members: int, points: int, reward: dict | None = None) -> tuple[live.Seeded, int]:
    """A club with a program, ``members`` participants holding ``points`` each, and one reward."""
    seeded = live.seed(live_url, slug=slug, members=members, offers=[])
    engine = make_engine(live_url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        club = club_by_slug(session, slug)
        assert club is not None
        program = program_service.save_program(session, club.id, {"enabled": True})
        policy = program_service.policy_of(club, program)
        now = utcnow()
        for member_id in seeded.member_ids:
            account = program_service.join(session, club.id, member_id, now)
            if points:
                ledger.earn(session, account, type="grant", points=points, now=now, policy=policy)
        row = Reward(loyalty_club_id=club.id, name="Race", price=10, files=[], purchased_count=0, **(reward or {}))
        session.add(row)
        session.flush()
        reward_id = row.id
    engine.dispose()
    return seeded, reward_id


def fire(base: str, seeded: live.Seeded, calls: list[tuple[str, str, object]], threads: int = 32) -> Counter:
    """Each (method, path, json) in parallel; Counter of (status, error message or feedback status)."""
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    limits = httpx.Limits(max_connections=threads)
    with httpx.Client(base_url=base, headers=headers, timeout=120, limits=limits) as client:

        def one(call: tuple[str, str, object]) -> tuple[int, str | None]:
            method, path, body = call
            response = client.request(method, f"/v3/{seeded.slug}{path}", json=body)
            data = response.json()
            if isinstance(data, list):
                return response.status_code, data[0]["status"]
            return response.status_code, data.get("error")

        with ThreadPoolExecutor(threads) as pool:
            return Counter(pool.map(one, calls))


def facts(live_url: str, reward_id: int, member_ids: list[int]) -> dict[str, object]:
    engine = make_engine(live_url, pool_size=1)
    with engine.connect() as connection:
        balances = connection.execute(
            select(func.sum(RewardsAccount.balance)).where(RewardsAccount.member_id.in_(member_ids))
        ).scalar_one()
        ledger_sum = connection.execute(
            select(func.sum(PointsTransaction.amount)).where(PointsTransaction.member_id.in_(member_ids))
        ).scalar_one()
        lots_left = connection.execute(
            select(func.sum(PointsTransaction.remaining)).where(PointsTransaction.member_id.in_(member_ids))
        ).scalar_one()
        sold = connection.execute(select(Reward.purchased_count).where(Reward.id == reward_id)).scalar_one()
        purchases = connection.execute(
            select(func.count()).select_from(RewardPurchase).where(RewardPurchase.reward_id == reward_id)
        ).scalar_one()
    engine.dispose()
    return {"balance": balances, "ledger": ledger_sum, "lots": lots_left, "sold": sold, "purchases": purchases}


def test_one_member_with_100_points_fires_50_purchases_of_a_10_point_reward(server, live_url):
    seeded, reward_id = seed(live_url, "race-points", members=1, points=100)
    member_id = seeded.member_ids[0]
    path = f"/members/{member_id}/rewards-program/rewards/{reward_id}/purchase"
    outcome = fire(server, seeded, [("POST", path, None)] * 50)
    assert outcome == Counter({(200, None): 10, (422, "Not enough points"): 40})
    assert facts(live_url, reward_id, [member_id]) == {
        "balance": 0,
        "ledger": 0,
        "lots": 0,
        "sold": 10,
        "purchases": 10,
    }


def test_200_members_race_for_a_reward_with_stock_50(server, live_url):
    seeded, reward_id = seed(live_url, "race-stock", members=200, points=10, reward={"stock": 50})
    calls = [("POST", f"/members/{m}/rewards-program/rewards/{reward_id}/purchase", None) for m in seeded.member_ids]
    outcome = fire(server, seeded, calls)
    assert outcome == Counter({(200, None): 50, (422, "Global limit exceeded"): 150})
    assert facts(live_url, reward_id, seeded.member_ids) == {
        "balance": 1500,
        "ledger": 1500,
        "lots": 1500,
        "sold": 50,
        "purchases": 50,
    }


def test_the_same_pos_transaction_posted_20_times_in_parallel_earns_once(server, live_url):
    seeded, reward_id = seed(live_url, "race-pos", members=1, points=0)
    member_id = seeded.member_ids[0]
    item = {"identifier_type": "id", "identifier": member_id, "event_type": "purchase", "amount": 55,
            "transaction_id": "receipt-4711"}  # fmt: skip
    outcome = fire(server, seeded, [("POST", "/transactions/points", [item])] * 20, threads=20)
    assert outcome == Counter({(200, "ok"): 20})
    facts_now = facts(live_url, reward_id, [member_id])
    assert (facts_now["balance"], facts_now["ledger"], facts_now["lots"]) == (55, 55, 55)


def seed_receipts(live_url: str, slug: str, members: int, **config: object) -> tuple[live.Seeded, int, list[int]]:
    """A club with a program and receipts (``config``), ``members`` participants, one store, and one
    submission waiting for staff per member; answers the seeded club, its reward's id and the submissions."""
    seeded, reward_id = seed(live_url, slug, members=members, points=0)
    engine = make_engine(live_url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        club = club_by_slug(session, slug)
        assert club is not None
        receipts.save_configuration(session, club.id, {"points_per_unit": 1, "unit_amount": 100, **config})
        store = Store(loyalty_club_id=club.id, name="Race store", external_id="race")
        session.add(store)
        session.flush()
        submissions = []
        for member_id in seeded.member_ids:
            row = ReceiptSubmission(
                loyalty_club_id=club.id, member_id=member_id, state="MANUAL_VERIFICARION", store_id=store.id,
                total=12_300, purchased_at=utcnow(),
            )  # fmt: skip
            session.add(row)
            session.flush()
            submissions.append(row.id)
    engine.dispose()
    return seeded, reward_id, submissions


def fire_at(base: str, seeded: live.Seeded, calls: list[tuple[str, str, object]], threads: int = 20) -> Counter:
    """Like :func:`fire` with full paths, the club also named in ``X-Loyalty-Club-Slug``."""
    headers = {"X-Client-Authorization": seeded.token, "X-Loyalty-Club-Slug": seeded.slug, **live.PUBLIC_HEADERS}
    with httpx.Client(
        base_url=base, headers=headers, timeout=120, limits=httpx.Limits(max_connections=threads)
    ) as client:

        def one(call: tuple[str, str, object]) -> tuple[int, str | None]:
            method, path, body = call
            response = client.request(method, path, json=body)
            return response.status_code, response.json().get("error")

        with ThreadPoolExecutor(threads) as pool:
            return Counter(pool.map(one, calls))


def test_one_receipt_accepted_20_times_in_parallel_earns_once(server, live_url):
    seeded, reward_id, (submission_id,) = seed_receipts(live_url, "race-receipt", members=1)
    calls = [("PATCH", f"/v1/receipts/submissions/{submission_id}", {"state": "ACCEPTED"})] * 20
    outcome = fire_at(server, seeded, calls)
    assert outcome == Counter({(200, None): 1, (422, "Receipt submission is already accepted"): 19})
    facts_now = facts(live_url, reward_id, seeded.member_ids)
    assert (facts_now["balance"], facts_now["ledger"], facts_now["lots"]) == (123, 123, 123)


def test_twenty_parallel_submissions_against_a_daily_limit_of_5(server, live_url):
    seeded, _, _ = seed_receipts(live_url, "race-limit", members=1, daily_limit=5)
    member_id = seeded.member_ids[0]
    photo = {"content_type": "image/png", "data": "iVBORw0KGgoAAAAAAAAAAA=="}
    calls = [("POST", f"/v3/{seeded.slug}/members/{member_id}/receipts/submissions", {"photo": photo})] * 20
    outcome = fire_at(server, seeded, calls)
    assert outcome == Counter({(201, None): 4, (422, "Receipt submissions limit exceeded"): 16})  # 1 seeded
