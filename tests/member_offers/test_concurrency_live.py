"""Limits hold under real concurrency: a uvicorn server in a subprocess on its own fresh database
(a new PostgreSQL database, or a temp SQLite file), requests fired in parallel from a thread pool."""

from __future__ import annotations

import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import func, select

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_engine
from loyaltyhub.member_offers.models import OfferCodeValidation, OfferUsage, OfferUseRefusal
from loyaltyhub.offers.models import Offer
from tests.member_offers import live

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def live_url(is_postgres, tmp_path_factory):
    """The backend of the suite's run (``make test`` runs the suite on both): a temp SQLite file, or a
    new PostgreSQL database ``<test database>_live_<random>`` on the test database's server."""
    if not is_postgres:
        yield live.fresh_sqlite(tmp_path_factory.mktemp("live"))
        return
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"live_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


@pytest.fixture(scope="module")
def server(live_url):
    workers = 1 if live_url.startswith("sqlite") else 2
    with live.serve(live_url, workers=workers, tenancy_audit=True) as base:
        yield base


def fire(base: str, seeded: live.Seeded, requests: list[tuple[int, int]], threads: int = 32) -> Counter:
    """POST use for each (member_id, offer_id) in parallel; Counter of (status, error message)."""
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    with httpx.Client(base_url=base, headers=headers, timeout=60, limits=httpx.Limits(max_connections=threads)) as c:

        def one(pair: tuple[int, int]) -> tuple[int, str | None]:
            member_id, offer_id = pair
            response = c.post(f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/use")
            return response.status_code, response.json().get("error")

        with ThreadPoolExecutor(threads) as pool:
            return Counter(pool.map(one, requests))


def counts(live_url: str, offer_id: int) -> tuple[int, int, int]:
    engine = make_engine(live_url, pool_size=1)
    with engine.connect() as connection:
        uses_count = connection.execute(select(Offer.uses_count).where(Offer.id == offer_id)).scalar_one()
        usages = connection.execute(select(func.count()).where(OfferUsage.offer_id == offer_id)).scalar_one()
        refused = connection.execute(select(func.count()).where(OfferUseRefusal.offer_id == offer_id)).scalar_one()
    engine.dispose()
    return uses_count, usages, refused


def test_200_members_racing_for_stock_50(server, live_url):
    seeded = live.seed(live_url, slug="race-stock", members=200, offers=[{"stock": 50}])
    offer_id = seeded.offer_ids[0]
    outcome = fire(server, seeded, [(m, offer_id) for m in seeded.member_ids])
    assert outcome == Counter({(200, None): 50, (422, "Global limit exceeded"): 150})
    assert counts(live_url, offer_id) == (50, 50, 150)


def test_one_member_firing_20_parallel_uses_at_3_per_user(server, live_url):
    seeded = live.seed(
        live_url, slug="race-user", members=1, offers=[{"maximum_uses_per_user": 3}], offer_active_seconds=0
    )
    offer_id = seeded.offer_ids[0]
    outcome = fire(server, seeded, [(seeded.member_ids[0], offer_id)] * 20, threads=20)
    assert outcome == Counter({(200, None): 3, (422, "User limit exceeded"): 17})
    assert counts(live_url, offer_id) == (3, 3, 17)


def test_one_idempotency_key_fired_10_times_in_parallel_uses_once(server, live_url):
    seeded = live.seed(live_url, slug="race-key", members=1, offers=[{}], offer_active_seconds=0)
    offer_id, member_id = seeded.offer_ids[0], seeded.member_ids[0]
    headers = {"X-Client-Authorization": seeded.token, "Idempotency-Key": "same-key", **live.PUBLIC_HEADERS}
    url = f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/use"
    with httpx.Client(base_url=server, headers=headers, timeout=60) as c, ThreadPoolExecutor(10) as pool:
        statuses = Counter(pool.map(lambda _: c.post(url).status_code, range(10)))
    assert set(statuses) <= {200, 409} and statuses[200] >= 1  # replays, or 409 while the first still runs
    assert counts(live_url, offer_id) == (1, 1, 0)


def test_stock_raised_while_members_race_for_it(server, live_url):
    """Staff raise the stock from 30 to 40 while 120 members race: no error, no deadlock, and the uses
    end exactly at the stock that held when each was judged (30 before the change, 40 after)."""
    seeded = live.seed(live_url, slug="race-restock", members=130, offers=[{"stock": 30}])
    offer_id = seeded.offer_ids[0]
    racers, latecomers = seeded.member_ids[:120], seeded.member_ids[120:]
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}

    def restock() -> int:
        with httpx.Client(base_url=server, headers=headers, timeout=60) as c:
            return c.patch(f"/v3/{seeded.slug}/offers/{offer_id}", json={"stock": 40}).status_code

    with ThreadPoolExecutor(2) as pool:
        racing = pool.submit(fire, server, seeded, [(m, offer_id) for m in racers])
        restocked = pool.submit(restock)
        outcome, patch_status = racing.result(), restocked.result()
    assert patch_status == 200
    assert set(outcome) <= {(200, None), (422, "Global limit exceeded")}
    used = outcome[(200, None)]
    assert 30 <= used <= 40
    late = fire(server, seeded, [(m, offer_id) for m in latecomers])
    assert late[(200, None)] == min(40 - used, len(latecomers))
    uses_count, usages, _ = counts(live_url, offer_id)
    assert uses_count == usages == used + late[(200, None)] == 40


