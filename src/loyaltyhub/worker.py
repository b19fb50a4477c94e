"""Background jobs run beside the server (or alone by ``loyaltyhub worker``).

Each job is a function ``(settings, engine) -> None`` with an interval; domains register theirs in
``JOBS``. A job's failure is logged and retried at its next tick; it never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from loyaltyhub.ops.metrics import record_job_run
from loyaltyhub.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    interval_seconds: float
    run: Callable[[Settings, Engine], None]


def _purge_idempotency(settings: Settings, engine: Engine) -> None:
    from sqlalchemy.orm import Session

    from loyaltyhub.http.idempotency import purge_expired

    with Session(engine) as session, session.begin():
        purge_expired(session)


def _refresh_member_age_bands(settings: Settings, engine: Engine) -> None:
    from loyaltyhub.members.jobs import refresh_member_age_bands

    refresh_member_age_bands(settings, engine)


def _member_count_snapshot(settings: Settings, engine: Engine) -> None:
    from loyaltyhub.reporting.snapshots import snapshot_job

    snapshot_job(settings, engine)


def _offer_usage_rollup(settings: Settings, engine: Engine) -> None:
    from loyaltyhub.reporting.rollups import rollup_job

    rollup_job(settings, engine)


def _run_exports(settings: Settings, engine: Engine) -> None:
    from loyaltyhub.exports.runner import run_exports

    run_exports(settings, engine)


def _clean_exports(settings: Settings, engine: Engine) -> None:
    from loyaltyhub.exports.runner import clean_exports

    clean_exports(settings, engine)


JOBS: list[Job] = [
    Job("purge_idempotency_keys", 3600, _purge_idempotency),
    Job("refresh_member_age_bands", 3600, _refresh_member_age_bands),
    Job("members_count_snapshot", 15 * 60, _member_count_snapshot),
    Job("offer_usages_hourly_rollup", 60, _offer_usage_rollup),
    Job("exports", 1.0, _run_exports),
    Job("exports_cleanup", 300, _clean_exports),
]


class BackgroundWorker:
    def __init__(self, settings: Settings, engine: Engine, jobs: list[Job] | None = None) -> None:
        self.settings = settings
        self.engine = engine
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
                job.run(self.settings, self.engine)
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
