"""Periodic jobs run once per period for the whole cluster (loyaltyhub.jobs.schedule, loyaltyhub.worker)."""

from __future__ import annotations

import itertools
import threading
import time
from datetime import timedelta

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.jobs.models import JobSchedule
from loyaltyhub.jobs.schedule import claim_run
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import build_services, unit_of_work
from loyaltyhub.worker import BackgroundWorker, Job


def test_one_claim_per_interval(session: Session) -> None:
    now = utcnow()
    assert claim_run(session, "test_job", 60, "a", now=now)
    assert not claim_run(session, "test_job", 60, "b", now=now + timedelta(seconds=59))
    assert claim_run(session, "test_job", 60, "b", now=now + timedelta(seconds=60))
    row = session.execute(select(JobSchedule).where(JobSchedule.name == "test_job")).scalar_one()
    assert (row.holder, row.runs) == ("b", 2)


def test_workers_of_several_processes_run_a_cluster_job_once_per_interval(engine: Engine, settings: Settings) -> None:
    """Four workers (as four server processes would) share one database: a 1 s job runs about once a second,
    not four times; a queue job runs in every worker."""
    name, queue = "test_cluster_job", "test_queue_job"
    cluster_runs: list[float] = []
    queue_runs: set[int] = set()
    lock = threading.Lock()

    def cluster(_context: object) -> None:
        with lock:
            cluster_runs.append(time.monotonic())

    def queue_job(_context: object) -> None:
        with lock:
            queue_runs.add(threading.get_ident())

    jobs = [Job(name, 1.0, cluster), Job(queue, 0.2, queue_job, scope="queue")]
    workers = [BackgroundWorker(settings, engine, build_services(), jobs=jobs) for _ in range(4)]
    try:
        started = time.monotonic()
        for worker in workers:
            worker.start()
        time.sleep(4.5)
    finally:
        for worker in workers:
            worker.stop()
        with unit_of_work(engine, write=True) as session:
            session.execute(delete(JobSchedule).where(JobSchedule.name == name))
    elapsed = time.monotonic() - started
    # Polled every second by four workers: one run per elapsed second (the first at once), never two.
    assert 3 <= len(cluster_runs) <= int(elapsed) + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(cluster_runs)]
    assert all(gap > 0.5 for gap in gaps), gaps
    assert len(queue_runs) == 4  # every worker's thread ran the queue job


def test_a_job_that_finds_the_database_locked_retries_within_seconds(engine: Engine, settings: Settings) -> None:
    """Issue #14, defect 8: jobs started together at boot on SQLite failed with ``database is locked`` and
    waited a whole period (an hour for some) before trying again."""
    from sqlalchemy.exc import OperationalError

    name = "test_locked_job"
    attempts: list[float] = []

    def locked_twice(_context: object) -> None:
        attempts.append(time.monotonic())
        if len(attempts) <= 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))

    worker = BackgroundWorker(settings, engine, build_services(), jobs=[Job(name, 3600.0, locked_twice)])
    try:
        worker.start()
        deadline = time.monotonic() + 15
        while len(attempts) < 3 and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        worker.stop()
        with unit_of_work(engine, write=True) as session:
            session.execute(delete(JobSchedule).where(JobSchedule.name == name))
    assert len(attempts) == 3, "retried twice, then succeeded, within seconds of an hourly job's start"
    assert attempts[2] - attempts[0] < 10
