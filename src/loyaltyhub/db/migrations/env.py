"""Alembic environment: one migration tree for SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from alembic import context
from sqlalchemy import Connection

from loyaltyhub.db.engine import make_engine
from loyaltyhub.models import Base
from loyaltyhub.settings import Settings

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    return config.get_main_option("sqlalchemy.url") or Settings().database_url


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


@contextmanager
def _sqlite_foreign_keys_off(connection: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while the migrations run, checked after them (Alembic's advice for batch mode).

    A batch operation SQLite cannot do in place (a unique constraint added, say) rebuilds the table: a copy, then
    ``DROP TABLE`` of the original. With foreign keys on, that drop deletes every row referring to it with
    ``ON DELETE CASCADE``: rebuilding ``loyalty_clubs`` would empty every club's data. The pragma only takes
    effect outside a transaction, so it is set on the driver's connection before the migrations begin theirs."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.dbapi_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
        broken = driver.execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migrations left rows referring to rows that do not exist: {broken[:10]}")
    finally:
        driver.execute("PRAGMA foreign_keys=ON")


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url(), pool_size=1)
    try:
        with engine.connect() as connection, _sqlite_foreign_keys_off(connection):
            _run(connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
