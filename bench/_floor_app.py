"""The floor of ``bench.use_offer``: the raw use transaction behind the API's HTTP stack, with no
application in between.

uvicorn and FastAPI as the API runs them, one ``async`` endpoint at the use path issuing the statements of
:data:`bench._use_transaction.RAW_USE` over async psycopg (no thread hop: the fastest variant measured,
see docs/benchmarks.md) and answering a fixed usage. No token check, no rules, no ORM: what any use
endpoint on this stack costs at least, measured in the same run as the API and the raw transaction.
"""

from __future__ import annotations

import os

import psycopg
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from bench._use_transaction import RAW_USE, use_params

DSN = make_url(os.environ["LOYALTYHUB_DATABASE_URL"]).set(drivername="postgresql").render_as_string(False)

app = FastAPI()
_idle: list[psycopg.AsyncConnection] = []
_club_ids: dict[str, int] = {}


async def _connection() -> psycopg.AsyncConnection:
    """A connection of this process; one per request in flight, kept for the next."""
    return _idle.pop() if _idle else await psycopg.AsyncConnection.connect(DSN)


async def _club_id(connection: psycopg.AsyncConnection, slug: str) -> int:
    if slug not in _club_ids:
        cursor = await connection.execute("SELECT id FROM loyalty_clubs WHERE slug = %s", (slug,))
        row = await cursor.fetchone()
        await connection.commit()
        _club_ids[slug] = row[0] if row else 0
    return _club_ids[slug]


@app.post("/v3/{slug}/members/{member_id}/offers/{offer_id}/use")
async def use_offer(slug: str, member_id: int, offer_id: int) -> dict[str, object]:
    connection = await _connection()
    try:
        params = use_params(slug, await _club_id(connection, slug), offer_id, member_id)
        async with connection.transaction(), connection.cursor() as cursor:
            for sql in RAW_USE:
                await cursor.execute(sql, params)
                if cursor.description:
                    await cursor.fetchall()
    except BaseException:
        await connection.close()  # its state is unknown: the next request opens a new one
        raise
    _idle.append(connection)
    return {"usage": {"usable": True, "max_uses": None, "uses_left": None, "active_until": None, "period": None}}
