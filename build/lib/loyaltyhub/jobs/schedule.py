"""Leases on periodic jobs, so that each runs once per period for the whole cluster.

Every server process (and every ``loyaltyhub worker``) runs the job loops; before a run of a periodic job a
process claims it with one conditional ``UPDATE`` of the job's row::

    UPDATE job_schedules SET next_run_at = now + interval, holder = me, runs = runs + 1
    WHERE name = :job AND next_run_at <= now

Exactly one process gets the row (the database serialises the updates: PostgreSQL by the row lock, SQLite
by its write lock), the others find ``next_run_at`` in the future and skip. A process that dies during its
run loses nothing but that run: the next one is due one interval later, as if the run had failed.

Why a lease in the database rather than a job library: the jobs are few, periodic and idempotent, both
databases must work, and the database is the one thing every node already shares; a leader election
(advisory locks held for a process's life) would need PostgreSQL-only session locks and a connection held
open forever per process. See ``docs/decisions/ops.md``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session

from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.jobs.models import JobSchedule

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def claim_run(session: Session, name: str, interval_seconds: float, holder: str, now: datetime | None = None) -> bool:
    """Whether this process runs ``name`` now (and then no other before ``interval_seconds`` have passed)."""
    now = now or utcnow()
    dialect.insert_ignore(session, JobSchedule.__table__, {"name": name, "next_run_at": EPOCH, "runs": 0}, ["name"])
    result = session.execute(
        update(JobSchedule)
        .where(JobSchedule.name == name, JobSchedule.next_run_at <= now)
        .values(
            next_run_at=now + timedelta(seconds=interval_seconds),
            holder=holder[:200],
            started_at=now,
            runs=JobSchedule.runs + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0) == 1
