"""The benchmarks' smoke modes fail when a benchmark's SQL breaks or its answers disagree.

``make bench-smoke`` (run by ``.ci/run``) runs every benchmark's smoke mode, which runs every statement
the benchmark has; these tests prove a smoke run fails, not merely logs, on a statement that names a
removed column (the way ``bench/reporting.py`` rotted after migration 0007) and on answers that differ.
Each runs a smoke mode in-process with one statement altered, on its own PostgreSQL database
(``<test database>_<name>``), and checks that database was dropped afterwards.
"""

from __future__ import annotations

import psycopg
import pytest
from bench import __main__ as runner
from bench import reporting, use_offer
from bench._smoke import SmokeFailure, agree, scratch_database
from sqlalchemy import make_url, text

from loyaltyhub.db import migrate
from loyaltyhub.db.engine import make_engine
from tests.member_offers import live

# What bench/reporting.py inserted before migration 0007 moved offers' uses into their stock shards.
OFFERS_SQL_BEFORE_0007 = reporting.OFFERS_SQL.replace(
    "cms_tag_ids, grants_count,", "cms_tag_ids, uses_count, grants_count,"
)
OFFERS_SQL_BEFORE_0007 = OFFERS_SQL_BEFORE_0007.replace("'[]'::jsonb, 0,\n", "'[]'::jsonb, 0, 0,\n")


@pytest.fixture
def postgres_base(database_url: str) -> str:
    """The suite's PostgreSQL database, whose name prefixes the smoke runs' (its tables are not used;
    the fixture is requested so this worker sets the suite's database up first, as every test does)."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the use and reporting benchmarks run on PostgreSQL")
    return database_url


def database_exists(base_url: str, name: str) -> bool:
    engine = make_engine(base_url, pool_size=1)
    with engine.connect() as connection:
        found = connection.execute(
            text("SELECT count(*) FROM pg_database WHERE datname = :name"),
            {"name": f"{make_url(base_url).database}_{name}"},
        ).scalar_one()
    engine.dispose()
    return bool(found)


def test_every_benchmark_module_has_a_smoke_mode():
    assert set(runner.modules()) == set(runner.BENCHMARKS) | set(runner.NOT_BENCHMARKS)


def test_agree_fails_on_different_answers():
    assert agree("same", http=[1, 2], sql=[1, 2]) == [1, 2]
    with pytest.raises(SmokeFailure, match="the answers disagree: http = \\[1, 2\\]; sql = \\[1, 3\\]"):
        agree("different", http=[1, 2], sql=[1, 3])


def test_the_statement_before_0007_is_what_the_test_breaks():
    assert "uses_count" in OFFERS_SQL_BEFORE_0007 and "uses_count" not in reporting.OFFERS_SQL
    assert OFFERS_SQL_BEFORE_0007.count("0, 0,") == 1


@pytest.mark.slow
def test_reporting_smoke_fails_on_a_removed_column(postgres_base, monkeypatch):
    monkeypatch.setattr(reporting, "OFFERS_SQL", OFFERS_SQL_BEFORE_0007)
    with pytest.raises(psycopg.errors.UndefinedColumn, match="uses_count"):
        reporting.smoke(postgres_base, name="reporting_broken")
    assert not database_exists(postgres_base, "reporting_broken")


@pytest.mark.slow
def test_reporting_smoke_fails_when_the_hand_written_sql_disagrees(postgres_base, monkeypatch):
    """In this process the first case's hand-written SQL leaves out one gender: the report through HTTP
    and the engine still count it, so the answers differ."""
    declared = reporting.cases

    def cases(club):
        altered = declared(club)
        altered[0] = {
            **altered[0],
            "sql": altered[0]["sql"].replace("deleted_at IS NULL", "deleted_at IS NULL AND gender <> 'man'"),
        }
        return altered

    monkeypatch.setattr(reporting, "cases", cases)
    with pytest.raises(SmokeFailure, match="members gender_count"):
        reporting.smoke(postgres_base, name="reporting_disagreeing")
    assert not database_exists(postgres_base, "reporting_disagreeing")


def test_a_failing_use_fails_the_use_benchmark(postgres_base, monkeypatch):
    """A statement of the raw use transaction naming a removed column fails the measurement (it used
    to end only that client's thread); the API's and the floor's failures are raised alike."""
    broken = use_offer.RAW_USE[0].replace("SELECT c.*, m.*, o.*,", "SELECT c.*, m.*, o.*, o.uses_count,")
    assert broken != use_offer.RAW_USE[0]
    monkeypatch.setattr(use_offer, "RAW_USE", [broken, *use_offer.RAW_USE[1:]])
    with scratch_database(postgres_base, "use_offer_broken") as url:
        migrate.upgrade(url)
        seeded = live.seed(url, slug="broken-use", members=2, offers=[{"stock": 10}])
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        club_id = live_club_id(url, seeded.slug)

        def worker(i: int, resources):
            return use_offer.raw_worker(dsn, seeded.slug, club_id, seeded.offer_ids[0], seeded.member_ids[i], resources)

        with pytest.raises(psycopg.errors.UndefinedColumn, match="uses_count"):
            use_offer.run_clients(2, 0.2, worker)
    assert not database_exists(postgres_base, "use_offer_broken")


def live_club_id(url: str, slug: str) -> int:
    engine = make_engine(url, pool_size=1)
    with engine.connect() as connection:
        club_id = connection.execute(text("SELECT id FROM loyalty_clubs WHERE slug = :s"), {"s": slug}).scalar_one()
    engine.dispose()
    return club_id
