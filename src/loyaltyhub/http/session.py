"""The request's session: one transaction per request, committed when the handler succeeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter, Semaphore
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from loyaltyhub.db.dialect import one_writer_at_a_time
from loyaltyhub.db.session import SessionFactory, finish, settled

F = TypeVar("F", bound=Callable[..., Any])
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
WRITES_ON_READ = "_loyaltyhub_writes_on_read"


def writes_on_read(endpoint: F) -> F:
    """Marks a GET handler that writes (a short link's redirect records the visit): its session is a
    writer, as for POST."""
    setattr(endpoint, WRITES_ON_READ, True)
    return endpoint


async def get_session(request: Request) -> AsyncIterator[Session]:
    """``async``: building a session does no I/O (it takes a connection at its first statement), so it
    runs on the event loop; only the commit/rollback goes to a worker thread.

    The closing call gets its own capacity limiter (as FastAPI does for sync generator dependencies):
    when every pool thread waits for a database connection, the call that releases one must not wait
    for a thread. It is shielded from cancellation so a disconnected client never leaks a connection.

    Where the database runs one write transaction at a time (SQLite), a write request first waits its
    turn on the event loop (:func:`writer_turn`): waiting for the write lock inside a pool thread, 40
    writers would hold every thread while the one holding the lock waited for a thread to finish in, and
    all of them failed with ``database is locked`` after the busy timeout (64 parallel uses, issue #14).
    """
    factory: SessionFactory = request.app.state.session_factory
    write = request.method in WRITE_METHODS or getattr(request.scope.get("endpoint"), WRITES_ON_READ, False)
    session = factory(write)
    request.state.db_session = session
    turn = writer_turn(request) if write and one_writer_at_a_time(session) else None
    if turn is not None:
        await turn.acquire()
    try:
        try:
            yield session
        except BaseException:
            with CancelScope(shield=True):
                await anyio.to_thread.run_sync(finish, session, False, limiter=CapacityLimiter(1))
            raise
        if settled(session):
            session.close()  # committed by the route already (see LoyaltyRoute), or never used: no I/O
            return
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(finish, session, True, limiter=CapacityLimiter(1))
    finally:
        if turn is not None:
            turn.release()


def writer_turn(request: Request) -> Semaphore:
    """The process's queue of write requests (one at a time), made on first use in the event loop."""
    turn: Semaphore | None = getattr(request.app.state, "writer_turn", None)
    if turn is None:
        turn = request.app.state.writer_turn = Semaphore(1)
    return turn


def request_session(request: Request) -> Session | None:
    """The session :func:`get_session` opened for this request (None before it ran)."""
    return getattr(request.state, "db_session", None)


# scope="function": commit happens after the handler returns and before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
