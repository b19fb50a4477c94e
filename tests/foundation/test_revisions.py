"""``db/revisions.py`` (what ``/readyz`` uses, without Alembic) reads the same migration tree and the same
database revision as Alembic does."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from loyaltyhub.db import migrate, revisions
from loyaltyhub.db.engine import make_engine


def test_the_tree_is_alembics_tree() -> None:
    script = ScriptDirectory.from_config(migrate.alembic_config())
    assert revisions.head_revisions() == frozenset(script.get_heads())
    assert revisions.known_revisions() == {revision.revision for revision in script.walk_revisions()}
    for revision in script.walk_revisions():
        assert revisions.tree()[revision.revision] == frozenset(revision._all_down_revisions)


def test_the_database_revision_is_alembics(scratch_url: str) -> None:
    engine = make_engine(scratch_url, pool_size=1)
    try:
        with engine.connect() as connection:
            assert revisions.current_revisions(connection) == frozenset()  # never migrated: no version table
        for target in ("0007", "head"):
            migrate.upgrade(scratch_url, target)
            with engine.connect() as connection:
                expected = set(MigrationContext.configure(connection).get_current_heads())
                assert revisions.current_revisions(connection) == expected
        assert expected == set(revisions.head_revisions())
    finally:
        engine.dispose()
