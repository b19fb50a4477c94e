"""What the application adds to hot reads, against a floor doing the same statements
(``.venv/bin/python -m bench.overhead``, PostgreSQL).

For each hot read (a management ``GET`` of an offer, the member's ``GET .../members/me``, the member offer
list of a club with 1,000 live offers and 100 grants, a small report):

1. the statements the API issues for it are recorded, with their parameters, from an in-process app on
   the benchmark's database (the second of two identical requests: caches warm, as in steady state);
2. the API is served by uvicorn (one worker) and the floor (``bench/_overhead_floor.py``: uvicorn + FastAPI
   replaying exactly those statements over async psycopg, in one transaction, no application) likewise,
   and the stack floor (``bench/_overhead_stack.py``: the same replay through a sync route and a
   SQLAlchemy session, what the application is built on);
3. one keep-alive client sends the request sequentially to each, in alternating rounds, so a slower spell
   of the shared machine weighs on all.

The ratio of mean latencies (API / floor) is what the application costs on top of the same database work
(issue #21: each within 1.5×). Results go to docs/benchmarks.md ("Request overhead: hot reads").
``--smoke``: a few requests, one round; checks every API answer and that the floor ran every statement.
"""

from __future__ import annotations

import argparse
import http.client
import os
import pickle
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient
from sqlalchemy import event, select
from tests.member_offers import live

from bench._smoke import agree, check, postgres_base_url, scratch_database
from bench.use_offer import percentile, seed_list_club, write_section
from loyaltyhub.app import create_app
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.members.identity.tokens import issue_tokens
from loyaltyhub.members.models import Member
from loyaltyhub.offers.models import Offer
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import unit_of_work

SECTION = "## Request overhead: hot reads against their floor"
TARGET_RATIO = 1.5


@dataclass(frozen=True)
class HotRead:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None

    def expect(self, status: int, answer: Any) -> bool:
        return status == 200 and bool(answer)


def hot_reads(database_url: str) -> list[HotRead]:
    """Seeds the club of the member offer list (1,000 live offers, 100 of them granted to one member) and
    a member token; the four requests."""
    seeded, member_id = seed_list_club(database_url)
    engine = make_engine(database_url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        club = session.scalars(across_clubs(select(LoyaltyClub).where(LoyaltyClub.slug == seeded.slug))).one()
        member = session.scalars(across_clubs(select(Member).where(Member.id == member_id))).one()
        offer_id = session.scalars(
            across_clubs(select(Offer.id).where(Offer.loyalty_club_id == club.id).order_by(Offer.id).limit(1))
        ).one()
        member_token = issue_tokens(session, member, access_ttl_seconds=86400, refresh_ttl_seconds=86400).access_token
        session.commit()
    engine.dispose()
    client = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    member = {**client, "Authorization": f"Bearer {member_token}"}
    return [
        HotRead("GET offer (management)", "GET", f"/v3/{seeded.slug}/offers/{offer_id}", client),
        HotRead("GET members/me", "GET", f"/v3/{seeded.slug}/members/me", member),
        HotRead("member offer list (page of 100)", "GET", f"/v3/{seeded.slug}/members/{member_id}/offers", client),
        HotRead(
            "small report (members by gender)",
            "POST",
            "/v1/reporting/query",
            {**client, "X-Customer": str(club.id)},
            {"report": "members", "aggregate_by": "gender_count"},
        ),
    ]


def record(database_url: str, reads: list[HotRead]) -> list[tuple[str, str, list[tuple[str, Any]]]]:
    """The statements (SQL and parameters, as the driver received them) of each request's second run."""
    engine = make_engine(database_url, pool_size=2)
    settings = Settings(env="test", database_url=database_url, run_worker_in_server=False, access_log=False)
    app = create_app(settings, engine=engine, start_background_jobs=False)
    statements: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, many: bool) -> None:
        if not many:
            statements.append((statement, parameters))

    recorded = []
    with TestClient(app) as client:
        event.listen(engine, "before_cursor_execute", capture)
        for read in reads:
            for _ in range(2):
                statements.clear()
                answer = client.request(read.method, read.path, headers=read.headers, json=read.body)
                check(f"{read.name}: the API answers", read.expect(answer.status_code, answer.json()), answer.text)
            recorded.append((read.method, read.path, list(statements)))
        event.remove(engine, "before_cursor_execute", capture)
    engine.dispose()
    return recorded


