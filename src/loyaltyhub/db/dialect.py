"""The only module that knows SQLite from PostgreSQL.

Business code never branches on the dialect: it calls the functions here (engine setup, the
transaction-scoped lock used by idempotency, time bucketing for reports...).
"""

from __future__ import annotations

import functools
import hashlib
import json
import select
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Boolean, ColumnElement, Engine, and_, bindparam, cast, column, event, func, text, true, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, DisconnectionError, InvalidRequestError, OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import GenerativeSelect
from sqlalchemy.sql.visitors import InternalTraversal

WRITE_INTENT_OPTION = "loyaltyhub_write_intent"
READS_OUTSIDE_TRANSACTION_OPTION = "loyaltyhub_reads_outside_transaction"


def is_sqlite(bind: Engine | Connection | Session) -> bool:
    return _dialect_name(bind) == "sqlite"


def _dialect_name(bind: Engine | Connection | Session) -> str:
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def configure_engine(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "checkout", _check_pg_connection)
        event.listen(engine, "before_cursor_execute", _begin_before_anything_but_a_plain_read)


def reads_outside_transaction(engine: Engine) -> Engine:
    """An engine view for request sessions: on PostgreSQL its plain ``SELECT`` statements run
    without ``BEGIN`` and ``COMMIT`` (two round trips of a three-statement read), and a transaction begins
    before its first other statement (a write, a ``SELECT ... FOR UPDATE``, a text statement, a streamed
    read), so whatever such a request writes or locks is still one transaction, committed or rolled back
    as a whole. At PostgreSQL's READ COMMITTED every statement of a transaction takes a fresh snapshot
    anyway, so reads see what they saw inside one. SQLite keeps its transaction: there it is the snapshot
    that makes a request's reads agree (``docs/decisions/http.md``)."""
    if engine.dialect.name != "postgresql":
        return engine
    return engine.execution_options(isolation_level="AUTOCOMMIT", **{READS_OUTSIDE_TRANSACTION_OPTION: True})


def _begin_before_anything_but_a_plain_read(
    connection: Connection, cursor: Any, _statement: str, _parameters: Any, context: Any, _executemany: bool
) -> None:
    """On a connection of :func:`reads_outside_transaction`, turn psycopg's autocommit off before the first
    statement that is not a plain read: psycopg then sends ``BEGIN`` before it, and the request's commit
    ends the transaction (the pool restores the setting when the connection is returned)."""
    if not connection.get_execution_options().get(READS_OUTSIDE_TRANSACTION_OPTION):
        return
    dbapi_connection = cursor.connection
    if dbapi_connection.autocommit and not _plain_read(context):
        dbapi_connection.autocommit = False


def only_read_outside_transaction(session: Session) -> bool:
    """The session's transaction never reached the database: every statement it ran was a plain read of
    :func:`reads_outside_transaction`. Ending it sends nothing (psycopg's rollback of an idle connection
    is a no-op), so it can be closed without a thread."""
    transaction = session.get_transaction()
    # The connections the transaction holds (SQLAlchemy keeps them by bind; no public accessor that does not
    # check one out, which could block the event loop this runs on).
    held = [entry[0] for entry in transaction._connections.values()] if transaction is not None else []
    if not held:
        return False
    for connection in held:
        if connection.closed or connection.invalidated:
            return False
        if not connection.get_execution_options().get(READS_OUTSIDE_TRANSACTION_OPTION):
            return False
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.autocommit or dbapi_connection.info.transaction_status != _PG_IDLE:
            return False
    return True


_PG_IDLE = 0  # psycopg.pq.TransactionStatus.IDLE


def _plain_read(context: Any) -> bool:
    """A compiled ``SELECT`` (or ``UNION``) without a row lock, read from an ordinary cursor: nothing to
    hold until commit. Anything else (text, DML, DDL, ``FOR UPDATE``/``FOR SHARE``, a server-side cursor) is not."""
    compiled = getattr(context, "compiled", None)
    if compiled is None or context.is_text or context.isinsert or context.isupdate or context.isdelete:
        return False
    if getattr(context, "_is_server_side", False):
        return False
    statement = compiled.statement
    return isinstance(statement, GenerativeSelect) and statement._for_update_arg is None  # SELECT, UNION


