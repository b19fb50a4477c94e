"""The only module that knows SQLite from PostgreSQL.

Business code never branches on the dialect: it calls the functions here (engine setup, the
transaction-scoped lock used by idempotency, time bucketing for reports...).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Boolean, ColumnElement, Engine, and_, bindparam, cast, event, func, text, true
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session

WRITE_INTENT_OPTION = "loyaltyhub_write_intent"


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    return _dialect_name(bind) == "sqlite"


def _dialect_name(bind: Engine | Connection | Session) -> str:
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN (so savepoints and BEGIN IMMEDIATE work).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write_intent = connection.get_execution_options().get(WRITE_INTENT_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent else "BEGIN")


def try_transaction_lock(session: Session, name: str) -> bool:
    """Take a lock named ``name`` until the current transaction ends; False if someone holds it.

    PostgreSQL: a transaction-level advisory lock. SQLite: write transactions are already
    serialized by ``BEGIN IMMEDIATE``, so nobody else can be holding it.
    """
    if is_sqlite(session):
        return True
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


def insert_ignore(session: Session, table: Any, values: dict[str, Any], conflict_columns: list[str]) -> bool:
    """``INSERT ... ON CONFLICT (conflict_columns) DO NOTHING``; True when the row was inserted.

    A concurrent insert of the same key waits for the other transaction and then does nothing, so
    the caller can follow with ``SELECT ... FOR UPDATE`` on a row that is sure to exist.
    """
    if is_sqlite(session):
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement: Any = sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    else:
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement = pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=conflict_columns)
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    key = next(iter(table.primary_key.columns))
    return session.execute(statement.returning(key)).first() is not None


_INSERT_OR_LOCK: dict[tuple[str, str, tuple[str, ...]], Any] = {}


def insert_or_lock(session: Session, table: Any, values: dict[str, Any], conflict_columns: list[str]) -> Any:
    """Create the row of ``conflict_columns`` if missing and return it, locked until the transaction ends.

    One statement: ``INSERT ... ON CONFLICT (...) DO UPDATE SET <first other column> = <itself>
    RETURNING *``. On PostgreSQL the no-op update takes the row lock (like ``SELECT ... FOR UPDATE``),
    waiting for a concurrent holder and then returning the row as it committed; on SQLite the write
    transaction already holds the database lock (``BEGIN IMMEDIATE``). The statement is built once per
    table and dialect (a rebuildable cache).
    """
    name = _dialect_name(session)
    key = (table.name, name, tuple(conflict_columns))
    statement = _INSERT_OR_LOCK.get(key)
    if statement is None:
        keep = next(c for c in table.columns if c.name not in conflict_columns and not c.primary_key)
        if name == "sqlite":
            from sqlalchemy.dialects.sqlite import insert as sqlite_insert

            statement = sqlite_insert(table)
        else:
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            statement = pg_insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=conflict_columns, set_={keep.name: table.c[keep.name]}
        ).returning(*table.columns)
        _INSERT_OR_LOCK[key] = statement
    return session.execute(statement, values).one()


class json_contains(ColumnElement[bool]):
    """SQL condition: the JSON object ``column`` holds every key of ``subset`` with an equal value.

    PostgreSQL: ``column @> subset`` (jsonb containment). SQLite: for each key,
    ``json_extract(column, '$."key"') IS json_extract(<value as JSON>, '$')``, which compares scalars
    by type and nested values by their minified JSON text. Keys and values are bound parameters.
    """

    inherit_cache = False
    type = Boolean()

    def __init__(self, column: Any, subset: dict[str, Any]) -> None:
        self.column = column
        self.subset = subset


@compiles(json_contains)
def _json_contains_sqlite(element: json_contains, compiler: Any, **kw: Any) -> str:
    parts = [
        func.json_extract(element.column, bindparam(None, "$." + json.dumps(key), unique=True)).is_(
            func.json_extract(bindparam(None, json.dumps(value), unique=True), "$")
        )
        for key, value in element.subset.items()
    ]
    return compiler.process(and_(true(), *parts), **kw)


@compiles(json_contains, "postgresql")
def _json_contains_postgresql(element: json_contains, compiler: Any, **kw: Any) -> str:
    subset = cast(bindparam(None, json.dumps(element.subset), unique=True), JSONB)
    return compiler.process(element.column.op("@>")(subset), **kw)


def json_array_contains(session: Session, column: Any, value: int | str) -> Any:
    """SQL condition: the JSON array in ``column`` holds ``value`` (JSONB ``@>`` / SQLite ``json_each``)."""
    from sqlalchemy import exists, func, select

    if is_sqlite(session):
        each = func.json_each(column).table_valued("value")
        return exists(select(1).select_from(each).where(each.c.value == value))
    return column.op("@>")(func.jsonb_build_array(value))
