"""Background jobs run beside the server (or alone by ``loyaltyhub worker``).

Each job is a function of the worker's :class:`JobContext` with an interval, listed in :data:`JOBS`. A job
opens its transactions with ``context.unit_of_work(write=...)`` (the app's services bound, SQLite's write
lock taken up front for writers). A job's failure is logged and retried at its next tick; it never stops
the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub.db.session import unit_of_work
from loyaltyhub.ops.metrics import record_job_run
from loyaltyhub.services import SESSION_KEY, AppServices
from loyaltyhub.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class JobContext:
    """What a job runs with: the settings, the database and the app's services."""

    settings: Settings
    engine: Engine
    services: AppServices

    def unit_of_work(self, *, write: bool) -> AbstractContextManager[Session]:
        return unit_of_work(self.engine, write=write, **{SESSION_KEY: self.services})

    @property
    def units(self) -> Callable[..., AbstractContextManager[Session]]:
        """:meth:`unit_of_work` as a plain callable, for domain jobs that open several transactions."""
        return partial(unit_of_work, self.engine, **{SESSION_KEY: self.services})


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[JobContext], None]


def _purge_idempotency(context: JobContext) -> None:
    from loyaltyhub.idempotency.service import purge_expired

    with context.unit_of_work(write=True) as session:
        purge_expired(session)


def _refresh_member_age_bands(context: JobContext) -> None:
    from loyaltyhub.members.jobs import refresh_member_age_bands

    refresh_member_age_bands(context.units)


def _member_count_snapshot(context: JobContext) -> None:
    from loyaltyhub.reporting.snapshots import take_snapshot

    with context.unit_of_work(write=True) as session:
        take_snapshot(session)


def _offer_usage_rollup(context: JobContext) -> None:
    from loyaltyhub.reporting.rollups import roll_up

    with context.unit_of_work(write=True) as session:
        roll_up(session)


def _run_exports(context: JobContext) -> None:
    from loyaltyhub.exports.runner import run_exports

    run_exports(context.settings, context.engine, context.services)


def _clean_exports(context: JobContext) -> None:
    from loyaltyhub.exports.runner import clean_exports

    clean_exports(context.settings, context.engine, context.services)


JOBS: list[Job] = [
    Job("purge_idempotency_keys", 3600, _purge_idempotency),
    Job("refresh_member_age_bands", 3600, _refresh_member_age_bands),
    Job("members_count_snapshot", 15 * 60, _member_count_snapshot),
    Job("offer_usages_hourly_rollup", 60, _offer_usage_rollup),
    Job("exports", 1.0, _run_exports),
    Job("exports_cleanup", 300, _clean_exports),
]


class BackgroundWorker:
    def __init__(
        self, settings: Settings, engine: Engine, services: AppServices, jobs: list[Job] | None = None
    ) -> None:
        self.context = JobContext(settings=settings, engine=engine, services=services)
        self.jobs = jobs if jobs is not None else JOBS
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for job in self.jobs:
            thread = threading.Thread(target=self._loop, args=(job,), name=f"job-{job.name}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def _loop(self, job: Job) -> None:
        due = time.monotonic()
        while not self._stop.is_set():
            started, failed = time.monotonic(), False
            try:
                job.run(self.context)
            except Exception:
                failed = True
                log.exception("background job %s failed", job.name)
            record_job_run(job.name, due_at=due, started_at=started, failed=failed)
            due = time.monotonic() + job.interval_seconds
            self._stop.wait(job.interval_seconds)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)

    def run_forever(self) -> None:
        self.start()
        try:
            self._stop.wait()
        except KeyboardInterrupt:
            self.stop()
