"""Where one request's time goes (``.venv/bin/python -m bench.profile_request``).

Runs the ASGI app in-process (no server, no HTTP client: the request is handed to the app as an ASGI
scope) against a real PostgreSQL and, for

1. ``POST /v3/{slug}/members/{id}/offers/{offer_id}/use`` (a fresh database ``<test db>_profile``,
   seeded like ``bench.use_offer``),
2. ``GET /v3/{slug}/members/{id}/offers`` in a club with 1,000 live offers and 100 grants (seeded like
   ``bench.use_offer``'s list measurement), and
3. ``POST /v1/reporting/query {"report": "members_grouped_count"}`` on the reporting benchmark's
   database (``test_reporting_bench``, when it exists),

prints the median time per request, the SQL statements one request issues (with the time spent in
them), and a cProfile of many requests (``--profile``), sorted by cumulative time.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from loyaltyhub.app import create_app
from loyaltyhub.db.engine import make_engine
from loyaltyhub.settings import Settings


class StatementLog:
    """Counts the statements an engine sends, and the time spent waiting for them."""

    width = int(os.environ.get("PROFILE_SQL_WIDTH", "150"))  # characters of each statement printed

    def __init__(self, engine: Engine) -> None:
        self.statements: list[tuple[str, float]] = []
        self._started: float = 0.0
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_args: Any) -> None:
        self._started = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        self.statements.append((" ".join(statement.split())[: self.width], time.perf_counter() - self._started))

    def clear(self) -> None:
        self.statements.clear()


def asgi_call(app: Any, method: str, path: str, headers: dict[str, str], body: bytes = b"") -> Callable[[], Any]:
    """A coroutine factory sending one request to ``app``; the coroutine returns (status, body)."""
    raw_headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    raw_headers.append((b"content-length", str(len(body)).encode()))
    if body:
        raw_headers.append((b"content-type", b"application/json"))

    async def call() -> tuple[int, bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": raw_headers,
            "client": ("127.0.0.1", 50000),
            "server": ("127.0.0.1", 8000),
            "state": {},
            "app": app,
        }
        sent = False
        status, chunks = 0, []

        async def receive() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            await asyncio.sleep(3600)
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return status, b"".join(chunks)

    return call


async def measure(
    app: Any, log: StatementLog, name: str, call: Callable[[], Any], *, requests: int, profile: bool
) -> None:
    for _ in range(20):  # warm-up: statement caches, pool, plan caches
        status, body = await call()
        if status != 200:
            raise SystemExit(f"{name}: {status} {body[:300]!r}")
    log.clear()
    await call()
    statements = list(log.statements)
    times = []
    cpu_started = time.process_time()
    for _ in range(requests):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    cpu = (time.process_time() - cpu_started) / requests
    print(
        f"\n== {name}: median {statistics.median(times) * 1000:.2f} ms, p90 "
        f"{sorted(times)[int(0.9 * len(times))] * 1000:.2f} ms over {requests} requests; "
        f"CPU of this process {cpu * 1000:.2f} ms per request"
    )
    print(f"   {len(statements)} SQL statements, {sum(t for _, t in statements) * 1000:.2f} ms in them:")
    for sql, seconds in statements:
        print(f"   {seconds * 1000:6.2f} ms  {sql}")
    if profile == "tree":
        from pyinstrument import Profiler

        tree = Profiler(interval=0.0001, async_mode="disabled")
        tree.start()
        for _ in range(requests):
            await call()
        tree.stop()
        print(tree.output_text(unicode=False, color=False, show_all=False, short_mode=False))
    elif profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(requests):
            await call()
        profiler.disable()
        stats = pstats.Stats(profiler)
        by_package: dict[str, float] = {}
        for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
            package = package_of(filename)
            by_package[package] = by_package.get(package, 0.0) + tottime
        total = sum(by_package.values())
        print(f"   own time by package (profiled, {total / requests * 1000:.2f} ms per request):")
        for package, seconds in sorted(by_package.items(), key=lambda kv: -kv[1])[:14]:
            print(f"   {seconds / requests * 1000:6.3f} ms  {seconds / total:5.1%}  {package}")
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


def package_of(filename: str) -> str:
    if "site-packages/" in filename:
        return filename.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/src/loyaltyhub/" in filename:
        return "loyaltyhub." + filename.split("/src/loyaltyhub/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if filename.startswith("<") or filename == "~":
        return "builtins"
    return "stdlib:" + filename.rsplit("/", 1)[-1]


def settings_for(url: str, ratelimit: bool) -> Settings:
    return Settings(database_url=url, run_worker_in_server=False, ratelimit_enabled=ratelimit, env="test")


async def run_app(url: str, ratelimit: bool, body: Callable[[Any, StatementLog], Any]) -> None:
    engine = make_engine(url)
    log = StatementLog(engine)
    app = create_app(settings_for(url, ratelimit), engine=engine, start_background_jobs=False)
    async with app.router.lifespan_context(app):
        await body(app, log)
    engine.dispose()


def profile_on_fresh_database(
    args: argparse.Namespace, name: str, method: str, prepare: Callable[[str], tuple[str, dict[str, str]]]
) -> None:
    """Profile one request on a new migrated PostgreSQL database; ``prepare(url)`` seeds it and gives the
    request's path and headers."""
    from tests.member_offers import live

    from loyaltyhub.db import migrate

    base_url = live.postgres_base_url()
    if base_url is None:
        raise SystemExit("PostgreSQL is required")
    url = live.fresh_postgres(base_url, "profile")
    try:
        migrate.upgrade(url)
        path, headers = prepare(url)

        async def body(app: Any, log: StatementLog) -> None:
            call = asgi_call(app, method, path, headers)
            await measure(app, log, name, call, requests=args.requests, profile=args.profile)

        asyncio.run(run_app(url, args.ratelimit, body))
    finally:
        live.drop_postgres(url)


