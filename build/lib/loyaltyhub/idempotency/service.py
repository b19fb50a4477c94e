"""Claiming an ``Idempotency-Key`` and storing the answer, in the request's own transaction.

1. :func:`claim` takes a transaction lock on (actor, key); if another request holds it → 409;
2. a stored answer for (actor, key): the same request → :class:`Replay` of it; a different one → 422;
3. otherwise the caller runs the request and :func:`store_answer` stores its 2xx answer in the same
   transaction, so the effect and the stored answer commit together or not at all.
A failed request stores nothing: it changed nothing, so a retry is simply evaluated again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import ApiError, Conflict, UnprocessableEntity
from loyaltyhub.idempotency.models import IdempotencyRecord


class Replay(ApiError):
    """The answer stored for this key: the request is answered with it instead of running again."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__("replay")
        self.status = status
        self.stored_body = body


@dataclass
class PendingKey:
    """A claimed key whose answer is still to be stored."""

    actor_key: str
    key: str
    request_hash: str
    loyalty_club_id: int | None
    ttl_seconds: int


def claim(
    session: Session, *, actor_key: str, key: str, request_hash: str, loyalty_club_id: int | None, ttl_seconds: int
) -> PendingKey:
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
        raise Replay(record.response_status, record.response_body)
    return PendingKey(
        actor_key=actor_key,
        key=key,
        request_hash=request_hash,
        loyalty_club_id=loyalty_club_id,
        ttl_seconds=ttl_seconds,
    )


def store_answer(session: Session, pending: PendingKey, status: int, body: Any) -> None:
    now = utcnow()
    session.add(
        IdempotencyRecord(
            loyalty_club_id=pending.loyalty_club_id,
            actor_key=pending.actor_key,
            key=pending.key,
            request_hash=pending.request_hash,
            response_status=status,
            response_body=body,
            created_at=now,
            expires_at=now + timedelta(seconds=pending.ttl_seconds),
        )
    )
    session.flush()


def purge_expired(session: Session) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.expires_at <= utcnow()))
    return int(getattr(result, "rowcount", 0) or 0)
