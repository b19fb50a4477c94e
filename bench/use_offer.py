"""Benchmark of the member offers hot paths on PostgreSQL (``.venv/bin/python -m bench.use_offer``).

1. ``POST .../offers/{offer_id}/use`` through HTTP (uvicorn, 2 workers, its own fresh database) at
   1, 8 and 32 concurrent clients: uses/s, p50 and p99 latency;
2. the same use transaction issued directly with psycopg (the baseline): the statements the service
   runs for one use of a regular offer (``bench._use_transaction.RAW_USE``: the read of club, member,
   offer and its collections in one query, counter create-or-lock, usage insert, counter update, the
   conditional ``UPDATE ... RETURNING`` of a free stock shard), one transaction each;
3. the floor: that transaction behind the same HTTP stack with no application (``bench._floor_app``:
   uvicorn, FastAPI, async psycopg), what any use endpoint in Python costs at least on this machine;
4. the same transaction from pgbench (C, libpq) when it is installed: what PostgreSQL itself does here;
5. ``GET .../offers`` of a member of a club with 1,000 live offers and 100 grants: p50/p95.

Every client uses its own member on one shared offer (``stock`` large, ``offer_active_seconds`` 0), so
all transactions contend for the offer's stock exactly as a popular offer does. Results are appended to
docs/benchmarks.md (section "Member offers: use and list").

``--smoke``: 4 clients, one round of 0.3 s, one uvicorn worker, 5 list requests, nothing written; then
checks that the uses every path reported agree with what the database and the API count
(:func:`check_uses`) and that the member offer list holds the offers SQL says (:func:`check_list`).
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import insert, text
from sqlalchemy.engine import URL, make_url
from tests.member_offers import live

from bench._smoke import agree, analyze, check, postgres_base_url, scratch_database
from bench._use_transaction import RAW_USE, pgbench_script, use_params
from loyaltyhub.db.engine import make_engine
from loyaltyhub.offers.models import Offer, OfferGrant
from loyaltyhub.wiring import unit_of_work

LEVELS = (1, 8, 32)
SMOKE_LEVELS = (4,)
RAW_PRODUCT = "bench"  # the product name the raw transaction writes on its usages
API_PRODUCT = live.PUBLIC_HEADERS["X-Product-Name"]
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Member offers: use and list"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Measured:
    """Latencies (seconds) of the requests done in ``elapsed`` seconds, over one or more runs."""

    latencies: list[float] = field(default_factory=list)
    elapsed: float = 0.0

    def add(self, other: Measured) -> None:
        self.latencies += other.latencies
        self.elapsed += other.elapsed

    def summary(self) -> dict[str, float]:
        return {
            "count": len(self.latencies),
            "rate": len(self.latencies) / self.elapsed,
            "p50_ms": percentile(self.latencies, 0.50) * 1000,
            "p95_ms": percentile(self.latencies, 0.95) * 1000,
            "p99_ms": percentile(self.latencies, 0.99) * 1000,
        }


Worker = Callable[[], None]


def run_clients(clients: int, seconds: float, make_worker: Callable[[int, ExitStack], Worker]) -> Measured:
    """Each client calls its worker in a loop for ``seconds``; what the workers open (connections) is
    closed when they are done."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    failures: list[BaseException] = []
    with ExitStack() as resources:
        workers = [make_worker(i, resources) for i in range(clients)]
        start_gate = threading.Barrier(clients + 1)
        stop_at = [0.0]

        def loop(i: int) -> None:
            work = workers[i]
            start_gate.wait()
            try:
                while time.perf_counter() < stop_at[0]:
                    t0 = time.perf_counter()
                    work()
                    latencies[i].append(time.perf_counter() - t0)
            except BaseException as failure:  # re-raised by the caller: a failed use fails the benchmark
                failures.append(failure)

        threads = [threading.Thread(target=loop, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        stop_at[0] = time.perf_counter() + seconds
        began = time.perf_counter()
        start_gate.wait()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - began
    if failures:
        raise failures[0]
    return Measured([x for per in latencies for x in per], elapsed)


def raw_worker(dsn: str, slug: str, club_id: int, offer_id: int, member_id: int, resources: ExitStack) -> Worker:
    connection = resources.enter_context(psycopg.connect(dsn))

    def work() -> None:
        params = use_params(slug, club_id, offer_id, member_id)
        with connection.transaction(), connection.cursor() as cursor:
            for sql in RAW_USE:
                cursor.execute(sql, params)
                cursor.fetchall() if cursor.description else None

    return work


def http_worker(base: str, seeded: live.Seeded, offer_id: int, member_id: int, resources: ExitStack) -> Worker:
    """A keep-alive HTTP/1.1 client (``http.client``: far less client CPU than httpx, so the load
    generator sharing the 2 cores takes less from the server)."""
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    resources.callback(connection.close)
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS, "Content-Length": "0"}
    url = f"/v3/{seeded.slug}/members/{member_id}/offers/{offer_id}/use"

    def work() -> None:
        connection.request("POST", url, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"use failed: {response.status} {body[:200]!r}")

    return work


def seed_list_club(database_url: str) -> tuple[live.Seeded, int]:
    """A club with 1,000 live offers (100 of them exclusive and granted to one member)."""
    offers = [
        {"type": "exclusive" if i < 100 else "regular", "maximum_uses_per_user": 5 if i % 3 == 0 else None}
        for i in range(1000)
    ]
    seeded = live.seed(database_url, slug="bench-list", members=10, offers=[])
    engine = make_engine(database_url, pool_size=1)
    with unit_of_work(engine, write=False) as session:
        club_id = session.execute(text("SELECT id FROM loyalty_clubs WHERE slug = :s"), {"s": seeded.slug}).scalar_one()
        rows = [
            {
                "loyalty_club_id": club_id,
                "status": "published",
                "name": {"no": f"Tilbud {i}", "en": f"Offer {i}"},
                "description": {"no": "Beskrivelse av tilbudet", "en": "Description of the offer"},
                "extras": {},
                "files": [{"url": f"https://cdn.example.com/{i}.jpg"}],
                "read_more": None,
                "activation_texts": None,
                "image_template": None,
                "cms_tag_ids": [],
                **fields,
            }
            for i, fields in enumerate(offers)
        ]
        offer_ids = list(session.scalars(insert(Offer).returning(Offer.id), rows))
        member_id = seeded.member_ids[0]
        grants = [
            {"loyalty_club_id": club_id, "offer_id": offer_id, "member_id": member_id, "granted_at": datetime.now(UTC)}
            for offer_id, fields in zip(offer_ids, offers, strict=True)
            if fields["type"] == "exclusive"
        ]
        session.execute(insert(OfferGrant), grants)
        session.commit()
    analyze(engine)
    engine.dispose()
    return seeded, member_id


def measure_list(base: str, seeded: live.Seeded, member_id: int, requests: int) -> dict[str, float]:
    client = httpx.Client(
        base_url=base, headers={"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}, timeout=30
    )
    url = f"/v3/{seeded.slug}/members/{member_id}/offers"
    for _ in range(20):  # warm-up
        client.get(url)
    latencies = []
    for _ in range(requests):
        t0 = time.perf_counter()
        response = client.get(url)
        latencies.append(time.perf_counter() - t0)
        assert response.status_code == 200 and len(response.json()["offers"]) == 100, response.text
    return {
        "p50_ms": percentile(latencies, 0.5) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "count": len(latencies),
    }


def run_pgbench(
    url: URL, clients: int, seconds: float, slug: str, club_id: int, offer_id: int, first_member: int
) -> Measured:
    """The use transaction from pgbench (``-M prepared``), ``clients`` connections, one member each."""
    duration = max(1, round(seconds))  # pgbench runs whole seconds
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory, "use.sql")
        script.write_text(pgbench_script())
        command = ["pgbench", "-n", "-M", "prepared", "-c", str(clients), "-j", str(min(clients, 2))]
        command += ["-T", str(duration), "-f", str(script), "-l", "--log-prefix", f"{directory}/log"]
        command += ["-h", url.host or "127.0.0.1", "-p", str(url.port or 5432), "-U", url.username or "postgres"]
        for name, value in {"slug": slug, "club": club_id, "offer": offer_id, "first_member": first_member}.items():
            command += ["-D", f"{name}={value}"]
        subprocess.run([*command, url.database or "postgres"], check=True, capture_output=True)
        # One line per transaction: client, transaction number, latency in microseconds, ...
        latencies = [
            int(line.split()[2]) / 1e6 for log in Path(directory).glob("log.*") for line in log.read_text().splitlines()
        ]
    return Measured(latencies, duration)


@dataclass
class Run:
    """What one run measured, and the uses it made: by product name, ``bench`` for the raw transaction
    (psycopg threads, the floor app, pgbench) and ``live-test`` for the API (its ``X-Product-Name``)."""

    results: dict[str, dict[int, dict[str, float]]]
    listing: dict[str, float]
    uses: Counter[str]
    seeded: live.Seeded
    club_id: int
    offer_id: int
    list_seeded: live.Seeded
    list_member: int


Verify = Callable[[str, Run], None]


def run(database_url: str, args: argparse.Namespace, levels: tuple[int, ...], verify: Verify | None = None) -> Run:
    """Serve ``database_url`` (fresh), seed it and measure every level; ``verify(base, run)`` is called
    at the end while the server still runs."""
    url = make_url(database_url)
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    results: dict[str, dict[int, dict[str, float]]] = {"raw": {}, "floor": {}, "http": {}, "pgbench": {}}
    uses: Counter[str] = Counter()
    with live.serve(database_url, workers=args.workers) as base:
        seeded = live.seed(
            database_url,
            slug="bench-use",
            members=max(levels) * 3,
            offers=[{"stock": 10**9}],
            offer_active_seconds=0,
        )
        offer_id = seeded.offer_ids[0]
        engine = make_engine(database_url, pool_size=1)
        with engine.connect() as connection:
            club_id = connection.execute(text("SELECT id FROM loyalty_clubs WHERE slug = 'bench-use'")).scalar_one()
        # The offer's first use creates its stock shards (the raw transaction expects them).
        with ExitStack() as resources:
            http_worker(base, seeded, offer_id, seeded.member_ids[-1], resources)()
        uses[API_PRODUCT] += 1
        analyze(engine)
        engine.dispose()
        for clients in levels:
            raw_members, floor_members, http_members = (
                seeded.member_ids[k * clients : (k + 1) * clients] for k in range(3)
            )
            raw, floor, api = Measured(), Measured(), Measured()
            # Rounds alternate raw, floor and API, so a slower spell of a shared machine weighs on all.
            # The floor server runs only for its round: PostgreSQL's 100 connections are shared by the
            # raw clients, the API's pools and the floor's.
            for _ in range(args.rounds):
                raw.add(
                    run_clients(
                        clients,
                        args.seconds,
                        lambda i, r, m=raw_members: raw_worker(dsn, seeded.slug, club_id, offer_id, m[i], r),
                    )
                )
                with live.serve(database_url, workers=args.workers, app="bench._floor_app:app") as floor_base:

                    def floor_client(i: int, r: ExitStack, m: list[int] = floor_members) -> Worker:
                        return http_worker(floor_base, seeded, offer_id, m[i], r)

                    opening = run_clients(clients, 0.5, floor_client)  # opens the floor's connections
                    uses[RAW_PRODUCT] += len(opening.latencies)
                    floor.add(run_clients(clients, args.seconds, floor_client))
                api.add(
                    run_clients(
                        clients,
                        args.seconds,
                        lambda i, r, m=http_members: http_worker(base, seeded, offer_id, m[i], r),
                    )
                )
            for name, measured in (("raw", raw), ("floor", floor), ("http", api)):
                results[name][clients] = measured.summary()
            uses[RAW_PRODUCT] += len(raw.latencies) + len(floor.latencies)
            uses[API_PRODUCT] += len(api.latencies)
            if shutil.which("pgbench") and raw_members == list(range(raw_members[0], raw_members[0] + clients)):
                pgbench = run_pgbench(
                    url, clients, args.rounds * args.seconds, seeded.slug, club_id, offer_id, raw_members[0]
                )
                results["pgbench"][clients] = pgbench.summary()
                uses[RAW_PRODUCT] += len(pgbench.latencies)
            print(f"{clients:>2} clients  " + "  ".join(f"{k} {v.get(clients)}" for k, v in results.items()))
        list_seeded, list_member = seed_list_club(database_url)
        listing = measure_list(base, list_seeded, list_member, args.list_requests)
        print(f"list: {listing}")
        measured = Run(results, listing, uses, seeded, club_id, offer_id, list_seeded, list_member)
        if verify is not None:
            verify(base, measured)
    return measured


def check_uses(base: str, database_url: str, measured: Run) -> None:
    """The uses every path reported (a 200 answer, a committed transaction, a pgbench log line) are the
    uses the database holds, written alike by the raw transaction and the API: offer usages per
    product, the stock shards' sum, the members' counters, and the offer's ``uses_count`` through the API."""
    offer = {"offer": measured.offer_id}
    engine = make_engine(database_url, pool_size=1)
    with engine.connect() as connection:
        by_product = dict(
            connection.execute(
                text("SELECT product_name, count(*) FROM offer_usages WHERE offer_id = :offer GROUP BY 1"), offer
            ).all()
        )
        in_shards = connection.execute(
            text("SELECT sum(uses_count) FROM offer_stock_shards WHERE offer_id = :offer"), offer
        ).scalar_one()
        in_counters = connection.execute(
            text("SELECT sum(uses_count) FROM member_offer_counters WHERE offer_id = :offer"), offer
        ).scalar_one()
        counters_off = connection.execute(
            text(
                "SELECT count(*) FROM member_offer_counters c WHERE c.offer_id = :offer AND c.uses_count <>"
                " (SELECT count(*) FROM offer_usages u WHERE u.offer_id = c.offer_id AND u.member_id = c.member_id)"
            ),
            offer,
        ).scalar_one()
    engine.dispose()
    seeded = measured.seeded
    answer = httpx.get(
        f"{base}/v3/{seeded.slug}/offers/{measured.offer_id}",
        headers={"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS},
        timeout=30,
    )
    check("GET offer answers 200", answer.status_code == 200, answer.text)
    total = sum(measured.uses.values())
    check("every path made uses", all(measured.uses[p] > 0 for p in (RAW_PRODUCT, API_PRODUCT)), measured.uses)
    agree("uses by path: reported vs offer_usages rows", reported=dict(measured.uses), database=by_product)
    agree(
        "uses of the offer",
        reported=total,
        stock_shards=in_shards,
        member_counters=in_counters,
        api_uses_count=answer.json()["uses_count"],
    )
    agree("members whose counter differs from their usages", database=counters_off, expected=0)


def check_list(base: str, database_url: str, seeded: live.Seeded, member_id: int) -> None:
    """Every page of the member's offer list, through HTTP, holds exactly the offers SQL says the member
    sees (published regular offers and the exclusive ones granted to them)."""
    client = httpx.Client(
        base_url=base, headers={"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}, timeout=30
    )
    url = f"/v3/{seeded.slug}/members/{member_id}/offers"
    with client:
        first = client.get(url, params={"include_pagination_info": "true"}).json()
        pages = first["pagination_info"]["total_pages"]
        listed = [offer["id"] for offer in first["offers"]]
        for page in range(2, pages + 1):
            listed += [offer["id"] for offer in client.get(url, params={"page_no": page}).json()["offers"]]
    engine = make_engine(database_url, pool_size=1)
    with engine.connect() as connection:
        visible = connection.execute(
            text(
                "SELECT o.id FROM offers o JOIN loyalty_clubs c ON c.id = o.loyalty_club_id WHERE c.slug = :slug"
                " AND o.status = 'published' AND (o.type <> 'exclusive' OR EXISTS (SELECT 1 FROM offer_grants g"
                " WHERE g.loyalty_club_id = o.loyalty_club_id AND g.offer_id = o.id AND g.member_id = :member))"
            ),
            {"slug": seeded.slug, "member": member_id},
        ).scalars()
        visible_ids = sorted(visible)
    engine.dispose()
    agree("member offer list: total_count vs SQL", api=first["pagination_info"]["total_count"], sql=len(visible_ids))
    agree("member offer list: ids on all pages vs SQL", api=sorted(listed), sql=visible_ids)


def smoke(database_url: str | None, *, name: str = "use_offer_smoke") -> None:
    """Tiny run (4 clients, one round of 0.3 s, one worker), nothing written; fails when a count disagrees."""
    args = argparse.Namespace(seconds=0.3, rounds=1, workers=1, list_requests=5)
    with scratch_database(postgres_base_url(database_url), name) as url:

        def verify(base: str, measured: Run) -> None:
            check_uses(base, url, measured)
            check_list(base, url, measured.list_seeded, measured.list_member)

        measured = run(url, args, SMOKE_LEVELS, verify)
    args.load = (0.0, 0.0)
    print(render(measured.results, measured.listing, args, SMOKE_LEVELS))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="raw/floor/API measurement rounds per level")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--list-requests", type=int, default=300)
    parser.add_argument("--no-write", action="store_true", help="do not append to docs/benchmarks.md")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL database whose name prefixes the benchmark's own (default: the test run's, else 'test')",
    )
    parser.add_argument("--smoke", action="store_true", help="tiny run checking the counts agree; writes nothing")
    args = parser.parse_args()
    if args.smoke:
        smoke(args.database_url)
        return
    load_before = os.getloadavg()[0]
    database_url = live.fresh_postgres(postgres_base_url(args.database_url), "bench")
    try:
        measured = run(database_url, args, LEVELS)
    finally:
        live.drop_postgres(database_url)
    args.load = (load_before, os.getloadavg()[0])
    report = render(measured.results, measured.listing, args, LEVELS)
    print(report)
    if not args.no_write:
        write_section(report)