def seed_use(url: str) -> tuple[str, dict[str, str]]:
    from tests.member_offers import live

    seeded = live.seed(url, slug="profile-use", members=2, offers=[{"stock": 10**9}], offer_active_seconds=0)
    path = f"/v3/{seeded.slug}/members/{seeded.member_ids[0]}/offers/{seeded.offer_ids[0]}/use"
    return path, {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}


def seed_list(url: str) -> tuple[str, dict[str, str]]:
    from tests.member_offers import live

    from bench.use_offer import seed_list_club

    seeded, member_id = seed_list_club(url)
    path = f"/v3/{seeded.slug}/members/{member_id}/offers"
    return path, {"X-Client-Authorization": seeded.token, **live.PUBLIC_HEADERS}


def profile_reporting(args: argparse.Namespace) -> None:
    import psycopg

    from bench.reporting import pg_url, sa_url

    try:
        with psycopg.connect(pg_url(args.reporting_db)) as conn:
            meta = conn.execute("SELECT data FROM bench_meta").fetchone()[0]
    except psycopg.Error as exc:
        print(f"(reporting database {args.reporting_db} not usable: {exc})")
        return
    headers = {"X-Client-Authorization": meta["token"], "X-Customer": str(meta["club"])}
    payload = json.dumps({"report": "members_grouped_count"}).encode()

    async def body(app: Any, log: StatementLog) -> None:
        call = asgi_call(app, "POST", "/v1/reporting/query", headers, payload)
        await measure(app, log, "reporting members_grouped_count", call, requests=args.requests, profile=args.profile)

    asyncio.run(run_app(sa_url(args.reporting_db), args.ratelimit, body))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument(
        "--profile",
        nargs="?",
        const="cprofile",
        choices=["cprofile", "tree"],
        help="print a cProfile of the requests (tree: a pyinstrument call tree, if installed)",
    )
    parser.add_argument("--ratelimit", action="store_true", help="rate limiting on (the benchmarks run with it off)")
    parser.add_argument("--reporting-db", default="test_reporting_bench")
    parser.add_argument("--only", choices=["use", "list", "reporting"])
    parser.add_argument(
        "--inline", action="store_true", help="run thread-pool calls inline (so cProfile sees the sync code)"
    )
    args = parser.parse_args()
    if args.inline:
        import anyio.to_thread

        async def inline(func: Callable[..., Any], *fargs: Any, **_kwargs: Any) -> Any:
            return func(*fargs)

        anyio.to_thread.run_sync = inline  # type: ignore[assignment]
    if args.only in (None, "use"):
        profile_on_fresh_database(args, "use offer", "POST", seed_use)
    if args.only in (None, "list"):
        profile_on_fresh_database(args, "member offer list", "GET", seed_list)
    if args.only in (None, "reporting"):
        profile_reporting(args)


if __name__ == "__main__":
    main()
