"""Request sessions on PostgreSQL: plain reads run without BEGIN/COMMIT; the first write, row lock or text
statement begins the transaction, so what a request writes or locks is still one transaction.
(docs/decisions/http.md, "Reads outside a transaction")"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from psycopg.pq import TransactionStatus
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from loyaltyhub.app import default_session_factory
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.session import settled
from loyaltyhub.wiring import build_services


@pytest.fixture
def engine_pg(database_url: str) -> Iterator[Engine]:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL: SQLite keeps the request's transaction (its snapshot makes the reads agree)")
    engine = make_engine(database_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


NO_CLUB = LoyaltyClub.slug == "no-such-club"
"""Locking statements lock no row another test's transaction may hold: the lock is the statement's kind."""


def status(session: Session) -> TransactionStatus:
    return session.connection().connection.dbapi_connection.info.transaction_status


def new_club(slug: str) -> LoyaltyClub:
    return LoyaltyClub(slug=slug, name=slug, timezone="Europe/Oslo", default_language="no", languages=["no"])


@pytest.mark.parametrize("write", [False, True])
def test_plain_reads_run_outside_a_transaction(engine_pg, write):
    session = default_session_factory(engine_pg, build_services())(write)
    try:
        session.execute(select(LoyaltyClub.id).limit(1)).all()
        session.execute(select(LoyaltyClub.id).union_all(select(LoyaltyClub.id)).limit(1)).all()
        assert status(session) == TransactionStatus.IDLE
    finally:
        session.close()


@pytest.mark.parametrize(
    "lock",
    [
        lambda session: session.execute(select(LoyaltyClub.id).where(NO_CLUB).with_for_update()).all(),
        lambda session: session.execute(select(LoyaltyClub.id).where(NO_CLUB).with_for_update(read=True)).all(),
        lambda session: session.execute(text("SELECT pg_try_advisory_xact_lock(12345)")).all(),
    ],
    ids=["for update", "for share", "text"],
)
def test_a_row_lock_or_a_text_statement_begins_the_transaction(engine_pg, lock):
    session = default_session_factory(engine_pg, build_services())(False)
    try:
        session.execute(select(LoyaltyClub.id).limit(1)).all()
        lock(session)
        assert status(session) == TransactionStatus.INTRANS  # held until the request ends
    finally:
        session.close()


def test_what_a_request_writes_is_one_transaction(engine_pg, database_url):
    slugs = [f"tx-{uuid.uuid4().hex[:10]}" for _ in range(2)]
    session = default_session_factory(engine_pg, build_services())(True)
    observer = make_engine(database_url, pool_size=1)
    try:
        session.execute(select(LoyaltyClub.id).limit(1)).all()
        session.add(new_club(slugs[0]))
        session.flush()
        assert status(session) == TransactionStatus.INTRANS
        session.add(new_club(slugs[1]))
        session.flush()
        with observer.connect() as connection:  # not visible before the commit
            seen = connection.execute(select(LoyaltyClub.slug).where(LoyaltyClub.slug.in_(slugs))).all()
        assert seen == []
        session.rollback()  # the request failed: both writes are gone
        with observer.connect() as connection:
            seen = connection.execute(select(LoyaltyClub.slug).where(LoyaltyClub.slug.in_(slugs))).all()
        assert seen == []
    finally:
        session.close()
        observer.dispose()


def test_a_returned_connection_is_back_to_transactions(engine_pg):
    session = default_session_factory(engine_pg, build_services())(False)
    session.execute(select(LoyaltyClub.id).limit(1)).all()
    session.close()
    with engine_pg.connect() as connection:  # the pool's one connection, checked out by a job
        connection.execute(select(LoyaltyClub.id).limit(1)).all()
        assert connection.connection.dbapi_connection.info.transaction_status == TransactionStatus.INTRANS
        connection.rollback()


def test_a_session_of_plain_reads_is_settled_and_one_that_wrote_is_not(engine_pg):
    """A request of plain reads is closed on the event loop (nothing to end); one that wrote is committed."""
    session = default_session_factory(engine_pg, build_services())(True)
    try:
        session.execute(select(LoyaltyClub.id).limit(1)).all()
        assert settled(session)
        session.add(new_club(f"tx-{uuid.uuid4().hex[:10]}"))
        assert not settled(session)  # waiting to be flushed
        session.flush()
        assert not settled(session)  # the transaction holds the insert
    finally:
        session.rollback()
        session.close()


def test_a_locking_read_is_not_settled(engine_pg):
    session = default_session_factory(engine_pg, build_services())(False)
    try:
        session.execute(select(LoyaltyClub.id).where(NO_CLUB).with_for_update()).all()
        assert not settled(session)
    finally:
        session.close()
