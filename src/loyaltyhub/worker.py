"""Background jobs run beside the server (or alone by ``loyaltyhub worker``).

Each job is a function of the worker's :class:`JobContext` with an interval, listed in :data:`JOBS`. A job
opens its transactions with ``context.unit_of_work(write=...)`` (the app's services bound, SQLite's write
lock taken up front for writers). A job's failure is logged and retried at its next tick; it never stops
the others.

Two kinds of job, whatever the number of server processes and nodes running them:

* ``cluster`` jobs (snapshots, roll-ups, purges) run once per interval for the whole cluster: each process
  polls, and the one that claims the job's lease (:mod:`loyaltyhub.jobs.schedule`) runs it;
* ``queue`` jobs (exports; dispatches and deliveries next) run in every process: they take work item by item
  with claims and leases of their own, so any number of workers share the queue and a dead one's items are
  taken over.

Intervals can be overridden with ``LOYALTYHUB_JOB_INTERVALS`` (a JSON object of seconds by job name).
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from typing import Literal

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from loyaltyhub.db.dialect import is_transient
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
    scope: Literal["cluster", "queue"] = "cluster"


CLUSTER_POLL_SECONDS = 15.0
TRANSIENT_RETRIES = 3
"""Retries of a job run that failed transiently (:func:`loyaltyhub.db.dialect.is_transient`)."""
"""How often a process asks whether a cluster job is due (a one-row UPDATE): a job is at most this late."""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


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


def _messaging_totals(context: JobContext) -> None:
    from loyaltyhub.messaging.totals import fold

    with context.unit_of_work(write=True) as session:
        fold(session)


def _expire_points(context: JobContext) -> None:
    from loyaltyhub.db.base import utcnow
    from loyaltyhub.rewards.points.expiry import expire_points
    from loyaltyhub.rewards.points.notices import notify_expiring

    now = utcnow()
    expire_points(context.units, now)
    notify_expiring(context.units, now)


def _run_exports(context: JobContext) -> None:
    from loyaltyhub.exports.runner import run_exports

    run_exports(context.settings, context.engine, context.services)


def _clean_exports(context: JobContext) -> None:
    from loyaltyhub.exports.runner import clean_exports

    clean_exports(context.settings, context.engine, context.services)


def _messaging(context: JobContext) -> None:
    from loyaltyhub.messaging.jobs import run_messaging
    from loyaltyhub.messaging.links import PublicUrls

    urls = PublicUrls(context.settings.links_base_url, context.settings.secret_key)
    run_messaging(context.units, worker_name(), urls=urls)


def _deliver_webhooks(context: JobContext) -> None:
    from loyaltyhub.db.engine import make_session_factory, writer
    from loyaltyhub.webhooks.delivery import drain

    drain(make_session_factory(writer(context.engine), {SESSION_KEY: context.services}), context.settings)


def _run_triggers(context: JobContext) -> None:
    from loyaltyhub.db.engine import make_session_factory, writer
    from loyaltyhub.triggers.queue import process_due

    factory = make_session_factory(writer(context.engine), {SESSION_KEY: context.services})
    batch, pairwise = context.settings.triggerer_batch_size, context.settings.triggerer_judge == "pairwise"
    for _ in range(50):  # until the due queue is empty (at most 50 batches a tick)
        if process_due(factory, batch=batch, pairwise=pairwise) == 0:
            break
        # A breath between batches lets other writers in: SQLite's lock is not handed over fairly, and a
        # worker that takes it back at once can starve a request past its busy timeout.
        time.sleep(0.02)


JOBS: list[Job] = [
    Job("purge_idempotency_keys", 3600, _purge_idempotency),
    Job("refresh_member_age_bands", 3600, _refresh_member_age_bands),
    Job("members_count_snapshot", 15 * 60, _member_count_snapshot),
    Job("offer_usages_hourly_rollup", 60, _offer_usage_rollup),
    Job("messaging_totals", 5, _messaging_totals),
    Job("rewards_points_expiry", 300, _expire_points),
    Job("exports", 1.0, _run_exports, scope="queue"),
    Job("exports_cleanup", 300, _clean_exports),
    Job("messaging", 1.0, _messaging, scope="queue"),
    Job("webhook_deliveries", 1.0, _deliver_webhooks, scope="queue"),
    Job("triggerer", 1.0, _run_triggers, scope="queue"),
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

    def interval(self, job: Job) -> float:
        return float(self.context.settings.job_intervals.get(job.name, job.interval_seconds))

    def _loop(self, job: Job) -> None:
        interval = self.interval(job)
        due = time.monotonic()
        while not self._stop.is_set():
            if job.scope == "queue" or self._claimed(job, interval):
                started = time.monotonic()
                failed = self._run(job)
                record_job_run(job.name, due_at=due, started_at=started, failed=failed)
                due = time.monotonic() + interval
            self._stop.wait(interval if job.scope == "queue" else min(interval, CLUSTER_POLL_SECONDS))

    def _run(self, job: Job) -> bool:
        """Run the job once; a transient failure (SQLite's ``database is locked`` when jobs start together at
        boot) is retried within seconds (1, 2, 4 s) instead of a whole period later. True when it failed."""
        for attempt in range(TRANSIENT_RETRIES + 1):
            try:
                job.run(self.context)
                return False
            except Exception as exc:
                if attempt < TRANSIENT_RETRIES and is_transient(exc) and not self._stop.is_set():
                    log.warning("background job %s: %s; retrying in %ss", job.name, exc, 2**attempt)
                    self._stop.wait(2**attempt)
                    continue
                log.exception("background job %s failed", job.name)
                return True
        return True

    def _claimed(self, job: Job, interval: float) -> bool:
        """Whether this process runs the cluster job now (no other process of the cluster does)."""
        from loyaltyhub.jobs.schedule import claim_run

        try:
            with self.context.unit_of_work(write=True) as session:
                return claim_run(session, job.name, interval, worker_name())
        except Exception:
            log.exception("could not claim background job %s", job.name)
            return False

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
