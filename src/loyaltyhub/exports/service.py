"""Export jobs as the API sees them: create, find (only the caller's own), cancel, describe.

The worker side (claiming, heartbeats, files) lives in :mod:`loyaltyhub.exports.jobs` and
:mod:`loyaltyhub.exports.runner`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import CustomerAccess
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import ApiError, Conflict, NotFound
from loyaltyhub.exports.models import ACTIVE, CANCELLED, DONE, EXPIRED, QUEUED, ExportJob
from loyaltyhub.exports.source import ReportInfo
from loyaltyhub.services import services_of
from loyaltyhub.storage import Storage, StoredFile

ROWS_PER_CHARGE = 1000
"""An export costs the report's query cost once per this many rows (the first share is paid up front)."""


class ExportGone(ApiError):
    status_code = 410
    default_message = "Export file has expired"


def validate_query(session: Session, access: CustomerAccess, query: dict[str, Any]) -> ReportInfo:
    """Validate the query as the query endpoint would (422 on a bad one) and check the report's permit."""
    info = services_of(session).export_rows.describe(session, access, query)
    if info.permit:
        access.require(info.permit)
    return info


def create_export(
    session: Session,
    access: CustomerAccess,
    query: dict[str, Any],
    fmt: str,
    *,
    info: ReportInfo,
    per_club: bool = False,
) -> ExportJob:
    """A queued job for ``query``; a worker picks it up. ``per_club``: run it once per selected club."""
    job = ExportJob(
        loyalty_club_id=access.club_ids[0],
        club_ids=access.club_ids,
        actor_key=access.principal.actor_key,
        principal_name=access.principal.name[:320],
        permits=sorted(access.permits),
        organization_context=access.organization_context,
        per_club=per_club,
        report=info.name,
        report_permit=info.permit,
        query=query,
        format=fmt,
        cost=info.cost,
        status=QUEUED,
        rows=0,
        progress=0.0,
        attempts=0,
        created_at=utcnow(),
    )
    session.add(job)
    session.flush()
    return job


def export_for_caller(session: Session, access: CustomerAccess, export_id: int) -> ExportJob:
    """The caller's own job, within the clubs of the current selection; 404 for anything else."""
    job = session.execute(
        select(ExportJob).where(
            ExportJob.id == export_id,
            ExportJob.actor_key == access.principal.actor_key,
            ExportJob.loyalty_club_id.in_(access.club_ids),
        )
    ).scalar_one_or_none()
    if job is None or not set(job.club_ids) <= set(access.club_ids):
        raise NotFound(f"Export#{export_id} not found")
    return job


def list_exports(session: Session, access: CustomerAccess, limit: int = 100) -> list[ExportJob]:
    jobs = session.execute(
        select(ExportJob)
        .where(ExportJob.actor_key == access.principal.actor_key, ExportJob.loyalty_club_id.in_(access.club_ids))
        .order_by(ExportJob.id.desc())
        .limit(limit)
    ).scalars()
    selected = set(access.club_ids)
    return [job for job in jobs if set(job.club_ids) <= selected]


def cancel_export(session: Session, job: ExportJob) -> tuple[ExportJob, str | None]:
    """Cancel a queued or running job, or withdraw a finished one's file.

    The status change is a conditional update, so it cannot undo a worker's completion that committed
    meanwhile. Returns the job and the file name to delete once this transaction has committed.
    """
    if job.status not in (*ACTIVE, DONE):
        return job, None
    now = utcnow()
    result = session.execute(
        update(ExportJob)
        .where(ExportJob.id == job.id, in_club(ExportJob, job.loyalty_club_id), ExportJob.status == job.status)
        .values(status=CANCELLED, finished_at=now, claim_token=None, error="Cancelled by the caller")
        .execution_options(synchronize_session=False)
    )
    session.refresh(job)
    if getattr(result, "rowcount", 0) != 1:
        if job.status in (*ACTIVE, DONE):  # pragma: no cover - changed between read and update; retry once
            return cancel_export(session, job)
        return job, None
    return job, job.file_name


def downloadable(store: Storage, job: ExportJob, access: CustomerAccess | None = None) -> StoredFile | Path:
    """The finished file (a local path when the store is a directory), or the reason there is none (409
    while not done, 410 once expired). The caller must still hold the report's permit."""
    if access is not None and job.report_permit:
        access.require(job.report_permit)
    if job.status == EXPIRED:
        raise ExportGone(f"Export#{job.id} has expired")
    if job.status != DONE:
        raise Conflict(f"Export#{job.id} is not ready (status: {job.status})", status=job.status)
    if job.expires_at is not None and job.expires_at <= utcnow():
        raise ExportGone(f"Export#{job.id} has expired")
    if not job.file_name:
        raise Conflict(f"Export#{job.id} has no file")
    path = store.local_path(job.file_name)
    if path is not None:
        return path
    try:
        return store.read(job.file_name)
    except FileNotFoundError:
        raise ExportGone(f"Export#{job.id} file is no longer available") from None


def download_name(job: ExportJob) -> str:
    from loyaltyhub.exports.formats import EXTENSIONS

    scope = "tenants-" if job.per_club else ""
    return f"{scope}{job.report}-export-{job.id}.{EXTENSIONS.get(job.format, job.format)}"


def remove_file(store: Storage, file_name: str | None) -> None:
    if file_name:
        store.delete(file_name)
