"""Running exports: complete files only, never a half file served as done."""

from __future__ import annotations

import csv
import io
import json
import os
import time
from pathlib import Path

import pytest
from sqlalchemy import update
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.exports import jobs
from loyaltyhub.exports.models import CANCELLED, DONE, EXPIRED, FAILED, RUNNING, ExportJob
from loyaltyhub.exports.runner import Sessions, cleanup, file_names, run_claim, run_pending
from loyaltyhub.settings import Settings
from tests.exports.factories import client_caller, export_job
from tests.exports.fakes import COLUMNS, FakeSource
from tests.factories import Factory


def _reload(session: Session, job: ExportJob) -> ExportJob:
    session.expire_all()
    return session.get(ExportJob, job.id)  # type: ignore[return-value]


def _files(settings: Settings) -> list[str]:
    path = Path(settings.export_dir)
    return sorted(p.name for p in path.iterdir()) if path.is_dir() else []


def test_a_queued_export_is_written_to_its_file_and_marked_done(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)

    assert run_pending(sessions, settings) == [(job.id, "done")]

    job = _reload(session, job)
    assert (job.status, job.rows, job.progress) == (DONE, 5, 1.0)
    assert job.expires_at is not None and job.finished_at is not None
    assert _files(settings) == [job.file_name]
    text = (Path(settings.export_dir) / job.file_name).read_bytes().decode()
    assert job.size_bytes == len(text.encode())
    records = list(csv.DictReader(io.StringIO(text, newline="")))
    assert list(records[0]) == COLUMNS
    assert [int(r["id"]) for r in records] == [club.id * 1000 + n for n in range(5)]


def test_ndjson_exports_are_one_object_per_row(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor, format="ndjson")
    run_pending(sessions, settings)

    job = _reload(session, job)
    lines = (Path(settings.export_dir) / job.file_name).read_text(encoding="utf-8").splitlines()
    assert job.file_name.endswith(".ndjson")
    assert [json.loads(line)["community_id"] for line in lines] == [club.id] * 5


def test_a_tenants_export_runs_once_per_club_and_puts_the_club_id_first(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    clubs = [factory.club(), factory.club()]
    _, actor = client_caller(session, clubs)
    job = export_job(session, clubs, actor_key=actor, per_club=True)
    source.rows_per_club = 2

    run_pending(sessions, settings)

    assert source.opened == [(clubs[0].id,), (clubs[1].id,)]
    job = _reload(session, job)
    records = list(csv.DictReader(io.StringIO((Path(settings.export_dir) / job.file_name).read_text())))
    assert next(iter(records[0])) == "loyalty_club_id"
    assert [int(r["loyalty_club_id"]) for r in records] == [clubs[0].id] * 2 + [clubs[1].id] * 2
    assert job.rows == 4


def test_a_failing_query_fails_the_job_with_its_reason_and_leaves_no_file(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)

    def explode(n: int) -> None:
        if n == 3:
            raise RuntimeError("database went away")

    source.on_row = explode
    assert run_pending(sessions, settings) == [(job.id, "failed")]
    job = _reload(session, job)
    assert job.status == FAILED
    assert job.error == "Export failed after 3 rows: RuntimeError: database went away"
    assert job.file_name is None and _files(settings) == []


def test_cancelling_a_running_export_stops_it_at_the_next_heartbeat(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)
    source.rows_per_club = 2000

    def cancel_midway(n: int) -> None:
        if n == 600:
            with sessions.write() as other, other.begin():
                other.execute(update(ExportJob).where(ExportJob.id == job.id).values(status=CANCELLED))

    source.on_row = cancel_midway
    claim = jobs.claim_next(sessions.write, "w")
    assert claim is not None
    assert run_claim(sessions, settings, claim, heartbeat_seconds=0) == "lost"
    assert _reload(session, job).status == CANCELLED
    assert _files(settings) == []


def test_a_revoked_token_fails_the_export(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    from loyaltyhub.auth.models import ClientToken

    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)
    session.execute(update(ClientToken).where(ClientToken.id == int(actor.split(":")[1])).values(revoked_at=utcnow()))

    assert run_pending(sessions, settings) == [(job.id, "failed")]
    assert _reload(session, job).error == "The client token that requested the export was revoked"


def test_every_further_thousand_rows_costs_the_report_once_more(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    export_job(session, [club], actor_key=actor)
    source.rows_per_club = 2500
    charges: list[int] = []

    run_pending(sessions, settings, charge=lambda access, cost: charges.append(cost))

    assert charges == [10, 10]  # rows 1-1000 were paid by the POST; 1001-2000 and 2001-2500 cost one share each


def test_a_job_of_a_killed_worker_is_resumed_and_its_half_file_is_never_served(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)
    # A worker claims the job, writes half a file, and dies (no more heartbeats).
    dead = jobs.claim_next(sessions.write, "dead")
    assert dead is not None
    Path(settings.export_dir).mkdir(parents=True)
    half = Path(settings.export_dir) / file_names(dead)[0]
    half.write_text("id,community_id\n1,")
    assert _reload(session, job).status == RUNNING

    # Nothing is served meanwhile; once its heartbeat is stale, a worker takes the job over.
    assert run_pending(sessions, settings, stale_after=3600) == []
    assert run_pending(sessions, settings, stale_after=0) == [(job.id, "done")]

    job = _reload(session, job)
    assert (job.status, job.rows, job.attempts) == (DONE, 5, 2)
    assert job.file_name != half.name and not job.file_name.endswith(".part")
    # The cleanup removes the dead worker's leftover, not the finished file.
    old = time.time() - 3600
    os.utime(half, (old, old))
    assert cleanup(sessions, settings) == [half.name]
    assert _files(settings) == [job.file_name]


def test_cleanup_expires_old_exports_and_deletes_their_files(
    session: Session, factory: Factory, sessions: Sessions, settings: Settings, source: FakeSource
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)
    run_pending(sessions, settings)
    job = _reload(session, job)
    assert cleanup(sessions, settings) == []

    session.execute(update(ExportJob).where(ExportJob.id == job.id).values(expires_at=utcnow()))
    assert cleanup(sessions, settings) == [job.file_name]
    assert _reload(session, job).status == EXPIRED
    assert _files(settings) == []


@pytest.mark.parametrize("with_columns", [True, False])
def test_an_export_without_rows_is_a_valid_file(
    session: Session,
    factory: Factory,
    sessions: Sessions,
    settings: Settings,
    source: FakeSource,
    with_columns: bool,
) -> None:
    club = factory.club()
    _, actor = client_caller(session, [club])
    job = export_job(session, [club], actor_key=actor)
    source.rows_per_club, source.with_columns = 0, with_columns

    run_pending(sessions, settings)
    job = _reload(session, job)
    text = (Path(settings.export_dir) / job.file_name).read_bytes().decode()
    assert (job.status, job.rows) == (DONE, 0)
    assert text == (",".join(COLUMNS) + "\r\n" if with_columns else "")