def measure(base: str, read: HotRead, requests: int) -> tuple[list[float], bytes]:
    """``requests`` sequential requests on one keep-alive connection: their latencies, and the last
    answer's body."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    body = orjson.dumps(read.body) if read.body is not None else b""
    headers = {**read.headers, "Content-Type": "application/json", "Content-Length": str(len(body))}
    latencies, payload = [], b""
    try:
        for _ in range(requests):
            t0 = time.perf_counter()
            connection.request(read.method, read.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            latencies.append(time.perf_counter() - t0)
            if response.status != 200:
                raise RuntimeError(f"{read.name}: {response.status} {payload[:200]!r}")
    finally:
        connection.close()
    return latencies, payload


def run(database_url: str, args: argparse.Namespace) -> dict[str, dict[str, dict[str, float]]]:
    results: dict[str, dict[str, dict[str, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        with live.serve(database_url, workers=1) as api_base:  # migrates the database first
            reads = hot_reads(database_url)
            recording = record(database_url, reads)
            path = Path(folder, "recording.pickle")
            path.write_bytes(pickle.dumps(recording))
            os.environ["LOYALTYHUB_OVERHEAD_RECORDING"] = str(path)
            api: dict[str, list[float]] = {r.name: [] for r in reads}
            stack: dict[str, list[float]] = {r.name: [] for r in reads}
            floor: dict[str, list[float]] = {r.name: [] for r in reads}
            with (
                live.serve(database_url, workers=1, app="bench._overhead_floor:app") as floor_base,
                live.serve(database_url, workers=1, app="bench._overhead_stack:app") as stack_base,
            ):
                for read, (_, _, statements) in zip(reads, recording, strict=True):  # warm-up
                    measure(api_base, read, 20)
                    reading = [sql for sql, _ in statements if _returns_rows(sql)]
                    for name, base in (("floor", floor_base), ("stack", stack_base)):
                        replayed = orjson.loads(measure(base, read, 20)[1])
                        agree(f"{read.name}: result sets", **{name: len(replayed)}, recorded_reads=len(reading))
                        check(f"{read.name}: the {name} read rows", any(replayed), replayed)
                for _ in range(args.rounds):
                    for read in reads:
                        api[read.name] += measure(api_base, read, args.requests)[0]
                        stack[read.name] += measure(stack_base, read, args.requests)[0]
                        floor[read.name] += measure(floor_base, read, args.requests)[0]
        for read, (_, _, statements) in zip(reads, recording, strict=True):
            results[read.name] = {"statements": {"count": len(statements)}}
            for name, latencies in (("api", api[read.name]), ("stack", stack[read.name]), ("floor", floor[read.name])):
                results[read.name][name] = {
                    "p50": percentile(latencies, 0.5) * 1000,
                    "p95": percentile(latencies, 0.95) * 1000,
                    "mean": _mean(latencies),
                }
    return results


def _returns_rows(sql: str) -> bool:
    return sql.lstrip().upper().startswith(("SELECT", "WITH")) or " RETURNING " in sql.upper()


def _mean(latencies: list[float]) -> float:
    return sum(latencies) / len(latencies) * 1000


def render(results: dict[str, dict[str, dict[str, float]]], args: argparse.Namespace) -> str:
    lines = [
        SECTION,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `.venv/bin/python -m bench.overhead` on a 2-core machine:",
        "PostgreSQL (local), uvicorn with one worker for each of the API, the stack and the floor, one",
        f"keep-alive client, {args.rounds} rounds of {args.requests} sequential requests per read, API, stack and",
        "floor alternating. The floor (`bench/_overhead_floor.py`) replays the statements the API issued for the",
        "same request (recorded with their parameters) over async psycopg, plain reads outside a transaction as",
        "the API runs them, and answers the rows as JSON. The *stack* (`bench/_overhead_stack.py`) replays them",
        "behind what the application is built on and nothing else: a sync route in the thread pool, a SQLAlchemy",
        "session of the app's engine, `exec_driver_sql`; its cost over the floor is a lower bound for any",
        "application on it.",
        f"Load average before/after: {args.load[0]:.1f} / {args.load[1]:.1f}.",
        "",
        "| hot read | statements | API p50 ms | API p95 ms | stack p50 ms | floor p50 ms | floor p95 ms"
        " | API / floor (mean) | stack / floor (mean) | API / stack (mean) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, r in results.items():
        api, stack, floor = r["api"]["mean"], r["stack"]["mean"], r["floor"]["mean"]
        lines.append(
            f"| {name} | {r['statements']['count']:.0f} | {r['api']['p50']:.1f} | {r['api']['p95']:.1f}"
            f" | {r['stack']['p50']:.1f} | {r['floor']['p50']:.1f} | {r['floor']['p95']:.1f}"
            f" | {api / floor:.2f} | {stack / floor:.2f} | {api / stack:.2f} |"
        )
    lines += ["", f"Target (issue #21): each API / floor ≤ {TARGET_RATIO:g}.", ""]
    return "\n".join(lines)


def smoke(database_url: str | None) -> None:
    args = argparse.Namespace(rounds=1, requests=5, load=(0.0, 0.0))
    with scratch_database(postgres_base_url(database_url), "overhead_smoke") as url:
        results = run(url, args)
    check("every hot read measured", len(results) == 4, sorted(results))
    for name, r in results.items():
        check(f"{name}: statements recorded", r["statements"]["count"] > 0, r)
    print(render(results, args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=200, help="sequential requests per read and round")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--database-url", help="PostgreSQL database whose name prefixes the benchmark's own")
    parser.add_argument("--smoke", action="store_true", help="a few requests, answers checked; writes nothing")
    args = parser.parse_args()
    if args.smoke:
        smoke(args.database_url)
        return
    load_before = os.getloadavg()[0]
    database_url = live.fresh_postgres(postgres_base_url(args.database_url), "overhead")
    try:
        results = run(database_url, args)
    finally:
        live.drop_postgres(database_url)
    args.load = (load_before, os.getloadavg()[0])
    report = render(results, args)
    print(report)
    if not args.no_write:
        write_section(report, SECTION)


if __name__ == "__main__":
    main()