def race_on_new_offers(server, live_url, slug: str, members: int, trials: int, **fields) -> list[tuple[Counter, tuple]]:
    """``trials`` offers published at once, each raced by every member on its first uses (issue #14,
    defect 1: the stock shards are created at an offer's first use)."""
    seeded = live.seed(live_url, slug=slug, members=members, offers=[dict(fields) for _ in range(trials)])
    return [
        (fire(server, seeded, [(m, offer_id) for m in seeded.member_ids], threads=members), counts(live_url, offer_id))
        for offer_id in seeded.offer_ids
    ]


def test_64_members_racing_on_a_just_published_offer_all_succeed(server, live_url):
    for outcome, recorded in race_on_new_offers(server, live_url, "race-first-uses", members=64, trials=4):
        assert outcome == Counter({(200, None): 64}), "no false refusal on an offer's first uses"
        assert recorded == (64, 64, 0), "and no false refusal recorded for reporting"


def test_64_members_racing_on_a_just_published_offer_with_stock_50(server, live_url):
    for outcome, recorded in race_on_new_offers(server, live_url, "race-first-stock", members=64, trials=3, stock=50):
        assert outcome == Counter({(200, None): 50, (422, "Global limit exceeded"): 14})
        assert recorded == (50, 50, 14), "the only refusals recorded are the 14 over the stock"
    reasons = refusal_messages(live_url, "race-first-stock")
    assert reasons == {"Global limit exceeded"}, f"no refusal recorded for another reason: {reasons}"


def refusal_messages(live_url: str, slug: str) -> set[str]:
    """Every reason recorded for a refused use in the club ``slug``."""
    engine = make_engine(live_url, pool_size=1)
    with engine.connect() as connection:
        club_id = connection.execute(select(LoyaltyClub.id).where(LoyaltyClub.slug == slug)).scalar_one()
        statement = select(OfferUseRefusal.message).where(OfferUseRefusal.loyalty_club_id == club_id).distinct()
        messages = set(connection.scalars(statement))
    engine.dispose()
    return messages


def test_tills_racing_to_validate_one_offer_code_accept_it_once(server, live_url):
    """Encode Offer's single use holds under concurrency: one 200, every other till is told it was spent."""
    seeded = live.seed(live_url, slug="race-code", members=1, offers=[{}])
    member_id, offer_id = seeded.member_ids[0], seeded.offer_ids[0]
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    with httpx.Client(base_url=server, headers=headers, timeout=60, limits=httpx.Limits(max_connections=16)) as c:
        assert c.post(f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/use").status_code == 200
        encoded = c.get(f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/encode")
        assert encoded.status_code == 200, encoded.text
        code = encoded.json()["code"]

        def one(_: int) -> tuple[int, str | None]:
            response = c.post(f"/v3/{seeded.slug}/offers/codes/validate", json={"code": code})
            return response.status_code, response.json().get("error")

        with ThreadPoolExecutor(16) as pool:
            outcome = Counter(pool.map(one, range(16)))
    assert outcome == Counter({(200, None): 1, (422, "Offer code already validated"): 15})
    engine = make_engine(live_url, pool_size=1)
    with engine.connect() as connection:
        stored = connection.execute(select(func.count()).where(OfferCodeValidation.offer_id == offer_id)).scalar_one()
    engine.dispose()
    assert stored == 1
