"""Durability against real processes and threads, on committed data: a killed worker's job is finished
by the next worker and its half file is never served; concurrent workers never share a job."""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from loyaltyhub.auth.models import ClientToken
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.exports import jobs
from loyaltyhub.exports.models import DONE, RUNNING, ExportJob
from loyaltyhub.exports.runner import Sessions, cleanup, run_pending
from loyaltyhub.exports.service import downloadable
from loyaltyhub.services import SESSION_KEY, AppServices
from loyaltyhub.settings import Settings
from loyaltyhub.storage import LocalStorage
from loyaltyhub.wiring import build_services, unit_of_work
from tests.exports.factories import client_caller, export_job
from tests.exports.fakes import FakeSource
from tests.factories import Factory

ROOT = Path(__file__).resolve().parents[2]


def _services_with(source: FakeSource) -> AppServices:
    return replace(build_services(), export_rows=source)


WORKER_SCRIPT = """
import sys, time
from loyaltyhub.db.engine import make_engine
from dataclasses import replace
from loyaltyhub.exports.runner import Sessions, run_pending
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import build_services
from tests.exports.fakes import FakeSource

settings = Settings(env="test", database_url=sys.argv[1], export_dir=sys.argv[2])
slow = FakeSource(rows_per_club=1_000_000, on_row=lambda n: n > 200 and time.sleep(0.002))
services = replace(build_services(), export_rows=slow)
run_pending(Sessions.for_engine(make_engine(settings.database_url), services), settings, heartbeat_seconds=0.1)
"""


@pytest.fixture
def committed(engine: Engine) -> Iterator[Session]:
    """A session whose work is committed (other processes see it); its clubs and tokens are deleted after."""
    session = Session(engine, expire_on_commit=False, info={SESSION_KEY: build_services()})
    try:
        yield session
    finally:
        session.rollback()
        clubs = [
            club.id for club in session.execute(select(LoyaltyClub).where(LoyaltyClub.slug.like("durable-%"))).scalars()
        ]
        session.execute(delete(ExportJob).where(ExportJob.loyalty_club_id.in_(clubs)))
        session.execute(delete(ClientToken).where(ClientToken.name.like("exports %")))
        session.execute(delete(LoyaltyClub).where(LoyaltyClub.id.in_(clubs)))
        session.commit()
        session.close()


def _setup(committed: Session, n_jobs: int = 1) -> list[int]:
    factory = Factory(committed)
    club = factory.club(slug=f"durable-{time.monotonic_ns()}")
    _, actor = client_caller(committed, [club])
    ids = [export_job(committed, [club], actor_key=actor).id for _ in range(n_jobs)]
    committed.commit()
    return ids


def _job(engine: Engine, job_id: int) -> ExportJob:
    with unit_of_work(engine, write=False) as session:
        return session.execute(select(ExportJob).where(ExportJob.id == job_id)).scalar_one()


@pytest.mark.slow
def test_killing_a_worker_mid_export_never_serves_a_half_file_and_the_next_worker_finishes(
    engine: Engine, database_url: str, committed: Session, settings: Settings, tmp_path: Path
) -> None:
    (job_id,) = _setup(committed)
    export_dir = Path(settings.export_dir)
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER_SCRIPT, database_url, str(export_dir)], cwd=ROOT, env=env, stderr=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while _job(engine, job_id).rows < 500:  # running, and has heartbeaten past row 500
            assert worker.poll() is None, worker.stderr.read().decode() if worker.stderr else ""
            assert time.monotonic() < deadline, "the worker never got going"
            time.sleep(0.05)
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        if worker.stderr:
            worker.stderr.close()

    killed = _job(engine, job_id)
    assert killed.status == RUNNING and killed.file_name is None
    leftovers = sorted(p.name for p in export_dir.iterdir())
    assert len(leftovers) == 1 and leftovers[0].endswith(".part")  # a half file exists, but it is nobody's file
    with pytest.raises(Exception, match="not ready"):
        downloadable(LocalStorage(export_dir), killed)

    # The next worker (the server started again) finds the stale heartbeat and runs the job from scratch.
    sessions = Sessions.for_engine(engine, _services_with(FakeSource(rows_per_club=1234)))
    assert run_pending(sessions, settings) == []  # heartbeat still fresh: not taken over yet
    assert run_pending(sessions, settings, stale_after=0) == [(job_id, "done")]
    finished = _job(engine, job_id)
    assert (finished.status, finished.rows, finished.attempts) == (DONE, 1234, 2)
    path = downloadable(LocalStorage(export_dir), finished)
    records = list(csv.reader(io.StringIO(path.read_bytes().decode(), newline="")))
    assert len(records) == 1 + 1234  # header + every row, nothing else
    assert [int(r[0]) for r in records[1:]] == [1000 * finished.loyalty_club_id + n for n in range(1234)]
    assert cleanup(sessions, settings, grace_seconds=0) == leftovers
    assert [p.name for p in export_dir.iterdir()] == [finished.file_name]


def test_concurrent_workers_never_claim_the_same_job(engine: Engine, committed: Session) -> None:
    ids = _setup(committed, n_jobs=12)
    sessions = Sessions.for_engine(engine, build_services())
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        start.wait()
        mine = claimed.setdefault(name, [])
        while (claim := jobs.claim_next(sessions.write, name)) is not None:
            mine.append(claim.id)

    threads = [threading.Thread(target=work, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    everything = [job_id for mine in claimed.values() for job_id in mine]
    assert sorted(everything) == sorted(ids)  # each job exactly once
    for job_id in ids:
        assert _job(engine, job_id).attempts == 1


def test_a_slow_query_before_the_first_row_keeps_its_heartbeat(
    engine: Engine, committed: Session, settings: Settings
) -> None:
    (job_id,) = _setup(committed)
    beats = []

    def slow_first_row(n: int) -> None:
        if n == 0:  # the query is still "running": no row written yet
            started = _job(engine, job_id).heartbeat_at
            time.sleep(1.0)
            beats.append((started, _job(engine, job_id).heartbeat_at))

    services = _services_with(FakeSource(rows_per_club=3, on_row=slow_first_row))
    done = run_pending(Sessions.for_engine(engine, services), settings, heartbeat_seconds=0.2, keepalive=True)

    assert done == [(job_id, "done")]
    ((started, later),) = beats
    assert later > started  # beaten by the keepalive thread while no row came


def test_the_worker_runs_exports_and_their_cleanup(engine: Engine, committed: Session, settings: Settings) -> None:
    from loyaltyhub.worker import JOBS, JobContext

    jobs_by_name = {job.name: job for job in JOBS}
    assert jobs_by_name["exports"].interval_seconds <= 2
    (job_id,) = _setup(committed)
    context = JobContext(settings=settings, engine=engine, services=_services_with(FakeSource(rows_per_club=7)))
    jobs_by_name["exports"].run(context)  # what `loyaltyhub serve` / `loyaltyhub worker` run
    jobs_by_name["exports_cleanup"].run(context)
    finished = _job(engine, job_id)
    assert (finished.status, finished.rows) == (DONE, 7)
    assert downloadable(settings.export_files(), finished).is_file()
