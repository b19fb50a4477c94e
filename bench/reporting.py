"""Reporting API benchmark on PostgreSQL (issue 6).

Generates members and offer usages at scale with ``INSERT ... SELECT generate_series`` into its own
database, starts the real server (uvicorn) against it, and times four queries through HTTP against
hand-written SQL giving the same answer, in the same run (median of N runs each, after a warm-up):

1. ``members`` aggregated by ``gender_count``;
2. ``members_grouped_count`` (first page);
3. ``offers_usages_stats`` 1d over 90 days, aggregated by ``member_gender``;
4. ``offers_usages_history`` 1h over 3 days.

    .venv/bin/python -m bench.reporting --members 1000000 --usages 10000000
    .venv/bin/python -m bench.reporting --reuse          # time again on the generated data
    .venv/bin/python -m bench.reporting --smoke          # tiny data, one run, checks; writes nothing

Every case's four answers must be equal, or the benchmark exits non-zero. ``--smoke`` generates 2,000
members and 20,000 usages in ``<test database>_reporting_smoke`` (dropped afterwards), times each case
once, and also checks the generated offers' uses (their stock shards) against their usages.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from http.client import HTTPConnection
from typing import Any

import httpx
import psycopg
from sqlalchemy.engine import make_url

from bench._smoke import SmokeFailure, agree, check, postgres_base_url, scratch_database
from loyaltyhub.offers.stock import SHARDS
from loyaltyhub.wiring import unit_of_work

SERVER_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
DEFAULT_DB = "test_reporting_bench"
TZ = "Europe/Oslo"
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
DAYS = 90
SMOKE_MEMBERS, SMOKE_USAGES = 2_000, 20_000


def database_url(server_url: str, db: str) -> str:
    """The SQLAlchemy URL of database ``db`` on the server of ``server_url``."""
    return make_url(server_url).set(database=db).render_as_string(hide_password=False)


def dsn(url: str) -> str:
    """``url`` (SQLAlchemy) for psycopg."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


# --- data -----------------------------------------------------------------------------------------


def create_database(url: str) -> None:
    db = make_url(url).database
    with psycopg.connect(dsn(database_url(url, "postgres")), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db}"')
        conn.execute(f'CREATE DATABASE "{db}"')
    from loyaltyhub.db import migrate

    migrate.upgrade(url)


def setup_clubs_and_token(url: str) -> tuple[int, int, str]:

    from loyaltyhub.auth.permits import all_permits
    from loyaltyhub.auth.service import create_client_token
    from loyaltyhub.clubs.service import create_club
    from loyaltyhub.db.engine import make_engine

    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        big = create_club(
            session,
            slug="bench-mall",
            name="Bench Mall",
            timezone=TZ,
            country="NO",
            default_language="no",
            languages=["no"],
        )
        small = create_club(
            session,
            slug="bench-other",
            name="Bench Other",
            timezone=TZ,
            country="NO",
            default_language="no",
            languages=["no"],
        )
        session.flush()
        token = create_client_token(
            session, name="bench", permits=[p.name for p in all_permits()], club_slugs=["bench-mall", "bench-other"]
        ).token
        ids = (big.id, small.id)
    engine.dispose()
    return ids[0], ids[1], token


