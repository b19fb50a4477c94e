"""The ``Idempotent`` route parameter: ``Idempotency-Key`` for POSTs that create or use something.

A route switches it on with one parameter, placed after its auth dependency (the key is per actor)::

    def use_offer(..., access: MemberAccess, _: Idempotent) -> ...

The key is claimed in the request's transaction (:mod:`loyaltyhub.idempotency.service`); a stored answer
is replayed; :class:`~loyaltyhub.http.routing.LoyaltyRoute` stores a 2xx answer in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.errors import MalformedHeader
from loyaltyhub.http.responses import JSONResponse
from loyaltyhub.http.session import SessionDep
from loyaltyhub.idempotency import service
from loyaltyhub.idempotency.models import MAX_KEY_LENGTH
from loyaltyhub.idempotency.service import PendingKey, Replay

HEADER = "Idempotency-Key"


def _request_hash(request: Request, body: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode())
    digest.update(request.url.path.encode())
    digest.update(b"?" + request.url.query.encode())
    digest.update(b"\n" + body)
    return digest.hexdigest()


async def idempotency_guard(request: Request, session: SessionDep) -> PendingKey | None:
    """``async``: a request without the header (most of them) costs no thread hop; the lock and the
    lookup run in a worker thread."""
    key = request.headers.get(HEADER)
    if key is None:
        return None
    request_hash = _request_hash(request, await request.body())
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise MalformedHeader(HEADER, f"1 to {MAX_KEY_LENGTH} characters")
    actor_key = getattr(request.state, "actor_key", None)
    if actor_key is None:  # pragma: no cover - a route declared Idempotent before its auth dependency
        raise RuntimeError("Idempotent must follow the route's auth dependency")
    return await run_in_threadpool(_claim, request, session, actor_key, key, request_hash)


def _claim(request: Request, session: Session, actor_key: str, key: str, request_hash: str) -> PendingKey:
    pending = service.claim(
        session,
        actor_key=actor_key,
        key=key,
        request_hash=request_hash,
        loyalty_club_id=getattr(request.state, "loyalty_club_id", None),
        ttl_seconds=request.app.state.settings.idempotency_ttl_seconds,
    )
    request.state.idempotency = pending
    return pending


Idempotent = Annotated[PendingKey | None, Depends(idempotency_guard)]


def store_response(session: Session, pending: PendingKey, response: Response) -> None:
    """Store a finished response as the key's answer (in the request's transaction)."""
    body = json.loads(bytes(response.body)) if response.body else None
    service.store_answer(session, pending, response.status_code, body)


def replay_response(exc: Replay) -> Response:
    return JSONResponse(exc.stored_body, status_code=exc.status, headers={"Idempotent-Replayed": "true"})
