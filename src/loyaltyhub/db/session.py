"""Sessions and transactions: the session factory, the early commit of a request, and units of work of jobs.

The request's own session (one transaction per request, committed when the handler succeeds) is the
FastAPI dependency in :mod:`loyaltyhub.http.session`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub.db import dialect
from loyaltyhub.db.engine import writer

SessionFactory = Callable[[bool], Session]
"""Builds a session; the flag says whether the request intends to write."""


def finish(session: Session, succeeded: bool) -> None:
    """Commit (or roll back) and close: the request's last database round trips, in one thread hop."""
    try:
        if succeeded:
            session.commit()
        else:
            session.rollback()
    except BaseException:
        if succeeded:
            session.rollback()
        raise
    finally:
        session.close()


def commit_now(session: Session) -> None:
    """Commit the request's transaction before the response is sent, from the thread that ran the handler.

    For a handler that holds row locks (a use of an offer), committing where it runs releases them without
    waiting for the thread hops back to the event loop and out again; :func:`get_session` then finds the
    session settled and only closes it. The route class calls this for sync endpoints returning a
    ``Response`` (:mod:`loyaltyhub.http.routing`).
    """
    session.commit()


def settled(session: Session) -> bool:
    """No transaction open (or, on PostgreSQL, only plain reads run outside one) and nothing waiting to be
    flushed: closing it does no I/O."""
    if session.new or session.dirty or session.deleted:
        return False
    return not session.in_transaction() or dialect.only_read_outside_transaction(session)


@contextmanager
def unit_of_work(engine: Engine, *, write: bool, **info: Any) -> Iterator[Session]:
    """A transaction outside any request (background jobs, the CLI): committed when the block succeeds,
    rolled back when it raises. ``info`` goes to ``session.info`` (the app's services: see
    :mod:`loyaltyhub.services`).

    ``write=True`` says the block will write: on SQLite the transaction then takes the write lock at
    ``BEGIN`` (``BEGIN IMMEDIATE``), waiting for the busy timeout instead of failing with ``database is
    locked`` when it later tries to write while another transaction does. PostgreSQL ignores the flag.
    """
    bind = writer(engine) if write else engine
    with Session(bind=bind, expire_on_commit=False, info=info) as session, session.begin():
        yield session