MEMBERS_SQL = """
INSERT INTO members (
    loyalty_club_id, properties, consents, sms_status, email_status, push_status, optin_channel, optin_subchannel,
    optin_platform, subunit_ids, group_ids, favorite_stores, gender, age, birth_year_group, marketing_via_sms,
    marketing_via_email, marketing_via_push, marketing_via_anything, msisdn_country, location_country,
    city_place_id, place_id, push_devices, created_at, updated_at)
SELECT
    CASE WHEN g %% 10 = 0 THEN %(small)s ELSE %(big)s END,
    jsonb_build_object('interests', jsonb_build_array((ARRAY['cars','swimming','food','fashion'])[1 + h %% 4])),
    jsonb_build_object('sms_marketing', jsonb_build_object('status', h %% 3 = 0),
                       'email_marketing', jsonb_build_object('status', h %% 5 < 2)),
    (ARRAY['disabled','enabled','verified'])[1 + h %% 3],
    (ARRAY['disabled','enabled','verified'])[1 + (h / 3) %% 3],
    (ARRAY['disabled','enabled'])[1 + (h / 7) %% 2],
    (ARRAY['android-app','ios-app','webforms','default'])[1 + (h / 11) %% 4],
    CASE WHEN h %% 13 = 0 THEN '2242' ELSE NULL END,
    (ARRAY['android','ios','webforms','other'])[1 + (h / 11) %% 4],
    '[]'::jsonb,
    jsonb_build_array(1 + h %% 20),
    '[]'::jsonb,
    (ARRAY['woman','man',NULL,'other'])[1 + (h / 17) %% 4],
    (ARRAY['15-19','20-24','25-29','30-34','35-39','40-44','45-49','50-54','55-59','60-64'])[1 + (h / 19) %% 10],
    1950 + 5 * ((h / 23) %% 12),
    h %% 3 = 0, h %% 5 < 2, (h / 7) %% 2 = 1, h %% 3 = 0 OR h %% 5 < 2 OR (h / 7) %% 2 = 1,
    'NO', 'NO',
    (ARRAY['3143244','3161732','3133880'])[1 + (h / 29) %% 3],
    (ARRAY['3143244','3161732','3133880'])[1 + (h / 29) %% 3],
    (h / 7) %% 2,
    %(now)s - make_interval(secs => (h %% (86400 * 400))),
    %(now)s
FROM (SELECT g, (g * 2654435761) %% 4294967291 AS h FROM generate_series(1, %(n)s) AS g) AS s
"""

GROUPED_SQL = """
INSERT INTO members_grouped_counts (loyalty_club_id, grouping_type, grouping_value, members_count, updated_at)
SELECT loyalty_club_id, grouping_type, grouping_value, count(*), now() FROM (
    SELECT loyalty_club_id, 'optin_channel' AS grouping_type, optin_channel AS grouping_value FROM members
    UNION ALL SELECT loyalty_club_id, 'optin_platform', optin_platform FROM members
    UNION ALL SELECT loyalty_club_id, 'birth_year_group', birth_year_group::text FROM members
    UNION ALL SELECT loyalty_club_id, 'country', location_country FROM members
    UNION ALL SELECT loyalty_club_id, 'gender', gender FROM members
    UNION ALL SELECT m.loyalty_club_id, 'group_id', e.v FROM members m, jsonb_array_elements_text(m.group_ids) AS e(v)
    UNION ALL SELECT m.loyalty_club_id, CASE WHEN (c.value ->> 'status')::boolean THEN 'consent_true'
                                              ELSE 'consent_false' END, c.key
              FROM members m, jsonb_each(m.consents) AS c
) AS groups WHERE grouping_value IS NOT NULL
GROUP BY loyalty_club_id, grouping_type, grouping_value
"""

OFFERS_SQL = """
INSERT INTO offers (loyalty_club_id, type, status, name, description, usage_authorization_token_required, extras,
                    files, cms_tag_ids, grants_count, created_at, updated_at)
SELECT %(club)s, (ARRAY['regular','birthday','exclusive','welcome'])[1 + g %% 4], 'published',
       jsonb_build_object('en', 'Offer ' || g), '{}'::jsonb, false, '{}'::jsonb, '[]'::jsonb, '[]'::jsonb, 0,
       %(now)s, %(now)s
FROM generate_series(1, %(n)s) AS g
"""

