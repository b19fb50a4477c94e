"""Migration 0004 matches the member_offers models exactly."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from loyaltyhub.models import Base

TABLES = {"member_offer_counters", "offer_usages", "offer_use_refusals", "offer_likes", "offer_events"}


def _table_of(diff) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:]:
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None and getattr(table, "name", None):
            return table.name
        if name in TABLES:
            return name
        if isinstance(part, str) and part in TABLES:
            return part
    return None


def test_migrated_tables_match_the_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diffs = [d for d in compare_metadata(context, Base.metadata) if _table_of(d) in TABLES]
    assert diffs == []
