"""The engine's pool hands out live connections (PostgreSQL: checked without a round trip)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from loyaltyhub.db.engine import make_engine


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