def _check_pg_connection(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """Refuse a pooled PostgreSQL connection that is dead, without a round trip (replaces
    ``pool_pre_ping``, which sent one per request): the connection must be open and idle, and its
    socket must have nothing to read. An idle connection receives nothing unless the server closed it
    (restart, ``pg_terminate_backend``, idle timeout), so a readable socket means it is gone. Raising
    ``DisconnectionError`` makes the pool discard it and connect again."""
    try:
        pgconn = dbapi_connection.pgconn
        if dbapi_connection.closed or pgconn.status != 0 or pgconn.transaction_status != 0:  # CONNECTION_OK, IDLE
            raise DisconnectionError("connection not open or not idle")
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except DisconnectionError:
        raise
    except Exception as exc:
        raise DisconnectionError(str(exc)) from exc
    if readable:
        raise DisconnectionError("the server closed the connection")


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
        _register_sqlite_functions(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        write_intent = connection.get_execution_options().get(WRITE_INTENT_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write_intent else "BEGIN")


def one_writer_at_a_time(session: Session) -> bool:
    """Whether the database lets one write transaction run at a time (SQLite: ``BEGIN IMMEDIATE`` takes the
    database's write lock), so a process should queue its writers before they take a thread to wait in."""
    return is_sqlite(session)


def is_transient(exc: BaseException) -> bool:
    """Whether a failure is worth retrying in a moment: SQLite's ``database is locked`` (another writer held
    the file past the busy timeout) or PostgreSQL's serialization failure / deadlock."""
    text_of = str(getattr(exc, "orig", exc)).lower()
    return "database is locked" in text_of or "deadlock detected" in text_of or "could not serialize" in text_of


_CHECKOUT_EXHAUSTED = "This connection is closed"
_CONNECTION_LOST_STATES = ("57P01", "57P02", "57P03")  # admin shutdown, crash shutdown, cannot connect now


def is_connection_lost(exc: BaseException) -> bool:
    """Whether a failure is the loss of the database connection: the server closed it or went away
    (``pg_terminate_backend``, a restart, a failover, the network) while a statement ran, or it could not
    be reached to open one. Whatever the transaction had not committed is gone with it."""
    if isinstance(exc, InvalidRequestError) and str(exc) == _CHECKOUT_EXHAUSTED:
        return True  # the pool found every connection it opened dead at checkout (see _check_pg_connection)
    if not isinstance(exc, DBAPIError):
        return False
    if exc.connection_invalidated:
        return True
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return sqlstate.startswith("08") or sqlstate in _CONNECTION_LOST_STATES
    # psycopg's own OperationalError (no SQLSTATE) is raised when connecting fails; SQLite has no connection.
    return isinstance(exc, OperationalError) and type(exc.orig).__module__.startswith("psycopg")


def try_transaction_lock(session: Session, name: str) -> bool:
    """Take a lock named ``name`` until the current transaction ends; False if someone holds it.

    PostgreSQL: a transaction-level advisory lock. SQLite: write transactions are already
    serialized by ``BEGIN IMMEDIATE``, so nobody else can be holding it.
    """
    if is_sqlite(session):
        return True
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    return bool(session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar())


# --- Reporting: time bucketing and JSON helpers (SQLAlchemy constructs compiled per dialect) ----------
#
# ``time_bucket(ts, tz, interval)`` buckets a UTC timestamp on a timezone's wall clock. Sub-day
# intervals (5m, 1h) give the bucket's start as a UTC instant (the two 02:00 hours of an autumn night
# stay apart); day and longer (1d, 1w from Monday, 1mo) give the local wall-clock start (naive),
# which ``bucket_instant`` maps back to the first instant showing it.

_TRUNC_UNITS = {"1h": "hour", "1d": "day", "1w": "week", "1mo": "month"}


class time_bucket(FunctionElement[Any]):
    inherit_cache = True
    name = "time_bucket"
    # The interval changes the SQL: it must be part of the statement cache key.
    _traverse_internals = [*FunctionElement._traverse_internals, ("interval", InternalTraversal.dp_string)]

    def __init__(self, column: Any, tz: Any, interval: str) -> None:
        if interval not in ("5m", *_TRUNC_UNITS):
            raise ValueError(f"unknown interval {interval}")
        self.interval = interval
        super().__init__(column, tz)


@compiles(time_bucket, "postgresql")
def _time_bucket_pg(element: time_bucket, compiler: Any, **kw: Any) -> str:
    column, tz = (compiler.process(clause, **kw) for clause in element.clauses)
    local = f"({column} AT TIME ZONE {tz})"
    if element.interval == "5m":
        return f"({column} - ({local} - date_bin('5 minutes', {local}, TIMESTAMP '2000-01-01')))"
    if element.interval == "1h":
        return f"({column} - ({local} - date_trunc('hour', {local})))"
    return f"date_trunc('{_TRUNC_UNITS[element.interval]}', {local})"


@compiles(time_bucket, "sqlite")
def _time_bucket_sqlite(element: time_bucket, compiler: Any, **kw: Any) -> str:
    column, tz = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"lh_time_bucket({column}, {tz}, '{element.interval}')"


def bucket_instant(value: Any, tz: ZoneInfo, interval: str) -> datetime:
    """The UTC start instant of a bucket value returned by ``time_bucket``."""
    from loyaltyhub.timebuckets import SUB_DAY, wall_to_instant

    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if interval in SUB_DAY:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return wall_to_instant(value.replace(tzinfo=None), tz)


def _sqlite_time_bucket(value: str | None, tz_name: str | None, interval: str) -> str | None:
    from loyaltyhub.timebuckets import SUB_DAY, bucket_start

    if value is None or tz_name is None:
        return None
    instant = datetime.fromisoformat(value).replace(tzinfo=UTC)
    tz = ZoneInfo(tz_name)
    start = bucket_start(instant, tz, interval)
    # Always with microseconds: the text form SQLAlchemy stores, so stored and computed values compare.
    if interval in SUB_DAY:
        return start.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    return start.astimezone(tz).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _register_sqlite_functions(dbapi_connection: Any) -> None:
    dbapi_connection.create_function("lh_time_bucket", 3, _sqlite_time_bucket, deterministic=True)


class json_array_overlaps(FunctionElement[bool]):
    """True when the JSON array ``column`` shares an element with ``values`` (ints or strings)."""

    inherit_cache = True
    name = "json_array_overlaps"
    type = Boolean()

    def __init__(self, column: Any, *values: Any) -> None:
        super().__init__(column, *values)


@compiles(json_array_overlaps, "postgresql")
def _overlaps_pg(element: json_array_overlaps, compiler: Any, **kw: Any) -> str:
    column, *values = element.clauses
    items = ", ".join(f"CAST({compiler.process(v, **kw)} AS TEXT)" for v in values)
    return (
        f"EXISTS (SELECT 1 FROM jsonb_array_elements_text({compiler.process(column, **kw)}) AS lh_e(v) "
        f"WHERE lh_e.v IN ({items}))"
    )


@compiles(json_array_overlaps, "sqlite")
def _overlaps_sqlite(element: json_array_overlaps, compiler: Any, **kw: Any) -> str:
    column, *values = element.clauses
    items = ", ".join(compiler.process(v, **kw) for v in values)
    return f"EXISTS (SELECT 1 FROM json_each({compiler.process(column, **kw)}) AS lh_e WHERE lh_e.value IN ({items}))"


class json_each_entry(FunctionElement[Any]):
    """Table-valued: the (key, value) entries of a JSON object column; use ``.table_valued("key", "value")``."""

    inherit_cache = True
    name = "json_each_entry"


@compiles(json_each_entry, "postgresql")
def _json_each_pg(element: json_each_entry, compiler: Any, **kw: Any) -> str:
    return f"jsonb_each({compiler.process(element.clauses, **kw)})"


@compiles(json_each_entry, "sqlite")
def _json_each_sqlite(element: json_each_entry, compiler: Any, **kw: Any) -> str:
    return f"json_each({compiler.process(element.clauses, **kw)})"


class json_array_items(FunctionElement[Any]):
    """Table-valued: the elements (as text) of the JSON array at key ``key`` of an object column."""

    inherit_cache = True
    name = "json_array_items"
    _traverse_internals = [*FunctionElement._traverse_internals, ("key", InternalTraversal.dp_string)]

    def __init__(self, column: Any, key: str) -> None:
        self.key = key
        super().__init__(column)


@compiles(json_array_items, "postgresql")
def _json_items_pg(element: json_array_items, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    value = f"{column} -> '{element.key}'"
    return f"jsonb_array_elements_text(CASE WHEN jsonb_typeof({value}) = 'array' THEN {value} ELSE '[]'::jsonb END)"


@compiles(json_array_items, "sqlite")
def _json_items_sqlite(element: json_array_items, compiler: Any, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    path = f"'$.{element.key}'"
    items = f"CASE WHEN json_type({column}, {path}) = 'array' THEN json_extract({column}, {path}) ELSE '[]' END"
    return f"json_each({items})"


class json_flag(FunctionElement[bool]):
    """Truthiness of JSON ``value`` or of its ``status`` key (consents: ``{status, updated_at}`` or a bool)."""

    inherit_cache = True
    name = "json_flag"
    type = Boolean()


@compiles(json_flag, "postgresql")
def _json_flag_pg(element: json_flag, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"(CASE WHEN jsonb_typeof({value}) = 'object' THEN COALESCE({value} -> 'status', 'false'::jsonb) "
        f"ELSE {value} END) NOT IN ('false'::jsonb, 'null'::jsonb, '0'::jsonb)"
    )


@compiles(json_flag, "sqlite")
def _json_flag_sqlite(element: json_flag, compiler: Any, **kw: Any) -> str:
    value = compiler.process(element.clauses, **kw)
    return (
        f"(CASE WHEN json_valid({value}) AND json_type({value}) = 'object' "
        f"THEN COALESCE(json_extract({value}, '$.status'), 0) ELSE COALESCE({value}, 0) END) NOT IN (0, '')"
    )


def upsert_add(
    session: Session, table: Any, keys: dict[str, Any], column: str, delta: int, values: dict[str, Any]
) -> None:
    """``INSERT keys + {column: delta} + values ON CONFLICT (keys) DO UPDATE column = column + delta``.

    One statement, so concurrent changes of the same counter never lose an update.
    """
    if is_sqlite(session):
        from sqlalchemy.dialects.sqlite import insert
    else:
        from sqlalchemy.dialects.postgresql import insert
    statement = insert(table).values({**keys, column: delta, **values})
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={column: table.c[column] + delta, **values}
    )
    session.execute(statement)


def fold_into(session: Session, changes: Any, totals: Any, keys: Sequence[str], amount: str) -> None:
    """Move every committed row of ``changes`` into ``totals``: per key, ``amount`` summed and added to the
    total of that key (inserted when new). Rows written meanwhile by open transactions stay for next time.

    PostgreSQL: one statement (``DELETE ... RETURNING`` feeding the upsert), so exactly the rows removed are
    added. SQLite: the two statements run in a write transaction, which no other writer can interleave.
    """
    names = ", ".join(keys)
    added = f"{amount} = {totals.name}.{amount} + excluded.{amount}"
    if is_sqlite(session):
        statements = [
            f"INSERT INTO {totals.name} ({names}, {amount}) SELECT {names}, SUM({amount}) FROM {changes.name}"
            f" WHERE 1 GROUP BY {names} ON CONFLICT ({names}) DO UPDATE SET {added}",
            f"DELETE FROM {changes.name}",
        ]
    else:
        statements = [
            f"WITH moved AS (DELETE FROM {changes.name} RETURNING {names}, {amount})"
            f" INSERT INTO {totals.name} ({names}, {amount}) SELECT {names}, SUM({amount}) FROM moved"
            f" GROUP BY {names} ON CONFLICT ({names}) DO UPDATE SET {added}"
        ]
    from loyaltyhub.db.tenancy import across_clubs

    for statement in statements:
        session.execute(across_clubs(text(statement)))


def _dialect_insert(dialect_name: str, table: Any) -> Any:
    """The dialect's ``INSERT`` (the one with ``ON CONFLICT``) into ``table``."""
    if dialect_name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    from sqlalchemy.dialects.postgresql import insert as pg_insert

    return pg_insert(table)


def _insert_doing_nothing_on_conflict(
    session: Session,
    table: Any,
    values: dict[str, Any] | list[dict[str, Any]] | None,
    conflict_columns: list[str] | None,
) -> Any:
    """``INSERT values ON CONFLICT [(conflict_columns)] DO NOTHING`` (any unique constraint without columns;
    no values: the parameters are given at execution)."""
    statement: Any = _dialect_insert(_dialect_name(session), table)
    if values is not None:
        statement = statement.values(values)
    return statement.on_conflict_do_nothing(index_elements=conflict_columns)


def insert_ignore(
    session: Session, table: Any, values: dict[str, Any] | list[dict[str, Any]], conflict_columns: list[str]
) -> bool:
    """``INSERT ... ON CONFLICT (conflict_columns) DO NOTHING`` of one row or several (one statement);
    True when a row was inserted.

    A concurrent insert of the same key waits for the other transaction and then does nothing, so
    the caller can follow with ``SELECT ... FOR UPDATE`` on a row that is sure to exist.
    """
    statement = _insert_doing_nothing_on_conflict(session, table, values, conflict_columns)
    # RETURNING, not rowcount: psycopg reports -1 for this statement.
    key = next(iter(table.primary_key.columns))
    return session.execute(statement.returning(key)).first() is not None


def insert_ignoring_duplicates(session: Session, table: Any, rows: list[dict[str, Any]]) -> int:
    """``INSERT ... ON CONFLICT DO NOTHING`` (any unique constraint) of several rows; how many were inserted."""
    if not rows:
        return 0
    key = next(iter(table.primary_key.columns))
    if not is_sqlite(session) and len(rows) > 1:
        # The rows as one JSON parameter: a multi-row VALUES of 1,000 dispatches has 14,000 bind parameters
        # for SQLAlchemy to compile and psycopg to parse, each time (most of preparing a sending's time).
        rows = _with_python_defaults(table, rows)
        return len(session.execute(*_unnest_insert(session, table, rows, [], [key.name])).all())
    if is_sqlite(session) and len(rows) > 1:
        statement = _insert_doing_nothing_on_conflict(session, table, None, None)
        return len(session.execute(statement.returning(key), rows).all())
    statement = _insert_doing_nothing_on_conflict(session, table, rows, None)
    return len(session.execute(statement.returning(key)).all())


def _with_python_defaults(table: Any, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``rows`` with the columns' Python-side defaults (``default=``) filled in where they are missing, as a
    Core INSERT would: a statement in SQL text does not apply them."""
    missing = {}
    for column_ in table.columns:
        default = column_.default
        if column_.name in rows[0] or default is None or column_.primary_key:
            continue
        if default.is_scalar:
            missing[column_.name] = default.arg
        elif default.is_callable:
            missing[column_.name] = default.arg(None)
    return [{**missing, **row} for row in rows] if missing else rows


@functools.lru_cache(maxsize=256)
def _one_row_insert_ignore_returning(
    dialect_name: str, table: Any, conflict_columns: tuple[str, ...], returning: tuple[str, ...]
) -> Any:
    """The statement of :func:`insert_ignore_returning` for one row given as execution parameters, built
    once: every change records its event through it, and building the statement with the row's values
    (then its cache key) cost more than the rest of the call."""
    statement = _dialect_insert(dialect_name, table).on_conflict_do_nothing(index_elements=list(conflict_columns))
    return statement.returning(*(table.c[name] for name in returning))


def insert_ignore_returning(
    session: Session, table: Any, rows: list[dict[str, Any]], conflict_columns: list[str], returning: list[str]
) -> list[Any]:
    """``INSERT rows ON CONFLICT (conflict_columns) DO NOTHING RETURNING returning``: the rows actually
    inserted (a row whose key exists, or is being inserted by a concurrent transaction that then commits,
    is skipped and not returned)."""
    if not rows:
        return []
    if len(rows) == 1:
        statement = _one_row_insert_ignore_returning(
            _dialect_name(session), table, tuple(conflict_columns), tuple(returning)
        )
        return list(session.execute(statement, rows[0]).all())
    if not is_sqlite(session):
        return list(session.execute(*_unnest_insert(session, table, rows, conflict_columns, returning)).all())
    # Several rows on SQLite: one cached statement executed with the rows as parameters. SQLAlchemy sends
    # them as multi-row INSERTs ("insertmanyvalues", RETURNING included) without compiling a statement of
    # rows × columns bind parameters each time (which cost more than the database's work for 1,000 rows).
    statement = _insert_doing_nothing_on_conflict(session, table, None, conflict_columns)
    return list(session.execute(statement.returning(*(table.c[name] for name in returning)), rows).all())


def among(session: Session, column: Any, values: list[Any]) -> ColumnElement[bool]:
    """``column IN (values)``; on PostgreSQL ``column = ANY(:array)``: one parameter, so the statement's
    text (parsed by the driver at each execution) does not grow with the number of values."""
    if is_sqlite(session):
        return column.in_(values)  # type: ignore[no-any-return]
    from sqlalchemy import any_
    from sqlalchemy.dialects.postgresql import ARRAY

    return column == any_(bindparam(None, values, type_=ARRAY(column.type)))  # type: ignore[no-any-return]


def insert_many(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """Insert many rows (each with the same keys) in as few round trips as the backend allows: one
    ``INSERT ... SELECT FROM unnest(arrays)`` on PostgreSQL, ``executemany`` on SQLite."""
    if not rows:
        return
    if is_sqlite(session) or len(rows) == 1:
        session.execute(table.insert(), rows)
    else:
        session.execute(*_unnest_insert(session, table, rows, None, None))


def _unnest_insert(
    session: Session,
    table: Any,
    rows: list[dict[str, Any]],
    conflict_columns: list[str] | None,
    returning: list[str] | None,
) -> tuple[Any, dict[str, Any]]:
    """PostgreSQL: ``INSERT INTO t (cols) SELECT cols FROM jsonb_to_recordset(:rows) AS r(col type, ...)
    [ON CONFLICT (...) DO NOTHING] [RETURNING ...]``: the rows travel as one JSON text, whatever their
    number (a multi-row VALUES of 1,000 rows has 8,000 placeholders for the driver to parse and bind, and
    array parameters are escaped element by element in Python). Timestamps go as ISO 8601 with offset."""
    pg = session.get_bind().dialect
    names = list(rows[0])
    definitions = []
    for name in names:
        column_type = table.c[name].type
        impl = column_type.dialect_impl(pg)
        is_json = isinstance(impl, JSONB) or impl.__class__.__name__ in ("JSON", "JSONB")
        definitions.append(f'"{name}" {"jsonb" if is_json else column_type.compile(dialect=pg)}')
    quoted = ", ".join(f'"{name}"' for name in names)
    sql = (
        f"INSERT INTO {table.name} ({quoted}) SELECT {quoted} "
        f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({', '.join(definitions)})"
    )
    if conflict_columns:
        sql += f" ON CONFLICT ({', '.join(conflict_columns)}) DO NOTHING"
    elif conflict_columns is not None:  # []: any unique constraint
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return text(sql), {"rows": json.dumps(rows, default=_json_value, separators=(",", ":"))}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        return value.isoformat()
    raise TypeError(f"cannot send {type(value).__name__} as JSON")


T = TypeVar("T")
DEADLOCK_DETECTED = "40P01"


def retry_on_deadlock(session: Session, work: Callable[[], T], attempts: int = 3) -> T:
    """Run ``work`` in a savepoint; when PostgreSQL breaks a deadlock by failing it, roll back to the
    savepoint (which releases the row locks taken inside it, so the other transaction goes on) and run
    it again. For statements that must wait for several row locks in an order other transactions cannot
    all share. SQLite has no row locks (the write transaction holds the database): ``work`` just runs.
    """
    if is_sqlite(session):
        return work()
    for _ in range(attempts - 1):
        try:
            with session.begin_nested():
                return work()
        except OperationalError as error:
            if getattr(error.orig, "sqlstate", None) != DEADLOCK_DETECTED:
                raise
    with session.begin_nested():
        return work()


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


def one_of(session: Session, column: Any, values: Iterable[int]) -> Any:
    """SQL condition: ``column`` is one of the integers ``values``.

    PostgreSQL: ``column = ANY(:values)``, one array parameter, so the statement's text is the same
    whatever the number of values (psycopg caches its parsing and prepares it; a list of a hundred
    offer ids otherwise makes a new, longer statement). SQLite: ``column IN (...)``.
    """
    values = sorted(values)
    if is_sqlite(session):
        return column.in_(values)
    return _any_of_array(column, bindparam(None, value=values, type_=_integer_array()))


def one_of_parameter(session: Session, column: Any, name: str) -> Any:
    """:func:`one_of` for a statement built once (per dialect): the integers are given at execution, as the
    parameter ``name`` (a list), so building and caching the statement is not paid per request."""
    if is_sqlite(session):
        return column.in_(bindparam(name, expanding=True))
    return _any_of_array(column, bindparam(name, type_=_integer_array()))


def _integer_array() -> Any:
    from sqlalchemy import BigInteger
    from sqlalchemy.dialects.postgresql import ARRAY

    return ARRAY(BigInteger())


def _any_of_array(column: Any, array: Any) -> Any:
    from sqlalchemy import any_

    return column == any_(array)


def json_array_contains(session: Session, column: Any, value: int | str) -> Any:
    """SQL condition: the JSON array in ``column`` holds ``value`` (JSONB ``@>`` / SQLite ``json_each``)."""
    from sqlalchemy import exists, func, select

    if is_sqlite(session):
        each = func.json_each(column).table_valued("value")
        return exists(select(1).select_from(each).where(each.c.value == value))
    return column.op("@>")(func.jsonb_build_array(value))


def update_rows(
    session: Session, table: Any, rows: list[dict[str, Any]], keys: Sequence[str], *criteria: ColumnElement[bool]
) -> None:
    """Update many rows of ``table``, each to its own values, in one statement: every dict of ``rows`` (all
    with the same names) finds its row by the columns ``keys`` and sets its other columns; ``criteria``
    (over ``table``) hold for every row.

    PostgreSQL: ``UPDATE t SET c = r.c ... FROM jsonb_to_recordset(:rows) AS r(...) WHERE t.k = r.k ...``:
    one statement whatever the number of rows, so statement triggers fire once and the server plans it
    once (an ``executemany`` of 200 single-row UPDATEs fires the triggers 200 times). SQLite: the same
    UPDATE executed once per row (its triggers are row triggers anyway, and the database is in-process)."""
    if not rows:
        return
    names = [name for name in rows[0] if name not in keys]
    if is_sqlite(session) or len(rows) == 1:
        statement = (
            update(table)
            .where(*(table.c[key] == bindparam(f"k_{key}", type_=table.c[key].type) for key in keys), *criteria)
            .values({name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names})
        )
        session.execute(
            statement,
            [{**{f"k_{k}": row[k] for k in keys}, **{f"v_{n}": row[n] for n in names}} for row in rows],
        )
        return
    pg = session.get_bind().dialect
    columns = []
    for name in [*keys, *names]:
        column_type = table.c[name].type
        impl = column_type.dialect_impl(pg)
        is_json = isinstance(impl, JSONB) or impl.__class__.__name__ in ("JSON", "JSONB")
        columns.append(column(name, JSONB() if is_json else column_type))
    payload = json.dumps(rows, default=_json_value, separators=(",", ":"))
    source = (
        func.jsonb_to_recordset(cast(bindparam("rows", payload), JSONB))
        .table_valued(*columns)
        .render_derived(name="r", with_types=True)
    )
    statement = (
        update(table)
        .where(*(table.c[key] == source.c[key] for key in keys), *criteria)
        .values({name: source.c[name] for name in names})
    )
    session.execute(statement)
