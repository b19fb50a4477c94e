"""Builders of export jobs (plain functions taking ``session``)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.exports.models import QUEUED, ExportJob


def export_job(session: Session, clubs: list[LoyaltyClub], actor_key: str = "client:0", **overrides: Any) -> ExportJob:
    values: dict[str, Any] = {
        "loyalty_club_id": clubs[0].id,
        "club_ids": [club.id for club in clubs],
        "actor_key": actor_key,
        "principal_name": "tests",
        "permits": [permits.REPORTING_QUERY, permits.REPORTING_EXPORT, permits.REPORT_MEMBERS],
        "organization_context": len(clubs) > 1,
        "per_club": False,
        "report": "items",
        "query": {"report": "items"},
        "format": "csv",
        "cost": 10,
        "status": QUEUED,
        "rows": 0,
        "progress": 0.0,
        "attempts": 0,
        "created_at": utcnow(),
    }
    values.update(overrides)
    job = ExportJob(**values)
    session.add(job)
    session.flush()
    return job


def client_caller(session: Session, clubs: list[LoyaltyClub], permit_names: list[str] | None = None) -> tuple[str, str]:
    """A client token on ``clubs`` (every permit unless given): (token, actor_key)."""
    from loyaltyhub.auth.permits import all_permits
    from loyaltyhub.auth.service import create_client_token

    chosen = [p.name for p in all_permits()] if permit_names is None else permit_names
    issued = create_client_token(
        session, name=f"exports {utcnow().timestamp()}", permits=chosen, club_slugs=[c.slug for c in clubs]
    )
    return issued.token, f"client:{issued.record.id}"
