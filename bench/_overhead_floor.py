"""The generic floor of ``bench.overhead``: for each hot read, a bare route issuing exactly the statements
the API issued for it (recorded by the benchmark, with their parameters), over async psycopg, answering
every statement's rows as JSON. No token check, no rules, no ORM, no response model:
what the same database work costs behind uvicorn and FastAPI with no application in between.
Like the API (``docs/decisions/http.md``, "Reads outside a transaction"), a read of plain ``SELECT``s
runs without ``BEGIN``/``COMMIT``; statements that write or lock run in one transaction.

The recording is a pickle file named by ``LOYALTYHUB_OVERHEAD_RECORDING``: ``[(method, path, [(sql,
params), ...]), ...]``, written by :func:`bench.overhead.record` from the benchmark's own database.
"""

from __future__ import annotations

import os
import pickle
from contextlib import AsyncExitStack
from typing import Any

import orjson
import psycopg
from fastapi import FastAPI, Response
from sqlalchemy.engine import make_url

DSN = make_url(os.environ["LOYALTYHUB_DATABASE_URL"]).set(drivername="postgresql").render_as_string(False)
Statements = list[tuple[str, Any]]

app = FastAPI()
_idle: list[psycopg.AsyncConnection] = []


async def _connection() -> psycopg.AsyncConnection:
    return _idle.pop() if _idle else await psycopg.AsyncConnection.connect(DSN, autocommit=True)


def plain_reads(statements: Statements) -> bool:
    upper = [sql.lstrip().upper() for sql, _ in statements]
    return all(sql.startswith("SELECT") and " FOR UPDATE" not in sql and " FOR SHARE" not in sql for sql in upper)


async def _replay(statements: Statements) -> bytes:
    connection = await _connection()
    results: list[list[Any]] = []
    try:
        async with AsyncExitStack() as stack:
            if not plain_reads(statements):
                await stack.enter_async_context(connection.transaction())
            cursor = await stack.enter_async_context(connection.cursor())
            for sql, params in statements:
                await cursor.execute(sql, params)
                if cursor.description:
                    results.append([list(row) for row in await cursor.fetchall()])
    except BaseException:
        await connection.close()
        raise
    _idle.append(connection)
    return orjson.dumps(results, default=str)


def _route(statements: Statements) -> Any:
    async def replay() -> Response:
        return Response(await _replay(statements), media_type="application/json")

    return replay


with open(os.environ["LOYALTYHUB_OVERHEAD_RECORDING"], "rb") as recording:
    for method, path, recorded in pickle.load(recording):
        app.add_api_route(path, _route(recorded), methods=[method])
