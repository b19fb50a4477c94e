"""Several nodes on one PostgreSQL database: periodic jobs run once per cluster, queued work survives a node.

Real processes: two ``loyaltyhub serve`` nodes with two worker processes each (four job runners), and two
export-worker processes of which one is killed in the middle of a job."""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from loyaltyhub.db.engine import make_engine
from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.exports.models import DONE, RUNNING, ExportJob
from loyaltyhub.jobs.models import JobSchedule
from loyaltyhub.reporting.models import MembersCountSnapshot
from loyaltyhub.wiring import unit_of_work
from tests.exports.factories import client_caller, export_job
from tests.factories import Factory
from tests.members import factories as members
from tests.ops.servers import environment, run, serve

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def postgres_url(scratch_url: str) -> str:
    if scratch_url.startswith("sqlite"):
        pytest.skip("several nodes share a PostgreSQL database (SQLite is one node's file)")
    return scratch_url


def test_two_nodes_with_two_workers_each_run_a_periodic_job_once_per_period(postgres_url: str, tmp_path: Path) -> None:
    """Four job runners (two nodes, two server processes each) take a member-count snapshot every 2 s for the
    whole cluster: consecutive snapshots are 2 s apart or more, never two at once (each runner running it on
    its own would have taken four in each interval)."""
    env = environment(
        postgres_url,
        LOYALTYHUB_RUN_WORKER_IN_SERVER="true",
        LOYALTYHUB_JOB_INTERVALS=json.dumps({"members_count_snapshot": 2}),
        LOYALTYHUB_EXPORT_DIR=str(tmp_path / "exports"),
    )
    run(["migrate"], env, ROOT)
    engine = make_engine(postgres_url)
    with unit_of_work(engine, write=True) as session:
        members.member(session, Factory(session).club())  # a club with a member: every snapshot writes rows
    with serve(env, ROOT, tmp_path / "node-a.log", workers=2), serve(env, ROOT, tmp_path / "node-b.log", workers=2):
        time.sleep(9)
    with unit_of_work(engine, write=False) as session:
        taken = list(
            session.execute(
                across_clubs(select(MembersCountSnapshot.taken_at).distinct().order_by(MembersCountSnapshot.taken_at))
            ).scalars()
        )
        runs, holders = session.execute(
            select(JobSchedule.runs, JobSchedule.holder).where(JobSchedule.name == "members_count_snapshot")
        ).one()
    engine.dispose()
    assert len(taken) == runs >= 4
    gaps = [(later - earlier).total_seconds() for earlier, later in itertools.pairwise(taken)]
    # taken_at is when a run wrote its snapshot, after its claim (a loaded machine delays a run by a few
    # hundred ms): a second run in the same 2 s period would show a gap near 0, so half the period tells.
    assert min(gaps) >= 1.0, gaps
    assert holders


WORKER_LOOP = """
import sys, time
from dataclasses import replace
from loyaltyhub.db.engine import make_engine
from loyaltyhub.exports.runner import Sessions, run_pending
from loyaltyhub.settings import Settings
from loyaltyhub.wiring import build_services
from tests.exports.fakes import FakeSource

settings = Settings(env="test", database_url=sys.argv[1], export_dir=sys.argv[2])
settings = settings.model_copy(update={"export_stale_seconds": 2, "export_retry_backoff_seconds": 0.5})
slow = FakeSource(rows_per_club=3000, on_row=lambda n: time.sleep(0.002))
sessions = Sessions.for_engine(make_engine(settings.database_url), replace(build_services(), export_rows=slow))
while True:  # a worker node's exports job: poll the queue
    for job_id, outcome in run_pending(sessions, settings, heartbeat_seconds=0.2):
        print(f"{job_id} {outcome}", flush=True)
    time.sleep(0.2)
"""


def test_an_export_survives_the_death_of_the_node_running_it(postgres_url: str, tmp_path: Path) -> None:
    """Two worker nodes share one queue and one export directory (as with shared storage): the node that
    took the job is SIGKILLed midway; the other takes the job over once its heartbeat is stale, after its
    backoff, and finishes it; the file has every row once."""
    run(["migrate"], environment(postgres_url), ROOT)
    engine = make_engine(postgres_url)
    with unit_of_work(engine, write=True) as session:
        factory = Factory(session)
        club = factory.club()
        _, actor = client_caller(session, [club])
        job_id = export_job(session, [club], actor_key=actor).id
    export_dir = tmp_path / "exports"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}"}
    nodes = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER_LOOP, postgres_url, str(export_dir)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            start_new_session=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 60
        while True:
            with unit_of_work(engine, write=False) as session:
                job = session.execute(select(ExportJob).where(ExportJob.id == job_id)).scalar_one()
            if job.status == RUNNING and job.rows >= 500:
                break
            assert time.monotonic() < deadline, "no node took the job"
            time.sleep(0.05)
        holder_pid = int(job.worker_id.split(":")[1])
        victim = next(node for node in nodes if node.pid == holder_pid)
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait()
        survivor = next(node for node in nodes if node is not victim)
        deadline = time.monotonic() + 90
        while True:
            with unit_of_work(engine, write=False) as session:
                job = session.execute(select(ExportJob).where(ExportJob.id == job_id)).scalar_one()
            if job.status == DONE:
                break
            assert survivor.poll() is None, "the surviving node died"
            assert time.monotonic() < deadline, f"not finished: {job.status} {job.rows}"
            time.sleep(0.2)
    finally:
        for node in nodes:
            if node.poll() is None:
                os.killpg(node.pid, signal.SIGKILL)
                node.wait()
    engine.dispose()
    assert (job.attempts, job.rows) == (2, 3000)
    assert job.worker_id.split(":")[1] == str(survivor.pid)
    with (export_dir / job.file_name).open(newline="") as exported:
        records = list(csv.reader(exported))
    assert len(records) == 1 + 3000  # the header and every row once
    assert len({record[0] for record in records[1:]}) == 3000
