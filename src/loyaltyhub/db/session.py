"""The request's session: one transaction per request, committed when the handler succeeds."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SessionFactory = Callable[[bool], Session]
"""Builds a session; the flag says whether the request intends to write."""


def _finish(session: Session, succeeded: bool) -> None:
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


async def get_session(request: Request) -> AsyncIterator[Session]:
    """``async``: building a session does no I/O (it takes a connection at its first statement), so it
    runs on the event loop; only the commit/rollback goes to a worker thread.

    The closing call gets its own capacity limiter (as FastAPI does for sync generator dependencies):
    when every pool thread waits for a database connection, the call that releases one must not wait
    for a thread. It is shielded from cancellation so a disconnected client never leaks a connection.
    """
    factory: SessionFactory = request.app.state.session_factory
    session = factory(request.method in WRITE_METHODS)
    request.state.db_session = session
    try:
        yield session
    except BaseException:
        with CancelScope(shield=True):
            await anyio.to_thread.run_sync(_finish, session, False, limiter=CapacityLimiter(1))
        raise
    if _settled(session):
        session.close()  # committed by the route already (see LoyaltyRoute), or never used: no I/O
        return
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(_finish, session, True, limiter=CapacityLimiter(1))


def _settled(session: Session) -> bool:
    """No transaction open and nothing waiting to be flushed: closing it does no I/O."""
    return not session.in_transaction() and not (session.new or session.dirty or session.deleted)


# scope="function": commit happens after the handler returns and before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