USAGES_SQL = """
INSERT INTO offer_usages (loyalty_club_id, offer_id, member_id, used_at, authorized, authorization_type, offer_type,
                          store_id, collection_ids, member_gender, member_age, member_place_id, member_city_place_id)
SELECT CASE WHEN g %% 10 = 0 THEN %(small)s ELSE %(big)s END,
       %(first_offer)s + h %% %(offers)s,
       %(first_member)s + h %% %(members)s,
       %(now)s - make_interval(secs => (h %% (86400 * %(days)s))),
       h %% 4 = 0, CASE WHEN h %% 4 = 0 THEN 'token' ELSE NULL END,
       (ARRAY['regular','birthday','exclusive','welcome'])[1 + h %% 4],
       NULL, '[]'::jsonb,
       (ARRAY['woman','man',NULL,'other'])[1 + (h / 17) %% 4],
       (ARRAY['15-19','20-24','25-29','30-34','35-39','40-44','45-49','50-54','55-59','60-64'])[1 + (h / 19) %% 10],
       (ARRAY['3143244','3161732','3133880'])[1 + (h / 29) %% 3],
       (ARRAY['3143244','3161732','3133880'])[1 + (h / 29) %% 3]
FROM (SELECT g, (g * 2654435761) %% 4294967291 AS h FROM generate_series(%(start)s::int, %(stop)s::int) AS g) AS s
"""


# An offer's uses are counted in its stock shards (migration 0007, ``loyaltyhub.offers.stock``): the
# generated usages are recorded as a bulk of uses is (``stock.add_uses``), all on shard 0, with no
# allowance (the offers have no stock). Usages of the other club name the queried club's offers (the
# data is hash-derived, not a history): an offer counts only its own club's.
SHARDS_SQL = """
INSERT INTO offer_stock_shards (loyalty_club_id, offer_id, shard, uses_count, allowance)
SELECT o.loyalty_club_id, o.id, s.shard, CASE WHEN s.shard = 0 THEN coalesce(u.uses, 0) ELSE 0 END, NULL
FROM offers AS o
CROSS JOIN generate_series(0, %(shards)s - 1) AS s(shard)
LEFT JOIN (SELECT loyalty_club_id, offer_id, count(*) AS uses FROM offer_usages GROUP BY 1, 2) AS u
       ON u.loyalty_club_id = o.loyalty_club_id AND u.offer_id = o.id
"""


def generate(url: str, members: int, usages: int) -> dict[str, Any]:
    create_database(url)
    big, small, token = setup_clubs_and_token(url)
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        started = time.monotonic()
        conn.execute(MEMBERS_SQL, {"big": big, "small": small, "now": NOW, "n": members})
        log(f"members: {members} rows in {time.monotonic() - started:.1f}s")
        conn.execute(GROUPED_SQL)
        conn.execute(OFFERS_SQL, {"club": big, "now": NOW, "n": 200})
        first_member = conn.execute("SELECT min(id) FROM members").fetchone()[0]
        first_offer = conn.execute("SELECT min(id) FROM offers").fetchone()[0]
        started = time.monotonic()
        chunk = 1_000_000
        for start in range(1, usages + 1, chunk):
            conn.execute(
                USAGES_SQL,
                {
                    "big": big,
                    "small": small,
                    "first_offer": first_offer,
                    "offers": 200,
                    "first_member": first_member,
                    "members": members,
                    "now": NOW,
                    "days": DAYS,
                    "start": start,
                    "stop": min(usages, start + chunk - 1),
                },
            )
            log(f"usages: {min(usages, start + chunk - 1)} rows ({time.monotonic() - started:.0f}s)")
        conn.execute(SHARDS_SQL, {"shards": SHARDS})
        conn.execute("VACUUM ANALYZE")
    build_rollup(url)
    meta = {"club": big, "other_club": small, "token": token, "members": members, "usages": usages}
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_meta (data jsonb)")
        conn.execute("DELETE FROM bench_meta")
        conn.execute("INSERT INTO bench_meta VALUES (%s)", [json.dumps(meta)])
    return meta


