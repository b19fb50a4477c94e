"""Every request gets an answer: a pure ASGI middleware around the app's routes (issue #14, defect 4).

* **A lost database connection** (the server terminated the backend, restarted, failed over, or could not be
  reached; :func:`loyaltyhub.db.dialect.is_connection_lost`) or a transient failure (SQLite's ``database is
  locked``, PostgreSQL's deadlock or serialization failure: :func:`loyaltyhub.db.dialect.is_transient`) runs
  the request once more when that is safe, and otherwise answers ``503`` with ``Retry-After``. Safe means:
  no byte of the answer was sent, the body was kept to replay (bodies up to the server's body limit; streamed
  upload parts are not kept), and either the request carries an ``Idempotency-Key`` (a committed first attempt
  is then replayed from its stored answer: the key and the effect commit together), or its method is safe
  (``GET``, ``HEAD``, ``OPTIONS``), or it is idempotent (``PUT``, ``DELETE``) and no ``COMMIT`` was sent
  (:mod:`loyaltyhub.db.commits`). The 503 says whether the request was certainly not carried out (no
  ``COMMIT`` sent: the server rolled the transaction back with the connection) or whether the outcome is
  unknown (the connection died during the ``COMMIT``).
* **Any other unhandled error** is logged and answered ``500 {"error": "Internal server error"}`` here,
  without re-raising it: Starlette's outermost handler answers too but then re-raises, and uvicorn then closes
  the client's keep-alive connection. An error after the answer started (a streamed download) cannot be
  answered any more: it is re-raised and the server closes the connection, which tells the client the answer
  is incomplete.

``loyaltyhub_db_connection_lost_total{outcome="retried"|"unavailable"}`` counts the first two cases.
"""

from __future__ import annotations

import json
import logging

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyaltyhub.db.commits import watching_commits
from loyaltyhub.db.dialect import is_connection_lost, is_transient
from loyaltyhub.http.errors import first_line, log_unhandled
from loyaltyhub.ops import metrics

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
IDEMPOTENT_METHODS = SAFE_METHODS | {"PUT", "DELETE"}
RETRY_AFTER_SECONDS = 1
NOT_CARRIED_OUT = "Database connection lost; the request was not carried out"
OUTCOME_UNKNOWN = "Database connection lost while committing; the outcome is unknown"
BUSY = "Database busy; the request was not carried out"
_KEY_HEADER = b"idempotency-key"


def database_unavailable(exc: BaseException) -> BaseException | None:
    """The lost connection or transient failure behind ``exc`` (itself, a cause, or one of a group's)."""
    seen: set[int] = set()
    pending = [exc]
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if is_connection_lost(current) or (is_transient(current) and hasattr(current, "orig")):
            return current
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                pending.append(linked)
    return None


class AnswerEveryRequest:
    def __init__(self, app: ASGIApp, max_replay_bytes: int) -> None:
        self.app = app
        self.max_replay_bytes = max_replay_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        kept: list[Message] = []
        kept_bytes = 0
        replayable = True
        disconnected = False
        started = False

        async def keeping_receive() -> Message:
            nonlocal kept_bytes, replayable, disconnected
            message = await receive()
            if message["type"] == "http.disconnect":
                disconnected = True
            elif replayable:
                kept_bytes += len(message.get("body", b""))
                if kept_bytes > self.max_replay_bytes:
                    replayable = False
                    kept.clear()
                else:
                    kept.append(message)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        scope_before = dict(scope)
        state = scope.setdefault("state", {})
        state_before = dict(state)
        method = scope.get("method", "GET")
        keyed = any(name == _KEY_HEADER for name, _ in scope.get("headers", ()))
        for attempt in (1, 2):
            with watching_commits() as commits:
                try:
                    if attempt == 1:
                        await self.app(scope, keeping_receive, tracking_send)
                    else:
                        await self.app(scope, _replaying(kept, receive), tracking_send)
                    return
                except Exception as exc:
                    if started:
                        raise
                    cause = database_unavailable(exc)
                    if cause is None:
                        log_unhandled(log, exc)
                        await _answer(send, 500, "Internal server error")
                        return
                    safe = (
                        attempt == 1
                        and replayable
                        and not disconnected
                        and (
                            keyed or method in SAFE_METHODS or (method in IDEMPOTENT_METHODS and not commits.attempted)
                        )
                    )
                    if safe:
                        log.warning("database connection lost (%s); running the request again", first_line(cause))
                        metrics.DB_CONNECTION_LOST.labels("retried").inc()
                        scope.clear()
                        scope.update(scope_before)
                        state.clear()
                        state.update(state_before)
                        continue
                    log.warning("database connection lost (%s); answering 503", first_line(cause))
                    metrics.DB_CONNECTION_LOST.labels("unavailable").inc()
                    if commits.attempted:
                        message = OUTCOME_UNKNOWN
                    else:
                        message = NOT_CARRIED_OUT if is_connection_lost(cause) else BUSY
                    await _answer(send, 503, message, retry_after=True)
                    return


def _replaying(kept: list[Message], receive: Receive) -> Receive:
    """The kept body messages again, then whatever the client sends next (a disconnect)."""
    queue = list(kept)

    async def replay() -> Message:
        if queue:
            return queue.pop(0)
        return await receive()

    return replay


async def _answer(send: Send, status: int, message: str, *, retry_after: bool = False) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if retry_after:
        headers.append((b"retry-after", str(RETRY_AFTER_SECONDS).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
