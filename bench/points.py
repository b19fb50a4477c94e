"""Benchmark of the points ledger on PostgreSQL (``.venv/bin/python -m bench.points``).

1. *API*: one operation = earn + purchase through HTTP (uvicorn, 2 workers, its own fresh database):
   ``POST /v1/{slug}/members/{id}/rewards-program/grant_points`` of 10 points, then ``POST
   /v3/{slug}/members/{id}/rewards-program/rewards/{reward}/purchase`` of a 10-point reward with stock;
2. *raw*: the same two ledger transactions issued directly with psycopg (:data:`RAW_EARN`,
   :data:`RAW_PURCHASE`): the read of club, member and program, the account's ``FOR UPDATE``, the due lots,
   the lot insert and the balance update; then the lock again, the reward, the FIFO lots, the lot update,
   the debit, the balance, the conditional stock ``UPDATE`` and the purchase row;
3. member status of a member with 10,000 transactions through HTTP: p50/p95 (first page of 100 and the
   documented default page of 1,000).

1, 8 and 32 clients, one member each, all on one shared reward (its stock row is the contended one).
Results go to docs/benchmarks.md (section "Rewards: points ledger").

``--smoke``: 2 clients, one round of 0.3 s, one worker, 5 status requests, nothing written; checks that
the operations every path reported are the ledger's rows, the stock sold and the purchases, and that each
balance equals its ledger sum.

``--seed-per-op URL`` then ``--per-op URL [--member-index i]``: earn + purchase handed to the app
in-process (no server, no HTTP client, thread-pool calls inline), printing the statements each request
sends and this process's CPU per operation as one JSON line (``POINTS_SHOW_SQL=1``: the statements;
``POINTS_PROFILE=cumulative|tottime``: a cProfile; ``POINTS_REAL_THREADS=1``: thread-pool calls go to real
threads, so the hops' cost is counted). To compare two versions of the code on a shared
machine, run it alternately with ``PYTHONPATH=<other checkout>/src:.`` and with this one, a different
member each run: CPU time per operation moves far less with the machine's load than rates do.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from sqlalchemy import text
from sqlalchemy.engine import make_url
from tests.member_offers import live

from bench._smoke import agree, analyze, check, postgres_base_url, scratch_database
from bench.use_offer import Measured, Worker, percentile, run_clients
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.engine import make_engine
from loyaltyhub.rewards.models import Reward
from loyaltyhub.rewards.program import service as program_service
from loyaltyhub.wiring import unit_of_work

LEVELS = (1, 8, 32)
SMOKE_LEVELS = (2,)
PRICE = 10
RESULTS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Rewards: points ledger"

_CONTEXT = """
SELECT c.id, m.id, p.points_validity_months, p.enabled FROM loyalty_clubs c
JOIN members m ON m.loyalty_club_id = c.id AND m.id = %(member)s AND m.deleted_at IS NULL
JOIN rewards_programs p ON p.loyalty_club_id = c.id
WHERE c.slug = %(slug)s"""
_LOCK = """
SELECT id, balance, active FROM rewards_accounts
WHERE loyalty_club_id = %(club)s AND member_id = %(member)s FOR UPDATE"""
_DUE = """
SELECT id, remaining, expires_at FROM rewards_transactions
WHERE loyalty_club_id = %(club)s AND member_id = %(member)s AND remaining > 0 AND expires_at <= now()"""
RAW_EARN = (
    _CONTEXT,
    _LOCK,
    _DUE,
    """INSERT INTO rewards_transactions (loyalty_club_id, member_id, type, amount, occurred_at, details, remaining,
    expires_at, expired_points) VALUES (%(club)s, %(member)s, 'grant', %(price)s, now(), '{}', %(price)s, NULL, 0)
    RETURNING id""",
    """UPDATE rewards_accounts SET balance = balance + %(price)s, lifetime_earned = lifetime_earned + %(price)s
    WHERE loyalty_club_id = %(club)s AND id = (SELECT id FROM rewards_accounts
    WHERE loyalty_club_id = %(club)s AND member_id = %(member)s)""",
)
RAW_PURCHASE = (
    _CONTEXT,
    _LOCK,
    _DUE,
    """SELECT id, name, price, stock, purchased_count FROM rewards WHERE loyalty_club_id = %(club)s
    AND id = %(reward)s AND archived_at IS NULL""",
    """SELECT id, remaining FROM rewards_transactions WHERE loyalty_club_id = %(club)s AND member_id = %(member)s
    AND remaining > 0 ORDER BY expires_at NULLS LAST, occurred_at, id LIMIT 1""",
    """UPDATE rewards_transactions SET remaining = remaining - %(price)s WHERE loyalty_club_id = %(club)s
    AND id = (SELECT id FROM rewards_transactions WHERE loyalty_club_id = %(club)s AND member_id = %(member)s
    AND remaining > 0 ORDER BY expires_at NULLS LAST, occurred_at, id LIMIT 1)""",
    """INSERT INTO rewards_transactions (loyalty_club_id, member_id, type, amount, occurred_at, details, remaining,
    expired_points) VALUES (%(club)s, %(member)s, 'reward_purchase', -%(price)s, now(),
    '{"reward_name": "Bench"}', 0, 0) RETURNING id""",
    """UPDATE rewards_accounts SET balance = balance - %(price)s WHERE loyalty_club_id = %(club)s
    AND member_id = %(member)s""",
    """UPDATE rewards SET purchased_count = purchased_count + 1 WHERE loyalty_club_id = %(club)s
    AND id = %(reward)s AND (stock IS NULL OR purchased_count < stock) RETURNING purchased_count""",
    """INSERT INTO rewards_purchases (loyalty_club_id, member_id, reward_id, transaction_id, price, code,
    purchased_at, uses_count) VALUES (%(club)s, %(member)s, %(reward)s,
    (SELECT max(id) FROM rewards_transactions WHERE loyalty_club_id = %(club)s AND member_id = %(member)s),
    %(price)s, md5(random()::text), now(), 0)""",
)


def seed(database_url: str, members: int, slug: str = "bench-points") -> tuple[live.Seeded, int, int]:
    """A club with a program (points never expire), ``members`` participants and one 10-point reward."""
    seeded = live.seed(database_url, slug=slug, members=members, offers=[])
    engine = make_engine(database_url, pool_size=1)
    with unit_of_work(engine, write=True) as session:
        club = club_by_slug(session, seeded.slug)
        assert club is not None
        program_service.save_program(session, club.id, {"enabled": True})
        for member_id in seeded.member_ids:
            program_service.join(session, club.id, member_id, utcnow())
        reward = Reward(loyalty_club_id=club.id, name="Bench", price=PRICE, stock=10**9, files=[], purchased_count=0)
        session.add(reward)
        session.flush()
        club_id, reward_id = club.id, reward.id
    analyze(engine)
    engine.dispose()
    return seeded, club_id, reward_id


def raw_worker(dsn: str, slug: str, club_id: int, reward_id: int, member_id: int, resources: ExitStack) -> Worker:
    connection = resources.enter_context(psycopg.connect(dsn))
    params = {"slug": slug, "club": club_id, "member": member_id, "reward": reward_id, "price": PRICE}

    def work() -> None:
        for statements in (RAW_EARN, RAW_PURCHASE):
            with connection.transaction(), connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql, params)
                    if cursor.description:
                        cursor.fetchall()

    return work


def http_worker(base: str, seeded: live.Seeded, reward_id: int, member_id: int, resources: ExitStack) -> Worker:
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    resources.callback(connection.close)
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS, "Content-Type": "application/json"}
    grant = f"/v1/{seeded.slug}/members/{member_id}/rewards-program/grant_points"
    purchase = f"/v3/{seeded.slug}/members/{member_id}/rewards-program/rewards/{reward_id}/purchase"
    grant_body = json.dumps({"points": PRICE})

    def work() -> None:
        for url, body in ((grant, grant_body), (purchase, "")):
            connection.request("POST", url, body=body, headers={**headers, "Content-Length": str(len(body))})
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} failed: {response.status} {answer[:200]!r}")

    return work


def seed_history(database_url: str, member_id: int, club_id: int, count: int) -> None:
    """``count`` grants of one point for one member, written in one statement (the balance row kept true)."""
    engine = make_engine(database_url, pool_size=1)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO rewards_transactions (loyalty_club_id, member_id, type, amount, occurred_at, details,"
                " remaining, expires_at, expired_points) SELECT :club, :member, 'grant', 1,"
                ' now() - make_interval(mins => g), \'{"grant_type": "bench"}\', 1,'
                " now() + interval '1 year' + make_interval(days => g % 300), 0 FROM generate_series(1, :n) g"
            ),
            {"club": club_id, "member": member_id, "n": count},
        )
        connection.execute(
            text(
                "UPDATE rewards_accounts SET balance = balance + :n, lifetime_earned = lifetime_earned + :n"
                " WHERE loyalty_club_id = :club AND member_id = :member"
            ),
            {"club": club_id, "member": member_id, "n": count},
        )
    analyze(engine)
    engine.dispose()


def measure_status(base: str, seeded: live.Seeded, member_id: int, requests: int, per_page: int) -> dict[str, float]:
    headers = {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}
    url = f"/v3/{seeded.slug}/members/{member_id}/rewards-program/status"
    latencies = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(5):
            client.get(url, params={"per_page": per_page})
        for _ in range(requests):
            t0 = datetime.now(UTC)
            response = client.get(url, params={"per_page": per_page})
            latencies.append((datetime.now(UTC) - t0).total_seconds())
            body = response.json()
            assert response.status_code == 200 and len(body["transactions"]) == per_page, response.text[:200]
    return {"p50_ms": percentile(latencies, 0.5) * 1000, "p95_ms": percentile(latencies, 0.95) * 1000}


def run(database_url: str, args: argparse.Namespace, levels: tuple[int, ...]) -> dict[str, object]:
    dsn = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    results: dict[str, dict[int, dict[str, float]]] = {"raw": {}, "http": {}}
    with live.serve(database_url, workers=args.workers, timeout=180) as base:
        seeded, club_id, reward_id = seed(database_url, max(levels) * 2 + 1)
        operations = {"raw": 0, "http": 0}
        for clients in levels:
            raw_members = seeded.member_ids[:clients]
            http_members = seeded.member_ids[clients : 2 * clients]
            raw, api = Measured(), Measured()
            for _ in range(args.rounds):
                raw.add(
                    run_clients(
                        clients,
                        args.seconds,
                        lambda i, r, m=raw_members: raw_worker(dsn, seeded.slug, club_id, reward_id, m[i], r),
                    )
                )
                api.add(
                    run_clients(
                        clients,
                        args.seconds,
                        lambda i, r, m=http_members: http_worker(base, seeded, reward_id, m[i], r),
                    )
                )
            results["raw"][clients], results["http"][clients] = raw.summary(), api.summary()
            operations["raw"] += len(raw.latencies)
            operations["http"] += len(api.latencies)
            print(f"{clients:>2} clients  raw {results['raw'][clients]}  http {results['http'][clients]}", flush=True)
        history_member = seeded.member_ids[-1]
        seed_history(database_url, history_member, club_id, args.history)
        status = {
            per_page: measure_status(base, seeded, history_member, args.status_requests, per_page)
            for per_page in (100, 1000)
        }
        print(f"status: {status}", flush=True)
        facts = ledger_facts(database_url, club_id, reward_id, seeded.member_ids[:-1])
    return {"results": results, "status": status, "operations": operations, "facts": facts}


def ledger_facts(database_url: str, club_id: int, reward_id: int, member_ids: list[int]) -> dict[str, int]:
    engine = make_engine(database_url, pool_size=1)
    params = {"club": club_id, "reward": reward_id, "members": member_ids}
    with engine.connect() as connection:

        def one(sql: str) -> int:
            return int(connection.execute(text(sql), params).scalar_one() or 0)

        facts = {
            "grants": one(
                "SELECT count(*) FROM rewards_transactions WHERE loyalty_club_id = :club AND type = 'grant'"
                " AND member_id = ANY(:members)"
            ),
            "debits": one(
                "SELECT count(*) FROM rewards_transactions WHERE loyalty_club_id = :club"
                " AND type = 'reward_purchase' AND member_id = ANY(:members)"
            ),
            "purchases": one("SELECT count(*) FROM rewards_purchases WHERE loyalty_club_id = :club"),
            "sold": one("SELECT purchased_count FROM rewards WHERE loyalty_club_id = :club AND id = :reward"),
            "balances_off": one(
                "SELECT count(*) FROM rewards_accounts a WHERE a.loyalty_club_id = :club AND a.balance <>"
                " (SELECT coalesce(sum(t.amount), 0) FROM rewards_transactions t"
                " WHERE t.loyalty_club_id = a.loyalty_club_id AND t.member_id = a.member_id)"
            ),
            "lots_off": one(
                "SELECT count(*) FROM rewards_accounts a WHERE a.loyalty_club_id = :club AND a.balance <>"
                " (SELECT coalesce(sum(t.remaining), 0) FROM rewards_transactions t"
                " WHERE t.loyalty_club_id = a.loyalty_club_id AND t.member_id = a.member_id)"
            ),
        }
    engine.dispose()
    return facts


def verify(measured: dict[str, object]) -> None:
    operations: dict[str, int] = measured["operations"]  # type: ignore[assignment]
    facts: dict[str, int] = measured["facts"]  # type: ignore[assignment]
    total = operations["raw"] + operations["http"]
    check("both paths made operations", operations["raw"] > 0 and operations["http"] > 0, operations)
    agree("earn + purchase operations", reported=total, grants=facts["grants"], debits=facts["debits"])
    agree("purchases", reported=total, rows=facts["purchases"], stock_sold=facts["sold"])
    agree("accounts whose balance differs from the ledger or the lots", ledger=facts["balances_off"],
          lots=facts["lots_off"], expected=0)  # fmt: skip


def render(measured: dict[str, object], args: argparse.Namespace, levels: tuple[int, ...] = LEVELS) -> str:
    results: dict[str, dict[int, dict[str, float]]] = measured["results"]  # type: ignore[assignment]
    status: dict[int, dict[str, float]] = measured["status"]  # type: ignore[assignment]
    lines = [
        SECTION,
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `.venv/bin/python -m bench.points` on a 2-core machine"
        " shared with other work:",
        f"PostgreSQL (local), uvicorn with {args.workers} workers, load generated by threads of the same machine,",
        f"{args.rounds} rounds of {args.seconds:g} s per level, raw and API alternating. One operation = earn 10"
        " points + purchase a",
        "10-point reward (one shared reward with stock, one member per client). *raw*: the two ledger transactions",
        "from psycopg threads (`RAW_EARN`, `RAW_PURCHASE` in `bench/points.py`); *API*: `grant_points` then",
        f"`purchase` through HTTP. Load average before/after: {args.load[0]:.1f} / {args.load[1]:.1f}.",
        "",
        "| clients | raw ops/s | API ops/s | API / raw | API p50 ms | API p99 ms | raw p50 ms | raw p99 ms |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for clients in levels:
        raw, api = results["raw"][clients], results["http"][clients]
        lines.append(
            f"| {clients} | {raw['rate']:.0f} | {api['rate']:.0f} | {api['rate'] / raw['rate']:.2f}"
            f" | {api['p50_ms']:.1f} | {api['p99_ms']:.1f} | {raw['p50_ms']:.1f} | {raw['p99_ms']:.1f} |"
        )
    lines += [
        "",
        "Target: API ≥ 1/3 of the raw rate at 1, 8 and 32 clients.",
        "",
        f"Member status of a member with {args.history:,} transactions, sequential requests"
        f" ({args.status_requests} each): first page of 100 p50 {status[100]['p50_ms']:.1f} ms,"
        f" p95 {status[100]['p95_ms']:.1f} ms; the documented default page of 1,000"
        f" p50 {status[1000]['p50_ms']:.1f} ms, p95 {status[1000]['p95_ms']:.1f} ms (target p95 < 25 ms).",
        "",
    ]
    return "\n".join(lines)


def smoke(database_url: str | None, *, name: str = "points_smoke") -> None:
    args = argparse.Namespace(seconds=0.3, rounds=1, workers=1, status_requests=5, history=1000, load=(0.0, 0.0))
    with scratch_database(postgres_base_url(database_url), name) as url:
        measured = run(url, args, SMOKE_LEVELS)
    verify(measured)
    print(render(measured, args, SMOKE_LEVELS))


PER_OP_SLUG = "bench-points-per-op"


def seed_per_op(database_url: str, members: int) -> None:
    """The per-operation measurement's database: migrated, seeded like the HTTP run."""
    from loyaltyhub.db import migrate

    migrate.upgrade(database_url)
    seeded, _club_id, reward_id = seed(database_url, members, PER_OP_SLUG)
    PER_OP_META.write_text(json.dumps({"token": seeded.token, "members": seeded.member_ids, "reward": reward_id}))