def render(
    results: dict[str, dict[int, dict[str, float]]],
    listing: dict[str, float],
    args: argparse.Namespace,
    levels: tuple[int, ...] = LEVELS,
) -> str:
    top = max(levels)
    lines = [
        SECTION,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `.venv/bin/python -m bench.use_offer` on a 2-core machine:",
        f"PostgreSQL (local), uvicorn with {args.workers} workers, load generated by threads of the same machine,",
        f"{args.rounds} rounds of {args.seconds:g} s per level, raw, floor and API alternating. One shared offer,",
        "one member per client, `offer_active_seconds` 0. *raw*: the use transaction from psycopg threads (the",
        "baseline); *floor*: that transaction behind uvicorn + FastAPI with no application (`bench/_floor_app.py`);",
        "*API*: `POST .../use`; *pgbench*: the transaction from pgbench (C, libpq), for what PostgreSQL does here.",
        f"Load average before/after the run: {args.load[0]:.1f} / {args.load[1]:.1f}.",
        "",
        "| clients | raw uses/s | floor uses/s | API uses/s | API / raw | floor / raw"
        " | API p50 ms | API p99 ms | floor p99 ms | raw p99 ms | pgbench uses/s | pgbench p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clients in levels:
        raw, floor, http = results["raw"][clients], results["floor"][clients], results["http"][clients]
        pgbench = results["pgbench"].get(clients)
        lines.append(
            f"| {clients} | {raw['rate']:.0f} | {floor['rate']:.0f} | {http['rate']:.0f}"
            f" | {http['rate'] / raw['rate']:.2f} | {floor['rate'] / raw['rate']:.2f}"
            f" | {http['p50_ms']:.1f} | {http['p99_ms']:.1f} | {floor['p99_ms']:.1f} | {raw['p99_ms']:.1f}"
            + (f" | {pgbench['rate']:.0f} | {pgbench['p99_ms']:.1f} |" if pgbench else " | – | – |")
        )
    busiest = {name: per_level[top] for name, per_level in results.items() if top in per_level}
    lines += [
        "",
        "Targets: API ≥ 1/3 of the raw rate; p99 < 50 ms at 32 clients.",
        "",
        "Reading: uses are counted in the offer's 16 stock shards, a use locking one no other use holds, so",
        f"parallel uses of one offer do not queue on a row lock (`docs/decisions/member_offers.md`). At {top}",
        f"closed-loop clients latency is queueing for CPU: by Little's law the mean is {top} / rate",
        f"(API: {top} / {busiest['http']['rate']:.0f} uses/s = {top * 1000 / busiest['http']['rate']:.0f} ms;"
        f" floor: {top * 1000 / busiest['floor']['rate']:.0f} ms), on 2 cores shared by PostgreSQL, the server",
        "and the load generator. The floor, with no application at all, has a p99 of"
        f" {busiest['floor']['p99_ms']:.0f} ms at {top} clients and psycopg alone {busiest['raw']['p99_ms']:.0f} ms",
        '(see "Why p99 < 50 ms at 32 clients is out of reach here" below).',
        "",
        f"Member offer list (1,000 live offers, 100 grants, page of 100) through HTTP, {listing['count']:.0f}"
        f" sequential requests: p50 {listing['p50_ms']:.1f} ms, p95 {listing['p95_ms']:.1f} ms (target p95 < 25 ms).",
        "",
    ]
    return "\n".join(lines)


def write_section(report: str, section: str = SECTION) -> None:
    """Replace this benchmark's generated part of docs/benchmarks.md: from its heading to the next heading
    (its hand-written ``###`` subsections and the other sections stay as they are)."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    if section in text:
        head, _, rest = text.partition(section)
        following = min((i for i in (rest.find("\n### "), rest.find("\n## ")) if i >= 0), default=-1)
        tail = rest[following + 1 :] if following >= 0 else ""
        text = head + report + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + report
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
