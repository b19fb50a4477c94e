"""The application's Prometheus metrics: every metric object, declared once, and the helpers that feed them.

Labels carry route templates, methods, statuses, job names, bucket kinds and at most a club id: never a
path with ids in it, a query string, a token or anything about a member.

In multi-process mode (``PROMETHEUS_MULTIPROC_DIR``, set by ``loyaltyhub serve --workers N``, see
:mod:`loyaltyhub.ops.multiprocess`) the values live in files shared by the processes; :func:`exposition`
adds them up.
"""

from __future__ import annotations

import os
import time
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from sqlalchemy import Engine, event

from loyaltyhub.digits import decimal
from loyaltyhub.ops.multiprocess import ENV as MULTIPROC_ENV

# Seconds: a use of an offer takes a few milliseconds, a report up to seconds.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "loyaltyhub_http_requests_total", "HTTP requests answered, by route template, method and status",
    ["route", "method", "status"],
)  # fmt: skip
HTTP_LATENCY = Histogram(
    "loyaltyhub_http_request_duration_seconds", "Time to answer an HTTP request, by route template and method",
    ["route", "method"], buckets=LATENCY_BUCKETS,
)  # fmt: skip
DB_POOL_IN_USE = Gauge(
    "loyaltyhub_db_pool_connections_in_use", "Database connections checked out of the pools (all processes)",
    multiprocess_mode="livesum",
)  # fmt: skip
DB_POOL_CAPACITY = Gauge(
    "loyaltyhub_db_pool_capacity", "Connections the pools may open: pool size + overflow (all processes)",
    multiprocess_mode="livesum",
)  # fmt: skip
RATELIMIT_REJECTIONS = Counter(
    "loyaltyhub_ratelimit_rejections_total", "Requests refused with 429 by a rate-limit bucket",
    ["kind", "club_id"],
)  # fmt: skip
SHARED_STATE_FALLBACKS = Counter(
    "loyaltyhub_shared_state_fallbacks_total",
    "Times a process found Redis unreachable and counted rate limits or sign-in failures on its own",
    ["store"],
)
DB_CONNECTION_LOST = Counter(
    "loyaltyhub_db_connection_lost_total",
    "Requests whose database connection was lost (or whose transaction failed transiently), by outcome: "
    "retried, or answered 503",
    ["outcome"],
)  # fmt: skip
JOB_RUNS = Counter("loyaltyhub_job_runs_total", "Background job runs, by job and outcome", ["job", "outcome"])
JOB_DURATION = Histogram(
    "loyaltyhub_job_duration_seconds", "Time a background job run took", ["job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0, 900.0),
)  # fmt: skip
JOB_LAG = Gauge(
    "loyaltyhub_job_lag_seconds", "How late the latest run of a job started after it was due", ["job"],
    multiprocess_mode="livemax",
)  # fmt: skip


class RequestRecorder:
    """Counts and times requests. The labelled children are kept in a dict: ``labels()`` takes a lock and
    builds a key per call, a dict lookup costs a tenth of that on the hot path."""

    def __init__(self) -> None:
        self._counters: dict[tuple[str, str, int], Any] = {}
        self._histograms: dict[tuple[str, str], Any] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        counter = self._counters.get((route, method, status))
        if counter is None:
            counter = self._counters[(route, method, status)] = HTTP_REQUESTS.labels(route, method, str(status))
        counter.inc()
        histogram = self._histograms.get((route, method))
        if histogram is None:
            histogram = self._histograms[(route, method)] = HTTP_LATENCY.labels(route, method)
        histogram.observe(seconds)


def _checked_out(*_args: Any) -> None:
    DB_POOL_IN_USE.inc()


def _checked_in(*_args: Any) -> None:
    DB_POOL_IN_USE.dec()


def watch_pool(engine: Engine) -> None:
    """Follow ``engine``'s pool: connections in use (pool events) and its capacity."""
    event.listen(engine, "checkout", _checked_out)
    event.listen(engine, "checkin", _checked_in)
    pool: Any = engine.pool
    size = getattr(pool, "size", None)
    overflow = getattr(pool, "_max_overflow", 0)  # QueuePool keeps its limit there; no public accessor
    if callable(size):
        DB_POOL_CAPACITY.inc(size() + max(overflow, 0))


def unwatch_pool(engine: Engine) -> None:
    for name, listener in (("checkout", _checked_out), ("checkin", _checked_in)):
        if event.contains(engine, name, listener):
            event.remove(engine, name, listener)
    pool: Any = engine.pool
    size = getattr(pool, "size", None)
    if callable(size):
        DB_POOL_CAPACITY.dec(size() + max(getattr(pool, "_max_overflow", 0), 0))


def record_job_run(job: str, *, due_at: float, started_at: float, failed: bool) -> None:
    """One run of a background job (times from :func:`time.monotonic`): its outcome, duration and how
    late it started after ``due_at``. The worker calls this after every run."""
    JOB_RUNS.labels(job, "failed" if failed else "ok").inc()
    JOB_DURATION.labels(job).observe(max(time.monotonic() - started_at, 0.0))
    JOB_LAG.labels(job).set(max(started_at - due_at, 0.0))


def record_ratelimit_rejection(kind: str, owner: str) -> None:
    """A request refused by a bucket; ``owner`` is the bucket owner (``customer:<club id>`` or an
    organization's): only a single club's id becomes a label."""
    prefix, _, rest = owner.partition(":")
    RATELIMIT_REJECTIONS.labels(kind, rest if prefix == "customer" and decimal(rest) is not None else "").inc()


def record_shared_state_fallback(store: str) -> None:
    """Redis stopped answering and ``store`` (``ratelimit``, ``logins``) now counts in the process."""
    SHARED_STATE_FALLBACKS.labels(store).inc()


def multiprocess_mode() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


def exposition() -> tuple[bytes, str]:
    """The metrics in Prometheus' text format, and its content type: this process's registry, or every
    process's samples in multi-process mode."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST


def process_exited(pid: int | None = None) -> None:
    """In multi-process mode: drop the live gauges of a process that stopped (``livesum``/``livemax``)."""
    if multiprocess_mode():
        multiprocess.mark_process_dead(pid or os.getpid())
