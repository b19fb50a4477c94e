"""A real server for concurrency tests and the benchmark: a fresh database (its own PostgreSQL
database or a temp SQLite file), migrated and seeded, served by uvicorn in a subprocess."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url

from loyaltyhub.auth.permits import all_permits
from loyaltyhub.auth.service import create_client_token
from loyaltyhub.clubs.service import create_club
from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from loyaltyhub.members.models import Member
from loyaltyhub.offers.models import Offer
from loyaltyhub.wiring import unit_of_work

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REPOSITORY = Path(__file__).resolve().parents[2]
"""Where the server runs (its working directory: ``bench`` is importable from there)."""
PUBLIC_HEADERS = {"X-Product-Name": "live-test", "X-User-Agent": "loyaltyhub live test"}


def postgres_base_url() -> str | None:
    """The PostgreSQL server to create live databases on: the test run's database, else (the benchmark)
    the machine's ``test`` database on the local server (only its name is used: live databases are
    ``test_<suffix>`` beside it)."""
    url = os.environ.get("LOYALTYHUB_TEST_DATABASE_URL", "").strip()
    candidate = url if url.startswith("postgresql") else DEFAULT_PG
    try:
        engine = make_engine(candidate, pool_size=1)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception:
        return None
    return candidate


def fresh_postgres(base_url: str, suffix: str) -> str:
    """Drop and create ``<base database>_<suffix>``; its URL."""
    url = make_url(base_url)
    name = f"{url.database}_{suffix}"
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


def drop_postgres(database_url: str) -> None:
    url = make_url(database_url)
    admin = make_engine(url.set(database="postgres").render_as_string(hide_password=False), pool_size=1)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def fresh_sqlite(directory: Path) -> str:
    return f"sqlite:///{directory / 'live.db'}"


@dataclass
class Seeded:
    slug: str
    token: str
    member_ids: list[int]
    offer_ids: list[int] = field(default_factory=list)


def seed(
    database_url: str,
    *,
    slug: str,
    members: int,
    offers: list[dict[str, Any]],
    offer_active_seconds: int = 900,
) -> Seeded:
    """A club with an all-permit client token, ``members`` members and the given offers."""
    engine = make_engine(database_url, pool_size=1)
    with unit_of_work(engine, write=False) as session:
        club = create_club(
            session,
            slug=slug,
            name=slug,
            timezone="Europe/Oslo",
            country="NO",
            default_language="no",
            offer_active_seconds=offer_active_seconds,
        )
        token = create_client_token(
            session,
            name=f"{slug} app",
            permits=[p.name for p in all_permits()],
            club_slugs=[slug],
            organization=None,
            is_global=False,
            product_name="live-test",
        ).token
        member_ids = list(
            session.scalars(
                insert(Member).returning(Member.id),
                [
                    {"loyalty_club_id": club.id, "properties": {}, "consents": {}, "gender": "male", "age": "25-29"}
                    for _ in range(members)
                ],
            )
        )
        offer_ids = []
        for fields in offers:
            offer = Offer(loyalty_club_id=club.id, status="published", type="regular", name={"no": "Tilbud"}, **fields)
            session.add(offer)
            session.flush()
            offer_ids.append(offer.id)
        session.commit()
    engine.dispose()
    return Seeded(slug=slug, token=token, member_ids=sorted(member_ids), offer_ids=offer_ids)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(
    database_url: str,
    *,
    workers: int = 1,
    timeout: float = 120.0,
    app: str = "loyaltyhub.asgi:app",
    tenancy_audit: bool = False,
    cli: bool = False,
    env: dict[str, str] | None = None,
) -> Iterator[str]:
    """Migrate ``database_url`` and serve it with uvicorn; yields the base URL. ``app`` is the ASGI app to
    serve (the benchmark serves its own floor app on the same database). Tests switch the tenancy audit on
    (a statement without a club criterion is then a 500); benchmarks leave it off, as production does.
    ``cli`` runs the production command, ``loyaltyhub serve``, instead of ``python -m loyaltyhub.ops.server``
    (the same server for any app); ``env`` adds settings."""
    migrate.upgrade(database_url)
    port = free_port()
    env = {
        **os.environ,
        "LOYALTYHUB_DATABASE_URL": database_url,
        "LOYALTYHUB_RUN_WORKER_IN_SERVER": "false",
        "LOYALTYHUB_RATELIMIT_ENABLED": "false",
        "LOYALTYHUB_ENV": "test",
        "LOYALTYHUB_ACCESS_LOG": "false",  # as uvicorn's --no-access-log below: benchmarks measure the API
        "LOYALTYHUB_TENANCY_AUDIT": "true" if tenancy_audit else "false",
        **(env or {}),
    }
    if cli:
        command = [str(Path(sys.executable).parent / "loyaltyhub"), "serve", "--port", str(port)]
        command += ["--workers", str(workers)]
    else:
        # uvicorn as `loyaltyhub serve` runs it: with several workers, a listening socket each
        # (loyaltyhub.ops.server), so a client's connections are spread over the workers.
        command = [sys.executable, "-m", "loyaltyhub.ops.server", app, "--host", "127.0.0.1", "--port", str(port)]
        command += ["--workers", str(workers), "--log-level", "warning", "--no-access-log"]
    process = subprocess.Popen(command, env=env, cwd=REPOSITORY)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            try:
                httpx.get(f"{base}/healthz", timeout=2)  # any answer: the server listens (the floor app has no route)
                break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
