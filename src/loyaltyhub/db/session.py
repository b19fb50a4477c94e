"""The request's session: one transaction per request, committed when the handler succeeds."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

SessionFactory = Callable[[bool], Session]
"""Builds a session; the flag says whether the request intends to write."""


def get_session(request: Request) -> Iterator[Session]:
    factory: SessionFactory = request.app.state.session_factory
    session = factory(request.method in WRITE_METHODS)
    request.state.db_session = session
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# scope="function": commit happens after the handler returns and before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
