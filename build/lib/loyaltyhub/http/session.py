"""The request's session: one transaction per request, committed when the handler succeeds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

import anyio.to_thread
from anyio import CancelScope, CapacityLimiter
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from loyaltyhub.db.session import SessionFactory, finish, settled

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


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
            await anyio.to_thread.run_sync(finish, session, False, limiter=CapacityLimiter(1))
        raise
    if settled(session):
        session.close()  # committed by the route already (see LoyaltyRoute), or never used: no I/O
        return
    with CancelScope(shield=True):
        await anyio.to_thread.run_sync(finish, session, True, limiter=CapacityLimiter(1))


def request_session(request: Request) -> Session | None:
    """The session :func:`get_session` opened for this request (None before it ran)."""
    return getattr(request.state, "db_session", None)


# scope="function": commit happens after the handler returns and before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
