"""Staff console benchmark (issue 20): time from navigation to drawn charts of the dashboard, measured in
headless Chromium against ``loyaltyhub serve`` on the Reporting benchmark's data (PostgreSQL).

The data is :func:`bench.reporting.generate`'s (members, 200 offers and usages over the 90 days before
its fixed ``NOW``); the dashboard is opened with a custom range over those 90 days, so every chart reads
the whole generated history. The numbers are the page's own ``performance.now()`` when its first chart is drawn
(``data-first-chart-ms``) and when every chart is (``data-charts-ms``), set by ``static/console.js``: server
time, transfer, Chart.js and drawing. Each chart is its own request, loaded side by side.

    .venv/bin/python -m bench.console --members 1000000 --usages 10000000
    .venv/bin/python -m bench.console --reuse --db test_reporting_bench   # on data bench.reporting made
    .venv/bin/python -m bench.console --smoke                             # tiny data, one run, checks

``--smoke`` also checks that the uses chart adds up to the usages generated in the range.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
from tests.ops.servers import environment, serve

from bench._smoke import agree, check, postgres_base_url, scratch_database
from bench.reporting import DAYS, NOW, SERVER_URL, TZ, database_url, dsn, generate, load_meta, log

CHROMIUM = "/usr/bin/chromium"
EMAIL, PASSWORD = "bench@console.example", "bench console password"
SMOKE_MEMBERS, SMOKE_USAGES = 2_000, 20_000


def add_staff_user(url: str) -> None:
    from loyaltyhub.auth.service import create_user
    from loyaltyhub.db.engine import make_engine
    from loyaltyhub.wiring import unit_of_work

    engine = make_engine(url, pool_size=1)
    try:
        with unit_of_work(engine, write=True) as session:
            create_user(session, email=EMAIL, password=PASSWORD, role="admin", club_slugs=["bench-mall"])
    finally:
        engine.dispose()


def period() -> tuple[date, date]:
    """The dashboard's days covering the generated usages (``DAYS`` days up to ``NOW``, in the club's zone)."""
    last = NOW.astimezone(ZoneInfo(TZ)).date()
    return last - timedelta(days=DAYS), last


def dashboard_path() -> str:
    first, last = period()
    return f"/console/bench-mall/dashboard?range=custom&from={first}&to={last}"


def measure(base: str, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900})
            page.set_default_timeout(120_000)
            page.goto(f"{base}/console/login")
            page.get_by_label("E-mail").fill(EMAIL)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/console/bench-mall/**")
            timings: list[float] = []
            firsts: list[float] = []
            uses: list[int] = []
            for run in range(runs + 1):  # the first one warms the server up
                page.goto(base + dashboard_path())
                page.wait_for_selector("html[data-charts-ms]")
                if run:
                    timings.append(float(page.get_attribute("html", "data-charts-ms") or "nan"))
                    firsts.append(float(page.get_attribute("html", "data-first-chart-ms") or "nan"))
                uses = page.evaluate(
                    "() => Chart.getChart(document.getElementById('canvas-uses')).data.datasets[0].data"
                )
        finally:
            browser.close()
    return {
        "runs": timings,
        "median_ms": statistics.median(timings),
        "first_chart_runs": firsts,
        "first_chart_median_ms": statistics.median(firsts),
        "uses_in_chart": sum(uses),
    }


def usages_in_range(url: str, club: int) -> int:
    """The club's usages in the dashboard's days, counted by hand-written SQL."""
    first, last = period()
    zone = ZoneInfo(TZ)
    start = datetime.combine(first, time(), zone)
    end = datetime.combine(last + timedelta(days=1), time(), zone)
    with psycopg.connect(dsn(url)) as conn:
        row = conn.execute(
            "SELECT count(*) FROM offer_usages WHERE loyalty_club_id = %s AND used_at >= %s AND used_at < %s",
            [club, start, end],
        ).fetchone()
    return int(row[0]) if row else 0


def bench(url: str, runs: int) -> dict[str, Any]:
    add_staff_user(url)
    meta = load_meta(url)
    with tempfile.TemporaryDirectory(prefix="loyaltyhub-bench-console-") as tmp:
        env = environment(url, LOYALTYHUB_RATELIMIT_ENABLED="false", LOYALTYHUB_TENANCY_AUDIT="false")
        with serve(env, Path(tmp), Path(tmp) / "server.log") as base:
            result = measure(base, runs)
    return {"members": meta["members"], "usages": meta["usages"], "club": meta["club"], **result}


def smoke(database_url_: str | None) -> dict[str, Any]:
    with scratch_database(postgres_base_url(database_url_), "console_smoke") as url:
        meta = generate(url, SMOKE_MEMBERS, SMOKE_USAGES)
        result = bench(url, runs=1)
        expected = usages_in_range(url, meta["club"])
    print(json.dumps(result, indent=2))
    check("the dashboard drew its charts", result["median_ms"] > 0, result)
    agree("uses in the chart vs usages in the range", chart=result["uses_in_chart"], sql=expected)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--usages", type=int, default=10_000_000)
    parser.add_argument("--db", default="test_console_bench")
    parser.add_argument("--database-url", default=None, help="the PostgreSQL server (its database names nothing)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="time on data generated by an earlier run")
    parser.add_argument("--smoke", action="store_true", help="tiny data, one run, checks; writes nothing")
    args = parser.parse_args()
    if args.smoke:
        smoke(args.database_url)
        return
    url = database_url(args.database_url or SERVER_URL, args.db)
    if not args.reuse:
        generate(url, args.members, args.usages)
    result = bench(url, args.runs)
    log(json.dumps(result))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
