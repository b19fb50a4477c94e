"""The stack floor of ``bench.overhead``: the recorded statements of each hot read (as in
``bench/_overhead_floor.py``) behind the stack the application is built on, with none of the application:
a sync FastAPI route (run in the thread pool, as the app's handlers are), a SQLAlchemy session of the app's
own engine (``loyaltyhub.db.engine.make_engine``: pool, PostgreSQL hooks), each statement sent with
``exec_driver_sql`` (the cheapest way through SQLAlchemy: no compilation, no ORM), rows answered as JSON.
Plain reads run outside a transaction, on an ``AUTOCOMMIT`` connection, as the app runs them.

What this costs over the async psycopg floor is a lower bound of what any application on sync SQLAlchemy
sessions pays for the same statements (``docs/benchmarks.md``, "Request overhead").
"""

from __future__ import annotations

import os
import pickle
from typing import Any

import orjson
from fastapi import FastAPI, Response

from bench._overhead_floor import Statements, plain_reads
from loyaltyhub.db.engine import make_engine, make_session_factory

engine = make_engine(os.environ["LOYALTYHUB_DATABASE_URL"], pool_size=4)
sessions = make_session_factory(engine)
reads_engine = engine.execution_options(isolation_level="AUTOCOMMIT")

app = FastAPI()


def _replay(statements: Statements) -> bytes:
    results: list[list[Any]] = []
    if plain_reads(statements):
        with reads_engine.connect() as connection:
            for sql, params in statements:
                results.append([list(row) for row in connection.exec_driver_sql(sql, params).all()])
        return orjson.dumps(results, default=str)
    with sessions() as session:
        connection = session.connection()
        for sql, params in statements:
            result = connection.exec_driver_sql(sql, params)
            if result.returns_rows:
                results.append([list(row) for row in result.all()])
        session.commit()
    return orjson.dumps(results, default=str)


def _route(statements: Statements) -> Any:
    def replay() -> Response:
        return Response(_replay(statements), media_type="application/json")

    return replay


with open(os.environ["LOYALTYHUB_OVERHEAD_RECORDING"], "rb") as recording:
    for method, path, recorded in pickle.load(recording):
        app.add_api_route(path, _route(recorded), methods=[method])
