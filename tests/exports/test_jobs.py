"""The job table's state machine: one owner per job, heartbeats, stale recovery, expiry."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.exports import jobs
from loyaltyhub.exports.models import CANCELLED, DONE, EXPIRED, FAILED, QUEUED, RUNNING, ExportJob
from loyaltyhub.exports.runner import Sessions
from tests.exports.factories import export_job
from tests.factories import Factory


def _reload(session: Session, job: ExportJob) -> ExportJob:
    session.expire_all()
    return session.get(ExportJob, job.id)  # type: ignore[return-value]


def test_the_oldest_queued_job_is_claimed_once(session: Session, factory: Factory, sessions: Sessions) -> None:
    club = factory.club()
    first = export_job(session, [club])
    second = export_job(session, [club])
    export_job(session, [club], status=DONE)

    a = jobs.claim_next(sessions.write, "worker-a")
    b = jobs.claim_next(sessions.write, "worker-b")
    c = jobs.claim_next(sessions.write, "worker-c")

    assert a is not None and b is not None and c is None
    assert (a.id, b.id) == (first.id, second.id)
    assert a.claim_token != b.claim_token
    claimed = _reload(session, first)
    assert (claimed.status, claimed.worker_id, claimed.attempts) == (RUNNING, "worker-a", 1)
    assert claimed.heartbeat_at is not None


def test_a_heartbeat_records_progress_while_the_job_is_ours(
    session: Session, factory: Factory, sessions: Sessions
) -> None:
    job = export_job(session, [factory.club()])
    claim = jobs.claim_next(sessions.write, "w")
    assert claim is not None

    assert jobs.heartbeat(sessions.write, claim, rows=250, total=1000)
    job = _reload(session, job)
    assert (job.rows, job.total_rows, job.progress) == (250, 1000, 0.25)


def test_a_cancelled_job_tells_its_worker_at_the_next_heartbeat_and_cannot_be_finished(
    session: Session, factory: Factory, sessions: Sessions
) -> None:
    job = export_job(session, [factory.club()])
    claim = jobs.claim_next(sessions.write, "w")
    assert claim is not None
    session.execute(update(ExportJob).where(ExportJob.id == job.id).values(status=CANCELLED))

    assert not jobs.heartbeat(sessions.write, claim, rows=10)
    assert not jobs.finish(sessions.write, claim, file_name="x.csv", size_bytes=1, rows=10, ttl=60)
    assert not jobs.fail(sessions.write, claim, "boom")
    assert _reload(session, job).status == CANCELLED


def test_a_job_taken_over_after_a_stale_heartbeat_is_lost_to_its_first_worker(
    session: Session, factory: Factory, sessions: Sessions
) -> None:
    job = export_job(session, [factory.club()])
    dead = jobs.claim_next(sessions.write, "dead")
    assert dead is not None

    later = utcnow() + timedelta(seconds=31)
    assert jobs.recover_stale(session, stale_after=30, now=later, backoff_seconds=0) == [job.id]
    alive = jobs.claim_next(sessions.write, "alive")
    assert alive is not None and alive.id == job.id and alive.attempt == 2

    assert not jobs.heartbeat(sessions.write, dead, rows=5)
    assert not jobs.finish(sessions.write, dead, file_name="half.csv", size_bytes=1, rows=5, ttl=60)
    assert jobs.finish(sessions.write, alive, file_name="whole.csv", size_bytes=9, rows=9, ttl=60)
    job = _reload(session, job)
    assert (job.status, job.file_name, job.rows, job.progress) == (DONE, "whole.csv", 9, 1.0)


def test_a_job_taken_back_from_a_dead_worker_waits_its_backoff(
    session: Session, factory: Factory, sessions: Sessions
) -> None:
    job = export_job(session, [factory.club()])
    assert jobs.claim_next(sessions.write, "dead") is not None
    assert jobs.recover_stale(session, stale_after=0, backoff_seconds=60) == [job.id]
    waiting = _reload(session, job)
    assert waiting.status == QUEUED and waiting.not_before is not None
    assert timedelta(seconds=59) < waiting.not_before - utcnow() <= timedelta(seconds=60)
    assert jobs.claim_next(sessions.write, "eager") is None  # not before its time
    assert not jobs.has_work(session, stale_after=30)
    session.execute(update(ExportJob).where(ExportJob.id == job.id).values(not_before=utcnow()))
    assert jobs.claim_next(sessions.write, "patient").attempt == 2


def test_the_backoff_grows_with_the_attempts() -> None:
    assert [jobs.retry_delay(n, 5).total_seconds() for n in (1, 2, 3, 9)] == [5, 20, 80, 600]


def test_fresh_heartbeats_are_left_alone(session: Session, factory: Factory, sessions: Sessions) -> None:
    job = export_job(session, [factory.club()])
    assert jobs.claim_next(sessions.write, "w") is not None

    assert jobs.recover_stale(session, stale_after=30) == []
    assert _reload(session, job).status == RUNNING


def test_a_job_whose_workers_keep_dying_fails_with_a_reason(
    session: Session, factory: Factory, sessions: Sessions
) -> None:
    job = export_job(session, [factory.club()])
    later = utcnow() + timedelta(minutes=5)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        claim = jobs.claim_next(sessions.write, f"w{attempt}")
        assert claim is not None and claim.attempt == attempt
        jobs.recover_stale(session, now=later, backoff_seconds=0)

    job = _reload(session, job)
    assert job.status == FAILED
    assert job.error == f"The export worker stopped responding {jobs.MAX_ATTEMPTS} times; giving up"
    assert job.file_name is None
    assert jobs.claim_next(sessions.write, "w") is None


def test_finished_jobs_expire_after_their_ttl(session: Session, factory: Factory) -> None:
    club = factory.club()
    old = export_job(session, [club], status=DONE, file_name="old.csv", expires_at=utcnow() - timedelta(seconds=1))
    fresh = export_job(session, [club], status=DONE, file_name="new.csv", expires_at=utcnow() + timedelta(hours=1))
    queued = export_job(session, [club])

    assert jobs.expire_done(session) == ["old.csv"]
    assert [_reload(session, j).status for j in (old, fresh, queued)] == [EXPIRED, DONE, QUEUED]
