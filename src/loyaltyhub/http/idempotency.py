"""``Idempotency-Key`` for POSTs that create or use something (SPEC §4).

A route switches it on with one parameter, placed after its auth dependency::

    def use_offer(..., access: MemberAccess, _: Idempotent) -> ...

How it works, in the request's own transaction:
1. take a transaction lock on (actor, key); if another request holds it → 409;
2. a stored answer for (actor, key): same request → replay it; different body → 422;
3. otherwise the handler runs, and :class:`LoyaltyRoute` stores its 2xx answer in the same
   transaction, so the effect and the stored answer commit together or not at all.
A failed request stores nothing: it changed nothing, so a retry is simply evaluated again.
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from loyaltyhub.db import dialect
from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, UTCDateTime, utcnow
from loyaltyhub.db.session import SessionDep
from loyaltyhub.errors import (
    ApiError,
    BadRequest,
    Conflict,
    MalformedHeader,
    UnprocessableEntity,
    ValidationFailed,
    details_tree,
)
from loyaltyhub.http.input_guard import integer_params, refuse_unstorable_input

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class IdempotencyRecord(IdMixin, Base):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("actor_key", "key"),)

    # Nullable: reporting exports run in a customer context that may span clubs.
    loyalty_club_id: Mapped[int | None] = mapped_column(BigIntId, nullable=True, index=True)
    actor_key: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    response_status: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[Any] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


class ReplayResponse(ApiError):
    """Raised to answer with a stored response; rendered by :func:`replay_handler`."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__("replay")
        self.status = status
        self.stored_body = body


@dataclass
class PendingIdempotency:
    actor_key: str
    key: str
    request_hash: str
    loyalty_club_id: int | None
    ttl_seconds: int


def _request_hash(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.url.path.encode())
    digest.update(b"?" + request.url.query.encode())
    digest.update(b"\n" + body)
    return digest.hexdigest()


async def _fingerprint(request: Request) -> str | None:
    if request.headers.get(HEADER) is None:
        return None
    return _request_hash(request, await request.body())


async def idempotency_guard(
    request: Request, session: SessionDep, request_hash: Annotated[str | None, Depends(_fingerprint)]
) -> PendingIdempotency | None:
    """``async``: a request without the header (most of them) costs no thread hop; the lock and the
    lookup run in a worker thread."""
    key = request.headers.get(HEADER)
    if key is None or request_hash is None:
        return None
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise MalformedHeader(HEADER, f"1 to {MAX_KEY_LENGTH} characters")
    actor_key = getattr(request.state, "actor_key", None)
    if actor_key is None:  # pragma: no cover - a route declared Idempotent before its auth dependency
        raise RuntimeError("Idempotent must follow the route's auth dependency")
    return await run_in_threadpool(_claim_key, request, session, actor_key, key, request_hash)


def _claim_key(
    request: Request, session: Session, actor_key: str, key: str, request_hash: str
) -> PendingIdempotency | None:
    if not dialect.try_transaction_lock(session, f"idempotency:{actor_key}:{key}"):
        raise Conflict("A request with this Idempotency-Key is still being processed")
    record = session.execute(
        select(IdempotencyRecord).where(IdempotencyRecord.actor_key == actor_key, IdempotencyRecord.key == key)
    ).scalar_one_or_none()
    if record is not None and record.expires_at <= utcnow():
        session.delete(record)
        session.flush()
        record = None
    if record is not None:
        if record.request_hash != request_hash:
            raise UnprocessableEntity("Idempotency-Key was already used with a different request")
        raise ReplayResponse(record.response_status, record.response_body)
    pending = PendingIdempotency(
        actor_key=actor_key,
        key=key,
        request_hash=request_hash,
        loyalty_club_id=getattr(request.state, "loyalty_club_id", None),
        ttl_seconds=request.app.state.settings.idempotency_ttl_seconds,
    )
    request.state.idempotency = pending
    return pending


Idempotent = Annotated[PendingIdempotency | None, Depends(idempotency_guard)]


def store_response(session: Session, pending: PendingIdempotency, response: Response) -> None:
    body = json.loads(bytes(response.body)) if response.body else None
    now = utcnow()
    session.add(
        IdempotencyRecord(
            loyalty_club_id=pending.loyalty_club_id,
            actor_key=pending.actor_key,
            key=pending.key,
            request_hash=pending.request_hash,
            response_status=response.status_code,
            response_body=body,
            created_at=now,
            expires_at=now + timedelta(seconds=pending.ttl_seconds),
        )
    )
    session.flush()


def purge_expired(session: Session) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)


_REQUEST: ContextVar[Request | None] = ContextVar("loyaltyhub_route_request", default=None)


def _commit_when_done(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Wrap a sync endpoint so that, when it returns a finished ``Response``, the idempotency record is
    stored and the request's transaction committed right there, in the endpoint's worker thread.

    The commit would otherwise wait for two thread hops (back to the event loop, then out to a worker
    again for the session's exit). Row locks taken by the handler (the use path locks the offer row
    every member shares) are held until commit, so those hops would serialize every use of a popular
    offer. The order is unchanged: handler, stored answer, commit, then the response is sent. An endpoint
    returning data for FastAPI to serialize is committed by the session dependency as before.
    """

    @functools.wraps(endpoint)
    def endpoint_then_commit(*args: Any, **kwargs: Any) -> Any:
        result = endpoint(*args, **kwargs)
        request = _REQUEST.get()
        if request is not None and isinstance(result, Response):
            session: Session | None = getattr(request.state, "db_session", None)
            if session is not None:
                pending: PendingIdempotency | None = getattr(request.state, "idempotency", None)
                if pending is not None and 200 <= result.status_code < 300:
                    store_response(session, pending, result)
                    request.state.idempotency = None
                session.commit()
        return result

    return endpoint_then_commit


class LoyaltyRoute(APIRoute):
    """The app's route class: after a handler succeeds, and before the request's transaction
    commits, it stores the answer of an idempotent request in that same transaction."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        if inspect.isfunction(endpoint) and not inspect.iscoroutinefunction(endpoint):
            endpoint = _commit_when_done(endpoint)
        super().__init__(path, endpoint, **kwargs)

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        takes_body = self.body_field is not None
        integers = integer_params(self)

        async def route_handler(request: Request) -> Response:
            await refuse_unstorable_input(request, integers)
            if not takes_body and request.method in ("POST", "PUT", "PATCH"):
                await refuse_unexpected_body(request)
            token = _REQUEST.set(request)
            try:
                response = await handler(request)
            finally:
                _REQUEST.reset(token)
            pending: PendingIdempotency | None = getattr(request.state, "idempotency", None)
            if pending is not None and 200 <= response.status_code < 300:
                await run_in_threadpool(store_response, request.state.db_session, pending, response)
            return response

        return route_handler


async def refuse_unexpected_body(request: Request) -> None:
    """A route without a body still refuses one with content: unknown fields are never ignored."""
    raw = await request.body()
    if not raw.strip():
        return
    try:
        payload = json.loads(raw)
    except ValueError:
        raise BadRequest("Malformed JSON body")
    if payload in ({}, None):
        return
    if not isinstance(payload, dict):
        raise ValidationFailed.at((), "invalid_type", expected="object")
    raise ValidationFailed(details_tree([((key,), "unknown_attribute", {}) for key in payload]))


def replay_response(exc: ReplayResponse) -> Response:
    return JSONResponse(exc.stored_body, status_code=exc.status, headers={"Idempotent-Replayed": "true"})
