"""The schedule of the cluster's periodic jobs: one row per job, the lease a process takes to run it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, UTCDateTime


class JobSchedule(Base):
    """Not a tenant table: a job works for the whole installation (each job names its clubs itself)."""

    __tablename__ = "job_schedules"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """No process starts the job before this instant; whoever starts it moves it one interval on."""
    holder: Mapped[str | None] = mapped_column(String(200))
    """The process that started the last run (``host:pid:thread``)."""
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
