"""The job table as the worker sees it: race-free claims, heartbeats, completion, recovery, expiry.

Every transition is a conditional UPDATE guarded by the job's status (and, for a running job, the
claim token of the worker that owns it), so two workers can never both own a job, and a worker whose
job was cancelled or taken over finds out at its next heartbeat. Each call is its own short
transaction, opened from ``factory``.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.exports.models import DONE, EXPIRED, FAILED, QUEUED, RUNNING, ExportJob

SessionMaker = Callable[[], Session]

HEARTBEAT_SECONDS = 2.0
STALE_AFTER_SECONDS = 30.0
MAX_ATTEMPTS = 3


@dataclass(frozen=True)
class Claim:
    """A job this worker owns, with everything needed to run it (no ORM object crosses sessions)."""

    id: int
    claim_token: str
    attempt: int
    actor_key: str
    principal_name: str
    permits: tuple[str, ...]
    club_ids: tuple[int, ...]
    organization_context: bool
    per_club: bool
    report: str
    query: dict[str, Any]
    format: str
    cost: int


def _queue(statement: Any) -> Any:
    """The job table is one queue for every club: a worker takes whichever club's job is next, and a
    job's claim token (not its club) says who owns it."""
    return across_clubs(statement)


def _rowcount(result: Any) -> int:
    return int(getattr(result, "rowcount", 0) or 0)


def _ready(now: datetime) -> Any:
    """Queued and past its backoff (a job taken back from a dead worker waits before it runs again)."""
    return and_(ExportJob.status == QUEUED, or_(ExportJob.not_before.is_(None), ExportJob.not_before <= now))


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """Backoff before a job taken back from a dead worker runs again: the base, then ×4 per attempt (with
    the default 5 s: 5 s, 20 s, 80 s), at most 10 minutes."""
    return timedelta(seconds=min(base_seconds * 4 ** max(attempts - 1, 0), 600))