def build_rollup(url: str) -> None:
    """Bulk-loaded usages are rolled up at once (the worker job then keeps the rollup current)."""

    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.reporting import rollups

    engine = make_engine(url)
    started = time.monotonic()
    with unit_of_work(engine, write=True) as session:
        rollups.rebuild(session)
    engine.dispose()
    with psycopg.connect(dsn(url), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE offer_usage_hourly")
    log(f"hourly usage rollup built in {time.monotonic() - started:.1f}s")


def load_meta(url: str) -> dict[str, Any]:
    with psycopg.connect(dsn(url)) as conn:
        return conn.execute("SELECT data FROM bench_meta").fetchone()[0]


# --- the four cases -------------------------------------------------------------------------------


def cases(club: int) -> list[dict[str, Any]]:
    stats_from, stats_to = NOW - timedelta(days=DAYS), NOW
    hist_to = NOW.replace(minute=0, second=0)
    hist_from = hist_to - timedelta(days=3)
    return [
        {
            "name": "members gender_count",
            "body": {"report": "members", "aggregate_by": "gender_count"},
            "sql": "SELECT loyalty_club_id, gender, count(*) FROM members WHERE loyalty_club_id = %(club)s "
            "AND deleted_at IS NULL GROUP BY 1, 2 ORDER BY 1, 2 NULLS LAST",
            "shape": lambda a: sorted((r["gender"] or "", r["members_count"]) for r in a["records"]),
            "sql_shape": lambda rows: sorted((g or "", n) for _, g, n in rows),
        },
        {
            "name": "members_grouped_count",
            "body": {"report": "members_grouped_count"},
            # The same columns as the report's records (the answer is the same, not a subset of it).
            "sql": "SELECT loyalty_club_id, grouping_type, grouping_value, members_count, updated_at "
            "FROM members_grouped_counts WHERE loyalty_club_id = %(club)s AND members_count > 0 ORDER BY id LIMIT 100",
            "shape": lambda a: [(r["grouping_type"], r["grouping_value"], r["members_count"]) for r in a["records"]],
            "sql_shape": lambda rows: [(r[1], r[2], r[3]) for r in rows],
        },
        {
            "name": "offers_usages_stats 1d/90 days by member_gender",
            "body": {
                "report": "offers_usages_stats",
                "interval": "1d",
                "aggregate_by": "member_gender",
                "from": stats_from.isoformat(),
                "to": stats_to.isoformat(),
            },
            "sql": "SELECT member_gender, count(*) FROM offer_usages WHERE loyalty_club_id = %(club)s "
            "AND used_at >= date_trunc('day', %(from)s AT TIME ZONE 'Europe/Oslo') AT TIME ZONE 'Europe/Oslo' "
            "AND used_at < %(to)s GROUP BY 1",
            "params": {"from": stats_from, "to": stats_to},
            "shape": lambda a: sorted((s["label"]["member_gender"] or "", s["value"]) for s in a["series"]),
            "sql_shape": lambda rows: sorted((g or "", n) for g, n in rows),
        },
        {
            "name": "offers_usages_history 1h/3 days",
            "body": {
                "report": "offers_usages_history",
                "interval": "1h",
                "from": hist_from.isoformat(),
                "to": hist_to.isoformat(),
            },
            "sql": "SELECT date_trunc('hour', used_at AT TIME ZONE 'Europe/Oslo') AS b, count(*) FROM offer_usages "
            "WHERE loyalty_club_id = %(club)s AND used_at >= %(from)s AND used_at < %(to)s GROUP BY 1 ORDER BY 1",
            "params": {"from": hist_from, "to": hist_to},
            "shape": lambda a: a["series"][0]["values"],
            "sql_shape": lambda rows: [n for _, n in rows],
        },
    ]


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_server(url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "LOYALTYHUB_DATABASE_URL": url,
        "LOYALTYHUB_RUN_WORKER_IN_SERVER": "false",
        "LOYALTYHUB_RATELIMIT_ENABLED": "false",
        "LOYALTYHUB_ENV": "dev",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "bench.reporting_app:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
    )
    for _ in range(100):
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode} (port {port} in use?)")
        try:
            httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1)
            return server
        except httpx.HTTPError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("server did not start")


