"""Export benchmark: a 200,000-member ``members`` export through a real server and its worker.

    .venv/bin/python -m bench.exports                       # SQLite in a temporary folder
    .venv/bin/python -m bench.exports --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test_exports_bench
    .venv/bin/python -m bench.exports --members 20000 --format ndjson
    .venv/bin/python -m bench.exports --smoke [--database-url postgresql+psycopg://.../test]

Method: fill a fresh database with N members in one club (bulk insert), start ``loyaltyhub serve``
(one process, the background worker inside it) on a free port, ``POST /v1/reporting/query/export``,
poll the job until done, stream the download, and count its rows with the ``csv`` module (or lines of
NDJSON). The row count is compared with the ``count`` aggregation of ``POST /v1/reporting/query``.
With ``--kill-midway`` the server is killed (SIGKILL) a quarter into the export and started again;
the restarted server's worker takes the job over once its heartbeat is stale (30 s) and finishes it,
and the download answers 409 until then.
Memory is the server process's peak resident set size (``VmHWM`` in ``/proc/<pid>/status``), read
after the export, next to its resident size just before the export started. WARNING: a PostgreSQL
URL's database is emptied (its ``public`` schema is dropped).

``--smoke``: 500 members, a CSV then an NDJSON export from one server, each checked like a full run
(rows and memory); on SQLite, or with a PostgreSQL ``--database-url`` in a new database
``<its name>_exports_smoke`` (dropped afterwards).
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text

from bench._smoke import agree, check, scratch_database
from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.wiring import unit_of_work

MEMORY_TARGET_MB = 300
SMOKE_MEMBERS = 500
ACTIVE = ("queued", "running")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


def _reset(url: str) -> None:
    """An empty, migrated database."""
    if not url.startswith("sqlite"):
        engine = make_engine(url, pool_size=1)
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    migrate.upgrade(url)


def _fill(url: str, members: int, seed: int) -> str:
    """One club with ``members`` members; returns a client token with every permit."""

    from loyaltyhub.auth.permits import all_permits
    from loyaltyhub.auth.service import create_client_token
    from loyaltyhub.clubs.service import create_club
    from loyaltyhub.members.models import AGE_BANDS, Member

    rng = random.Random(seed)
    engine = make_engine(url)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    with unit_of_work(engine, write=True) as session:
        club = create_club(
            session,
            slug="bench-mall",
            name="Bench Mall",
            timezone="Europe/Oslo",
            country="NO",
            default_language="no",
            languages=["no", "en"],
        )
        session.flush()
        token = create_client_token(
            session, name="bench", permits=[p.name for p in all_permits()], club_slugs=[club.slug]
        ).token
        club_id = club.id
    batch = 10_000
    for offset in range(0, members, batch):
        rows: list[dict[str, Any]] = []
        for _ in range(offset, min(offset + batch, members)):
            sms = rng.random() < 0.4
            when = start + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400))
            rows.append(
                {
                    "loyalty_club_id": club_id,
                    "properties": {"interests": rng.sample(["cars", "food", "fashion", "kids", "sport"], 2)},
                    "consents": {"sms_marketing": {"status": sms, "updated_at": when.isoformat()}},
                    "optin_channel": rng.choice(["android-app", "ios-app", "website", "webforms"]),
                    "optin_platform": rng.choice(["android", "ios", "website", "webforms", "other"]),
                    "gender": rng.choice(["woman", "man", "other", None]),
                    "age": rng.choice(AGE_BANDS),
                    "birth_year_group": rng.choice(range(1940, 2010, 5)),
                    "favorite_stores": rng.sample(range(1, 60), rng.randrange(0, 4)),
                    "marketing_via_sms": sms,
                    "marketing_via_anything": sms,
                    "location_country": "NO",
                    "created_at": when,
                    "updated_at": when,
                    "sms_status": "verified" if sms else "disabled",
                }
            )
        with engine.begin() as connection:
            connection.execute(insert(Member), rows)
    engine.dispose()
    return token


class Server:
    """``loyaltyhub serve`` in a subprocess (one process; the background worker runs inside it)."""

    def __init__(self, url: str, export_dir: Path, port: int) -> None:
        env = {
            **os.environ,
            "LOYALTYHUB_DATABASE_URL": url,
            "LOYALTYHUB_EXPORT_DIR": str(export_dir),
            "LOYALTYHUB_RUN_WORKER_IN_SERVER": "true",
            "LOYALTYHUB_RATELIMIT_REPORTING_CAPACITY": "100000",
        }
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "loyaltyhub"), "serve", "--port", str(port)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                httpx.get(f"{self.base}/openapi.json", timeout=2)
                return
            except httpx.TransportError:
                time.sleep(0.1)
        raise SystemExit("the server did not start")

    def status_mb(self, key: str) -> float:
        return round(_status_kb(self.process.pid, key) / 1024, 1)

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


def _wait(
    http: httpx.Client, job: dict[str, Any], until: Any = lambda job: job["status"] not in ACTIVE
) -> dict[str, Any]:
    while not until(job):
        time.sleep(0.2)
        job = http.get(f"/v1/reporting/exports/{job['id']}").json()
    return job


def _count_rows(http: httpx.Client, job: dict[str, Any], fmt: str, folder: Path) -> int:
    downloaded = folder / f"download.{fmt}"
    with http.stream("GET", job["download_url"]) as download, downloaded.open("wb") as out:
        for chunk in download.iter_bytes():
            out.write(chunk)
    with downloaded.open(encoding="utf-8", newline="") as file:
        if fmt == "csv":
            return sum(1 for _ in csv.reader(file)) - 1
        return sum(1 for line in file if line.strip())


def run(url: str | None, members: int, fmt: str, seed: int, kill_midway: bool = False) -> dict[str, Any]:
    """One export of ``fmt`` from a freshly filled database."""
    return run_exports(url, members, [fmt], seed, kill_midway)[0]


def run_exports(
    url: str | None, members: int, formats: list[str], seed: int, kill_midway: bool = False
) -> list[dict[str, Any]]:
    """Fill a fresh database, start the server, and export each format in turn from it (the peak
    resident set is the server's so far)."""
    with tempfile.TemporaryDirectory(prefix="loyaltyhub-bench-exports-") as tmp:
        url = url or f"sqlite:///{Path(tmp) / 'bench.db'}"
        export_dir = Path(tmp) / "exports"
        t0 = time.perf_counter()
        _reset(url)
        token = _fill(url, members, seed)
        fill_seconds = round(time.perf_counter() - t0, 1)
        backend = url.split(":", 1)[0].split("+", 1)[0]

        port = _free_port()
        headers = {"X-Client-Authorization": token, "X-Loyalty-Club-Slug": "bench-mall"}
        server = Server(url, export_dir, port)
        results = []
        try:
            with httpx.Client(base_url=server.base, headers=headers, timeout=600) as http:
                for fmt in formats:
                    result: dict[str, Any] = {"backend": backend, "members": members, "format": fmt}
                    result["fill_seconds"] = fill_seconds
                    result["server_rss_before_mb"] = server.status_mb("VmRSS")
                    t1 = time.perf_counter()
                    job = http.post("/v1/reporting/query/export", json={"report": "members", "format": fmt}).json()
                    if kill_midway:
                        job = _wait(http, job, lambda job: job["rows"] >= members // 4 or job["status"] not in ACTIVE)
                        if job["status"] != "running":
                            raise SystemExit(f"the export was not running when the server was to be killed: {job}")
                        result["killed_at_rows"] = job["rows"]
                        server.kill()
                        server = Server(url, export_dir, port)
                        job = http.get(f"/v1/reporting/exports/{job['id']}").json()
                        result["after_restart_status"] = job["status"]
                        early = http.get(f"/v1/reporting/exports/{job['id']}/download")
                        result["download_before_done"] = early.status_code
                    job = _wait(http, job)
                    result["export_seconds"] = round(time.perf_counter() - t1, 1)
                    if job["status"] != "done":
                        raise SystemExit(f"export ended {job['status']}: {job.get('error')}")
                    rows = _count_rows(http, job, fmt, Path(tmp))
                    counted = http.post("/v1/reporting/query", json={"report": "members", "aggregate_by": "count"})
                    count = counted.json()["records"][0]["members_count"]
                    result["server_peak_rss_mb"] = server.status_mb("VmHWM")
                    results.append(_summary(result, job, rows, count, kill_midway))
        finally:
            server.stop()
    return results


def _summary(result: dict[str, Any], job: dict[str, Any], rows: int, count: int, kill_midway: bool) -> dict[str, Any]:
    peak = result["server_peak_rss_mb"]
    result.update(
        rows_per_second=round(rows / result["export_seconds"]) if result["export_seconds"] else None,
        file_mb=round(job["size_bytes"] / 1e6, 1),
        rows=rows,
        job_rows=job["rows"],
        count_aggregation=count,
        ok=rows == count == job["rows"] == result["members"] and peak < MEMORY_TARGET_MB,
    )
    if kill_midway:
        result["ok"] = result["ok"] and result["download_before_done"] == 409
    return result


def smoke(database_url: str | None, *, name: str = "exports_smoke") -> None:
    """A small export in each format; fails when the rows downloaded, the job's rows, the ``count``
    aggregation and the members inserted disagree, or the server's memory passes the target."""
    with scratch_database(database_url or "sqlite", name) as url:
        results = run_exports(url, SMOKE_MEMBERS, ["csv", "ndjson"], seed=7)
    for result in results:
        print(result, flush=True)
        _check_smoke(result)


def _check_smoke(result: dict[str, Any]) -> None:
    fmt = result["format"]
    agree(
        f"{result['backend']} {fmt} export: rows",
        downloaded=result["rows"],
        job=result["job_rows"],
        count_aggregation=result["count_aggregation"],
        inserted=SMOKE_MEMBERS,
    )
    peak = result["server_peak_rss_mb"]
    check(f"{result['backend']} {fmt} export: server peak {peak} MB < {MEMORY_TARGET_MB} MB", peak < MEMORY_TARGET_MB)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temporary folder")
    parser.add_argument("--members", type=int, default=200_000)
    parser.add_argument("--format", choices=["csv", "ndjson"], default="csv")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--kill-midway",
        action="store_true",
        help="SIGKILL the server a quarter into the export, start it again, and check the job still completes",
    )
    parser.add_argument("--smoke", action="store_true", help="a 500-member export per format, checked; no report")
    args = parser.parse_args()
    if args.smoke:
        smoke(args.database_url)
        return
    result = run(args.database_url, args.members, args.format, args.seed, args.kill_midway)
    for key, value in result.items():
        print(f"{key:>22}: {value}")
    if not result["ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