def claim_next(factory: SessionMaker, worker_id: str) -> Claim | None:
    """Take the oldest queued job that is ready. PostgreSQL skips rows another worker has locked; on both
    backends the conditional UPDATE decides, so a job is claimed by exactly one worker."""
    for _ in range(5):
        with factory() as session, session.begin():
            candidate = session.execute(
                _queue(
                    select(ExportJob.id)
                    .where(_ready(utcnow()))
                    .order_by(ExportJob.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                )
            ).scalar_one_or_none()
            if candidate is None:
                return None
            token = secrets.token_hex(16)
            now = utcnow()
            result = session.execute(
                _queue(
                    update(ExportJob)
                    .where(ExportJob.id == candidate, ExportJob.status == QUEUED)
                    .values(
                        status=RUNNING,
                        claim_token=token,
                        worker_id=worker_id[:200],
                        attempts=ExportJob.attempts + 1,
                        started_at=now,
                        heartbeat_at=now,
                        rows=0,
                        progress=0.0,
                    )
                    .execution_options(synchronize_session=False)
                )
            )
            if _rowcount(result) != 1:
                continue
            job = session.execute(_queue(select(ExportJob).where(ExportJob.id == candidate))).scalar_one()
            return Claim(
                id=job.id,
                claim_token=token,
                attempt=job.attempts,
                actor_key=job.actor_key,
                principal_name=job.principal_name,
                permits=tuple(job.permits),
                club_ids=tuple(job.club_ids),
                organization_context=job.organization_context,
                per_club=job.per_club,
                report=job.report,
                query=dict(job.query),
                format=job.format,
                cost=job.cost,
            )
    return None


def _owned(claim: Claim) -> Any:
    return (ExportJob.id == claim.id, ExportJob.status == RUNNING, ExportJob.claim_token == claim.claim_token)


def heartbeat(factory: SessionMaker, claim: Claim, rows: int, total: int | None = None) -> bool:
    """Record progress; False when the job is no longer ours (cancelled, or taken over as stale)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow(), "rows": rows}
    if total:
        values["total_rows"] = total
        values["progress"] = round(min(rows / total, 0.99), 4)
    with factory() as session, session.begin():
        result = session.execute(
            _queue(
                update(ExportJob).where(*_owned(claim)).values(**values).execution_options(synchronize_session=False)
            )
        )
        return _rowcount(result) == 1


def finish(factory: SessionMaker, claim: Claim, *, file_name: str, size_bytes: int, rows: int, ttl: int) -> bool:
    now = utcnow()
    with factory() as session, session.begin():
        result = session.execute(
            _queue(
                update(ExportJob)
                .where(*_owned(claim))
                .values(
                    status=DONE,
                    rows=rows,
                    total_rows=rows,
                    progress=1.0,
                    file_name=file_name,
                    size_bytes=size_bytes,
                    heartbeat_at=now,
                    finished_at=now,
                    expires_at=now + timedelta(seconds=ttl),
                    claim_token=None,
                    error=None,
                )
                .execution_options(synchronize_session=False)
            )
        )
        return _rowcount(result) == 1


def fail(factory: SessionMaker, claim: Claim, reason: str) -> bool:
    now = utcnow()
    with factory() as session, session.begin():
        result = session.execute(
            _queue(
                update(ExportJob)
                .where(*_owned(claim))
                .values(status=FAILED, error=reason[:2000], finished_at=now, heartbeat_at=now, claim_token=None)
                .execution_options(synchronize_session=False)
            )
        )
        return _rowcount(result) == 1


def has_work(session: Session, *, stale_after: float = STALE_AFTER_SECONDS) -> bool:
    """Is any job queued, or running with a stale heartbeat? (A cheap read before any write.)"""
    cutoff = utcnow() - timedelta(seconds=stale_after)
    found = session.execute(
        _queue(
            select(ExportJob.id)
            .where(or_(_ready(utcnow()), and_(ExportJob.status == RUNNING, ExportJob.heartbeat_at < cutoff)))
            .limit(1)
        )
    ).first()
    return found is not None


def recover_stale(
    session: Session,
    *,
    stale_after: float = STALE_AFTER_SECONDS,
    max_attempts: int = MAX_ATTEMPTS,
    now: datetime | None = None,
    backoff_seconds: float = 5.0,
) -> list[int]:
    """Running jobs whose worker stopped beating (killed, crashed): queue them again from scratch, or
    fail them with a reason after ``max_attempts``. Their partial files are never served: a file only
    becomes the job's file at completion. Returns the ids touched."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=stale_after)
    stale = session.execute(
        _queue(
            select(ExportJob.id, ExportJob.attempts, ExportJob.claim_token).where(
                ExportJob.status == RUNNING, ExportJob.heartbeat_at < cutoff
            )
        )
    ).all()
    touched = []
    for job_id, attempts, token in stale:
        guard = (ExportJob.id == job_id, ExportJob.status == RUNNING, ExportJob.claim_token == token)
        if attempts >= max_attempts:
            values: dict[str, Any] = {
                "status": FAILED,
                "error": f"The export worker stopped responding {attempts} times; giving up",
                "finished_at": now,
                "claim_token": None,
            }
        else:
            values = {
                "status": QUEUED,
                "claim_token": None,
                "worker_id": None,
                "rows": 0,
                "progress": 0.0,
                "not_before": now + retry_delay(attempts, backoff_seconds) if backoff_seconds > 0 else None,
            }
        result = session.execute(
            _queue(update(ExportJob).where(*guard).values(**values).execution_options(synchronize_session=False))
        )
        if _rowcount(result) == 1:
            touched.append(job_id)
    return touched


def expire_done(session: Session, now: datetime | None = None) -> list[str]:
    """Mark finished jobs past their ``expires_at`` expired; returns their file names to delete."""
    now = now or utcnow()
    rows = session.execute(
        _queue(select(ExportJob.id, ExportJob.file_name).where(ExportJob.status == DONE, ExportJob.expires_at <= now))
    ).all()
    names = []
    for job_id, file_name in rows:
        result = session.execute(
            _queue(
                update(ExportJob)
                .where(ExportJob.id == job_id, ExportJob.status == DONE)
                .values(status=EXPIRED)
                .execution_options(synchronize_session=False)
            )
        )
        if _rowcount(result) == 1 and file_name:
            names.append(file_name)
    return names


def live_files(session: Session) -> tuple[set[str], set[str]]:
    """(file names of done jobs, claim tokens of running jobs): what the cleanup must keep."""
    done = set(
        session.execute(
            _queue(select(ExportJob.file_name).where(ExportJob.status == DONE, ExportJob.file_name.is_not(None)))
        )
        .scalars()
        .all()
    )
    running = set(
        session.execute(
            _queue(select(ExportJob.claim_token).where(ExportJob.status == RUNNING, ExportJob.claim_token.is_not(None)))
        )
        .scalars()
        .all()
    )
    return {name for name in done if name}, {token for token in running if token}
