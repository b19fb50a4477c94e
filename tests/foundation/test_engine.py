"""The engine: its pool hands out live connections (PostgreSQL: checked without a round trip); JSON
columns read back exactly what was stored."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import select, text

from loyaltyhub.db.engine import load_json, make_engine
from loyaltyhub.offers.models import Offer


def test_a_connection_killed_by_the_server_is_replaced_at_checkout(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: the server closing a pooled connection")
    engine = make_engine(database_url, pool_size=1)
    admin = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as connection:
            first = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": first})  # waits for its exit
            connection.commit()
        # the pooled connection is dead now; the next request gets a new one and no error
        with engine.connect() as connection:
            second = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert second != first
        with engine.connect() as connection:  # a live pooled connection is kept
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() == second
    finally:
        engine.dispose()
        admin.dispose()


@pytest.mark.parametrize(
    "document",
    ['{"name": {"no": "Tilbud"}, "n": 1.5, "ok": true}', "[1, 2, 3]", '"text"', "null"],
)
def test_json_reads_as_the_standard_library_reads_it(document):
    assert load_json(document) == json.loads(document)
    assert load_json(document.encode()) == json.loads(document)


def test_json_that_orjson_refuses_still_reads():
    assert load_json('{"big": 1180591620717411303424}') == {"big": 2**70}
    assert math.isnan(load_json(b'{"x": NaN}')["x"])


def test_json_columns_round_trip_through_the_database(session, factory):
    club = factory.club()
    extras = {"big": 2**70, "nested": {"list": [1, "two", None]}, "text": "Kjøp to sko"}
    offer = Offer(loyalty_club_id=club.id, status="published", type="regular", name={"no": "Tilbud"}, extras=extras)
    session.add(offer)
    session.flush()
    session.expire_all()
    assert session.execute(select(Offer.extras).where(Offer.id == offer.id)).scalar_one() == extras
