"""Migration 0005 matches the reporting models and downgrades cleanly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from loyaltyhub.models import Base

TABLES = {
    "members_grouped_counts",
    "member_balance_events",
    "members_count_snapshots",
    "offer_usage_hourly",
    "reporting_rollup_states",
}


def _touches_reporting(diff) -> bool:
    items = diff if isinstance(diff, list) else [diff]
    for item in items:
        for part in item:
            table = getattr(part, "table", None)
            name = getattr(part, "name", None)
            if name in TABLES or getattr(table, "name", None) in TABLES:
                return True
    return False


def test_reporting_tables_match_the_models(engine):
    with engine.connect() as connection:
        diffs = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diffs if _touches_reporting(d)] == []


def test_downgrade_to_0004_and_back(database_url, tmp_path):
    from loyaltyhub.db import migrate

    url = f"sqlite:///{tmp_path / 'm.db'}"
    migrate.upgrade(url, "0005")
    migrate.downgrade(url, "0004")
    migrate.upgrade(url, "head")
