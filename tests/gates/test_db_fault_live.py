"""The fault gate of issue #14 (defect 4): PostgreSQL backends terminated with ``pg_terminate_backend`` during
a burst of uses against a running server (``loyaltyhub serve`` in a subprocess, on its own fresh database).

Every request gets an answer (no connection closed without one), and every answer is 2xx, 4xx or a 503 with
``Retry-After``; the database agrees with the acknowledged answers (a member answered 200 has their use
stored, one answered 503 "not carried out" has none); the server retried what was safe to retry (reads,
requests with an ``Idempotency-Key``: ``loyaltyhub_db_connection_lost_total`` counts both outcomes); and once
the terminations stop, the next requests succeed.
"""

from __future__ import annotations

import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.member_offers.models import OfferUsage
from loyaltyhub.offers.models import Offer
from tests.member_offers import live

pytestmark = pytest.mark.slow

MEMBERS = 240
THREADS = 16
KILL_EVERY_SECONDS = 1.0
NOT_CARRIED_OUT = "Database connection lost; the request was not carried out"
OUTCOME_UNKNOWN = "Database connection lost while committing; the outcome is unknown"


@pytest.fixture(scope="module")
def database(is_postgres) -> Iterator[str]:
    if not is_postgres:
        pytest.skip("pg_terminate_backend is PostgreSQL's")
    base = live.postgres_base_url()
    if base is None:
        pytest.skip("PostgreSQL not reachable")
    url = live.fresh_postgres(base, f"fault_{uuid.uuid4().hex[:8]}")
    yield url
    live.drop_postgres(url)


class Terminator:
    """Terminates every backend of ``database_url`` (from a connection to another database) every
    :data:`KILL_EVERY_SECONDS` while running; counts the backends it terminated."""

    def __init__(self, database_url: str) -> None:
        url = make_url(database_url)
        self.database = url.database
        self.engine = make_engine(url.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
        self.terminated = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self) -> None:
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            while not self.stopping.wait(KILL_EVERY_SECONDS):
                self.terminated += connection.execute(
                    text(
                        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                        "WHERE datname = :db AND backend_type = 'client backend' AND pid <> pg_backend_pid()"
                    ),
                    {"db": self.database},
                ).scalar_one()

    def __enter__(self) -> Terminator:
        self.thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self.thread.join(timeout=30)
        self.engine.dispose()


def lost_connections(base: str) -> dict[str, float]:
    """``loyaltyhub_db_connection_lost_total`` by outcome, from the server's metrics."""
    found: dict[str, float] = {}
    for line in httpx.get(f"{base}/metrics", timeout=30).text.splitlines():
        if line.startswith("loyaltyhub_db_connection_lost_total{"):
            labels, value = line.rsplit(" ", 1)
            outcome = labels.split('outcome="', 1)[1].split('"', 1)[0]
            found[outcome] = found.get(outcome, 0) + float(value)
    return found


def test_backends_terminated_during_a_burst_of_uses(database):
    migrate.upgrade(database)
    seeded = live.seed(database, slug="fault", members=MEMBERS, offers=[{}, {}])
    offer_id = seeded.offer_ids[0]
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    with live.serve(database, cli=True, tenancy_audit=True) as base:
        client = httpx.Client(base_url=base, headers=headers, timeout=60, limits=httpx.Limits(max_connections=THREADS))

        def one(member_id: int) -> list[tuple[int, str, int | None, str | None, str | None]]:
            """A use (every other one with an Idempotency-Key), then a read of the member's offers."""
            keyed = {"Idempotency-Key": f"fault-{member_id}"} if member_id % 2 == 0 else {}
            answers: list[tuple[int, str, int | None, str | None, str | None]] = []
            for method, path, extra in (
                ("POST", f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/use", keyed),
                ("GET", f"/v3/{seeded.slug}/members/{member_id}/offers", {}),
            ):
                try:
                    response = client.request(method, path, headers=extra)
                except httpx.HTTPError as exc:
                    answers.append((member_id, method, None, repr(exc), None))
                    continue
                body = response.json()
                error = body.get("error") if isinstance(body, dict) else None
                answers.append((member_id, method, response.status_code, error, response.headers.get("Retry-After")))
            return answers

        with client, Terminator(database) as terminator, ThreadPoolExecutor(THREADS) as pool:
            outcomes = [answer for answers in pool.map(one, seeded.member_ids) for answer in answers]

        assert terminator.terminated > 0
        unanswered = [o for o in outcomes if o[2] is None]
        assert not unanswered, f"requests left without an answer: {unanswered[:5]}"
        bad = [o for o in outcomes if not (200 <= o[2] < 300 or 400 <= o[2] < 500 or o[2] == 503)]
        assert not bad, f"answers outside 2xx/4xx/503: {bad[:5]}"
        unavailable = [o for o in outcomes if o[2] == 503]
        assert all(o[4] for o in unavailable), "every 503 says when to retry"
        assert all(o[3] in (NOT_CARRIED_OUT, OUTCOME_UNKNOWN) for o in unavailable), unavailable[:5]

        engine = make_engine(database, pool_size=1)
        with engine.connect() as connection:
            used = set(connection.scalars(select(OfferUsage.member_id).where(OfferUsage.offer_id == offer_id)))
            uses_count = connection.execute(select(Offer.uses_count).where(Offer.id == offer_id)).scalar_one()
        engine.dispose()
        acknowledged = {o[0] for o in outcomes if o[1] == "POST" and 200 <= o[2] < 300}
        not_done = {o[0] for o in outcomes if o[1] == "POST" and (400 <= o[2] < 500 or o[3] == NOT_CARRIED_OUT)}
        unknown = {o[0] for o in outcomes if o[1] == "POST" and o[3] == OUTCOME_UNKNOWN}
        assert acknowledged <= used, "every acknowledged use is stored"
        assert not (not_done & used), "no use stored for a request answered as not carried out"
        assert used <= acknowledged | unknown, "no use stored that was not acknowledged (or said to be unknown)"
        assert uses_count == len(used), "the offer's counter agrees with its usages"
        statuses = Counter((o[1], "keyed" if o[0] % 2 == 0 else "plain", o[2]) for o in outcomes)
        lost = lost_connections(base)
        print(f"terminated {terminator.terminated} backends; answers {dict(statuses)}; lost connections {lost}")
        assert lost.get("retried", 0) > 0, f"the burst exercised the retry: {lost}"

        # Once the terminations stop, the next requests succeed (dead pooled connections are replaced).
        # (a use of another offer: a member uses an offer once unless it says otherwise)
        next_offer = seeded.offer_ids[1]
        with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
            after = [
                (client.post(f"/v3/{seeded.slug}/members/{m}/offers/{next_offer}/use").status_code,
                 client.get(f"/v3/{seeded.slug}/members/{m}/offers").status_code)
                for m in seeded.member_ids[:20]
            ]  # fmt: skip
        assert after == [(200, 200)] * 20