def timed(fn: Any, runs: int, warmup: int = 20) -> tuple[float, Any]:
    # Warm-up (plan caches, buffers, prepared statements, the server's first calls): at least once, and
    # for cheap cases up to ``warmup`` times or 0.5 s, so a few-ms case is timed in its steady state.
    started = time.perf_counter()
    for _ in range(max(warmup, 1)):
        fn()
        if time.perf_counter() - started > 0.5:
            break
    times, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def run(url: str, runs: int, port: int, only: str | None = None, warmup: int = 20) -> list[dict[str, Any]]:
    meta = load_meta(url)
    club = meta["club"]
    headers = {"X-Client-Authorization": meta["token"], "X-Customer": str(club)}
    port = port or free_port()
    server = start_server(url, port)
    results = []
    from sqlalchemy.orm import Session

    from loyaltyhub.auth.context import CustomerAccess
    from loyaltyhub.auth.permits import all_permits
    from loyaltyhub.auth.principal import Principal
    from loyaltyhub.clubs.models import LoyaltyClub
    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.reporting.engine import run_query

    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as session:
        access = CustomerAccess(
            principal=Principal(kind="client", id=0, name="bench", grants=()),
            clubs=(session.get(LoyaltyClub, club),),
            permits=frozenset(p.name for p in all_permits()),
            organization_context=False,
        )
    # A keep-alive ``http.client`` connection: far less client CPU than httpx (about 1.5 ms less per
    # request here), so the HTTP column measures the server rather than the load generator. A new one
    # per case: the server closes a connection idle for 5 s (while the slow hand-written SQL runs).
    http = HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        with psycopg.connect(dsn(url)) as conn:
            conn.execute("SET TIME ZONE 'UTC'")
            for index, case in enumerate(cases(club)):
                if only and only not in case["name"]:
                    continue
                http.close()

                def post(path: str, payload: str) -> Any:
                    http.request("POST", path, body=payload, headers={**headers, "Content-Type": "application/json"})
                    response = http.getresponse()
                    data = response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{response.status}: {data[:300]!r}")
                    return json.loads(data)

                def over_http(case: dict[str, Any] = case) -> Any:
                    return post("/v1/reporting/query", json.dumps(case["body"]))

                def by_hand_over_http(index: int = index) -> Any:
                    return post(f"/bench/hand-written/{index}", "")["rows"]

                def by_hand(case: dict[str, Any] = case) -> Any:
                    # prepare=False: planned for its parameters each time (see bench/reporting_app.py).
                    return conn.execute(case["sql"], {"club": club, **case.get("params", {})}, prepare=False).fetchall()

                def in_process(case: dict[str, Any] = case) -> Any:
                    with unit_of_work(engine, write=False) as session:
                        return run_query(session, access, case["body"])

                # Alternating the two HTTP measurements: a drift in machine load hits both alike.
                api_seconds, answer = timed(over_http, runs, warmup)
                sql_http_seconds, http_rows = timed(by_hand_over_http, runs, warmup)
                api_seconds = min(api_seconds, timed(over_http, runs, warmup)[0])
                sql_http_seconds = min(sql_http_seconds, timed(by_hand_over_http, runs, warmup)[0])
                engine_seconds, engine_answer = timed(in_process, runs, warmup)
                sql_seconds, rows = timed(by_hand, runs, warmup)
                same = (
                    case["shape"](answer)
                    == case["sql_shape"](rows)
                    == case["shape"](engine_answer)
                    == case["sql_shape"](http_rows)
                )
                results.append(
                    {
                        "case": case["name"],
                        "http_s": api_seconds,
                        "sql_http_s": sql_http_seconds,
                        "engine_s": engine_seconds,
                        "sql_s": sql_seconds,
                        "http_ratio": api_seconds / sql_http_seconds,
                        "http_to_bare_sql_ratio": api_seconds / sql_seconds if sql_seconds else float("inf"),
                        "engine_ratio": engine_seconds / sql_seconds if sql_seconds else float("inf"),
                        "same_answer": same,
                        "answer_size": len(case["sql_shape"](rows)),
                    }
                )
                log(
                    f"{case['name']}: HTTP report {api_seconds * 1000:.2f} ms, HTTP hand-written SQL "
                    f"{sql_http_seconds * 1000:.2f} ms ({api_seconds / sql_http_seconds:.2f}x), engine "
                    f"{engine_seconds * 1000:.2f} ms, SQL alone {sql_seconds * 1000:.2f} ms, same={same}"
                )
    finally:
        http.close()
        server.terminate()
        server.wait(10)
        engine.dispose()
    return results


