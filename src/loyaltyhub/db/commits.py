"""Whether a piece of work reached a commit: what a caller needs to know before running it again after its
database connection was lost (:mod:`loyaltyhub.http.resilience`).

Every engine made by :func:`loyaltyhub.db.engine.make_engine` notes each ``COMMIT`` it is about to send in the
:class:`CommitWatch` of the current context, if any. Threads that run a request's work (FastAPI's and anyio's
worker threads) copy the context, so they note into the request's watch.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, event


@dataclass
class CommitWatch:
    attempted: bool = False
    """A ``COMMIT`` was sent (or was about to be): what the transaction wrote may be stored."""


_WATCH: ContextVar[CommitWatch | None] = ContextVar("loyaltyhub_commit_watch", default=None)


@contextmanager
def watching_commits() -> Iterator[CommitWatch]:
    """A fresh watch for the work run inside the block (and in the threads it starts)."""
    watch = CommitWatch()
    token = _WATCH.set(watch)
    try:
        yield watch
    finally:
        _WATCH.reset(token)


def _note_commit(_connection: Any) -> None:
    watch = _WATCH.get()
    if watch is not None:
        watch.attempted = True


def install(engine: Engine) -> None:
    event.listen(engine, "commit", _note_commit)
