"""Running migrations from code (CLI, tests) with the package's own migration tree."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)


def head_revisions() -> set[str]:
    """The revisions at the head of the package's migration tree."""
    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def known_revisions() -> set[str]:
    """Every revision of the package's migration tree."""
    return {revision.revision for revision in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def current_revisions(connection: Connection) -> set[str]:
    """The revisions the database is at (empty for a database never migrated)."""
    return set(MigrationContext.configure(connection).get_current_heads())


def pending_revisions(url: str) -> list[str]:
    """The revisions ``upgrade(url)`` would apply, oldest first."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            current = current_revisions(connection)
    finally:
        engine.dispose()
    script = ScriptDirectory.from_config(alembic_config())
    pending = [revision.revision for revision in script.iterate_revisions("heads", tuple(current) or "base")]
    return [revision for revision in reversed(pending) if revision not in current]