PER_OP_META = Path("/tmp") / "loyaltyhub-bench-points-per-op.json"


def per_op(database_url: str, member_index: int, operations: int, warmup: int) -> dict[str, float]:
    """Earn + purchase handed to the app in-process (no server, no HTTP client, threads inline): the
    statements each request sends and this process's CPU per operation. Prints one JSON line."""
    import asyncio
    import time

    import anyio.to_thread

    from bench.profile_request import StatementLog, asgi_call, settings_for
    from loyaltyhub.app import create_app

    async def inline(func, *fargs, **_kwargs):  # type: ignore[no-untyped-def]
        return func(*fargs)

    if not os.environ.get("POINTS_REAL_THREADS"):
        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    meta = json.loads(PER_OP_META.read_text())
    member_id = meta["members"][member_index]
    headers = {"X-Client-Authorization": meta["token"], **live.PUBLIC_HEADERS}
    grant = f"/v1/{PER_OP_SLUG}/members/{member_id}/rewards-program/grant_points"
    purchase = f"/v3/{PER_OP_SLUG}/members/{member_id}/rewards-program/rewards/{meta['reward']}/purchase"
    result: dict[str, float] = {}

    async def body() -> None:
        engine = make_engine(database_url)
        log = StatementLog(engine)
        app = create_app(settings_for(database_url, False), engine=engine, start_background_jobs=False)
        calls = (
            asgi_call(app, "POST", grant, headers, json.dumps({"points": PRICE}).encode()),
            asgi_call(app, "POST", purchase, headers),
        )

        sent: list[list[str]] = []

        async def operation() -> list[int]:
            sent.clear()
            for call in calls:
                log.clear()
                status, answer = await call()
                if status != 200:
                    raise SystemExit(f"{status} {answer[:300]!r}")
                sent.append([f"{seconds * 1000:.2f} ms  {sql}" for sql, seconds in log.statements])
            return [len(statements) for statements in sent]

        async with app.router.lifespan_context(app):
            for _ in range(warmup):
                await operation()
            started, cpu = time.perf_counter(), time.process_time()
            for _ in range(operations):
                counts = await operation()
            result.update(
                cpu_ms=(time.process_time() - cpu) / operations * 1000,
                wall_ms=(time.perf_counter() - started) / operations * 1000,
                earn_statements=counts[0],
                purchase_statements=counts[1],
            )
            if os.environ.get("POINTS_PROFILE"):
                import cProfile
                import pstats

                profiler = cProfile.Profile()
                profiler.enable()
                for _ in range(operations):
                    await operation()
                profiler.disable()
                stats = pstats.Stats(profiler)
                stats.sort_stats(os.environ["POINTS_PROFILE"]).print_stats(60)
                if os.environ.get("POINTS_PROFILE_FILE"):
                    stats.dump_stats(os.environ["POINTS_PROFILE_FILE"])
            if os.environ.get("POINTS_SHOW_SQL"):
                await operation()
                for name, statements in zip(("earn", "purchase"), sent, strict=True):
                    print(name)
                    for sql in statements:
                        print("   ", sql)
        engine.dispose()

    asyncio.run(body())
    print(json.dumps(result), flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="duration of each measurement")
    parser.add_argument("--rounds", type=int, default=3, help="raw/API measurement rounds per level")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--status-requests", type=int, default=200)
    parser.add_argument("--history", type=int, default=10_000, help="transactions of the status member")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--database-url", help="PostgreSQL database whose name prefixes the benchmark's own")
    parser.add_argument("--smoke", action="store_true", help="tiny run checking the counts agree; writes nothing")
    parser.add_argument("--seed-per-op", metavar="URL", help="seed a migrated database for --per-op")
    parser.add_argument("--per-op", metavar="URL", help="earn + purchase in-process: statements and CPU per op")
    parser.add_argument("--member-index", type=int, default=0, help="--per-op: which seeded member")
    parser.add_argument("--operations", type=int, default=300, help="--per-op: measured operations")
    args = parser.parse_args()
    if args.seed_per_op:
        seed_per_op(args.seed_per_op, 64)
        return
    if args.per_op:
        per_op(args.per_op, args.member_index, args.operations, warmup=30)
        return
    if args.smoke:
        smoke(args.database_url)
        return
    load_before = os.getloadavg()[0]
    database_url = live.fresh_postgres(postgres_base_url(args.database_url), "bench_points")
    try:
        measured = run(database_url, args, LEVELS)
        verify(measured)
    finally:
        live.drop_postgres(database_url)
    args.load = (load_before, os.getloadavg()[0])
    report = render(measured, args)
    print(report)
    if not args.no_write:
        write_section(report)


def write_section(report: str) -> None:
    """Replace this benchmark's section of docs/benchmarks.md (to the next heading), or append it."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmarks\n\n"
    if SECTION in text:
        head, _, rest = text.partition(SECTION)
        following = min((i for i in (rest.find("\n### "), rest.find("\n## ")) if i >= 0), default=-1)
        tail = rest[following + 1 :] if following >= 0 else ""
        text = head + report + ("\n" + tail if tail else "")
    else:
        text = text.rstrip("\n") + "\n\n" + report
    RESULTS.write_text(text)


if __name__ == "__main__":
    main()