def check_agreement(results: list[dict[str, Any]]) -> None:
    """Every case's four answers were equal (the report through HTTP, in-process, the hand-written SQL
    alone and through HTTP)."""
    differing = [result["case"] for result in results if not result["same_answer"]]
    if differing:
        raise SmokeFailure(f"the report and its hand-written SQL disagree: {', '.join(differing)}")


def check_offer_uses(url: str, club: int) -> None:
    """The generated offers' uses as the product reads them (``Offer.uses_count``: their stock shards)
    are their usages."""
    from sqlalchemy import func, select

    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.member_offers.models import OfferUsage
    from loyaltyhub.offers.models import Offer

    engine = make_engine(url, pool_size=1)
    with unit_of_work(engine, write=False) as session:
        uses = dict(session.execute(select(Offer.id, Offer.uses_count).where(Offer.loyalty_club_id == club)).all())
        usages = session.execute(
            select(OfferUsage.offer_id, func.count())
            .where(OfferUsage.loyalty_club_id == club)
            .group_by(OfferUsage.offer_id)
        ).all()
    engine.dispose()
    agree("offers' uses_count vs their usages", offers=uses, usages={offer: 0 for offer in uses} | dict(usages))


def smoke(database_url: str | None, *, name: str = "reporting_smoke") -> list[dict[str, Any]]:
    """Tiny data, one timed run per case (one warm-up call); fails when an answer disagrees or is empty."""
    with scratch_database(postgres_base_url(database_url), name) as url:
        meta = generate(url, SMOKE_MEMBERS, SMOKE_USAGES)
        check_offer_uses(url, meta["club"])
        results = run(url, runs=1, port=0, warmup=1)
    print(json.dumps(results, indent=2))
    check_agreement(results)
    agree("cases timed", timed=[r["case"] for r in results], declared=[c["name"] for c in cases(0)])
    for result in results:
        check(f"{result['case']}: the same answer four ways, {result['answer_size']} rows", result["answer_size"] > 0)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--usages", type=int, default=10_000_000)
    parser.add_argument("--db", default=DEFAULT_DB, help="the benchmark's database (created anew unless --reuse)")
    parser.add_argument(
        "--database-url",
        help="PostgreSQL server to use (its database is ignored, except by --smoke: its name prefixes the smoke's)",
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--port", type=int, default=0, help="0: any free port")
    parser.add_argument("--reuse", action="store_true", help="time on the data generated by a previous run")
    parser.add_argument("--only", help="time only the cases whose name contains this text")
    parser.add_argument("--rebuild-rollup", action="store_true", help="with --reuse: build the usage rollup again")
    parser.add_argument("--smoke", action="store_true", help="tiny data, one run, checks the answers; writes nothing")
    args = parser.parse_args()
    if args.smoke:
        smoke(args.database_url)
        return
    url = database_url(args.database_url or SERVER_URL, args.db)
    if not args.reuse:
        log(f"generating {args.members} members and {args.usages} usages in {args.db}")
        generate(url, args.members, args.usages)
    elif args.rebuild_rollup:
        build_rollup(url)
    meta = load_meta(url)
    results = run(url, args.runs, args.port, args.only)
    print(json.dumps({"members": meta["members"], "usages": meta["usages"], "results": results}, indent=2))
    check_agreement(results)


if __name__ == "__main__":
    main()
