"""Reads of the points ledger: a member's transactions (newest first, paged), the points about to expire,
and the rendering of the documented Transaction object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.http.pagination import Page
from loyaltyhub.rewards.models import PointsTransaction
from loyaltyhub.rewards.rules import iso

EXPIRING_SHOWN = 5


def render_transaction(row: PointsTransaction | Any) -> dict[str, Any]:
    """The Transaction object (reference (a).9): id, type, date, amount, expired_at, cancelled_at, details."""
    return {
        "id": row.id,
        "type": row.type,
        "date": iso(row.occurred_at),
        "amount": row.amount,
        "expired_at": iso(row.expired_at),
        "cancelled_at": iso(row.cancelled_at),
        "details": row.details or {},
    }


_COLUMNS = (
    PointsTransaction.id,
    PointsTransaction.type,
    PointsTransaction.occurred_at,
    PointsTransaction.amount,
    PointsTransaction.expired_at,
    PointsTransaction.cancelled_at,
    PointsTransaction.details,
)


def transactions_page(session: Session, club_id: int, member_id: int, page: Page) -> tuple[list[Any], int]:
    """One page of the member's transactions, newest first, and their total count."""
    where = (in_club(PointsTransaction, club_id), PointsTransaction.member_id == member_id)
    rows = session.execute(
        select(*_COLUMNS)
        .where(*where)
        .order_by(PointsTransaction.occurred_at.desc(), PointsTransaction.id.desc())
        .limit(page.per_page)
        .offset(page.offset)
    ).all()
    total = session.execute(select(func.count()).select_from(PointsTransaction).where(*where)).scalar_one()
    return list(rows), total


def expiring_points(session: Session, club_id: int, member_id: int, now: datetime) -> list[dict[str, Any]]:
    """The member's next expiries: ``[{"points", "expires_at"}]`` by date, the soonest first."""
    rows = session.execute(
        select(PointsTransaction.expires_at, func.sum(PointsTransaction.remaining))
        .where(
            in_club(PointsTransaction, club_id),
            PointsTransaction.member_id == member_id,
            PointsTransaction.remaining > 0,
            PointsTransaction.expires_at.is_not(None),
        )
        .group_by(PointsTransaction.expires_at)
        .order_by(PointsTransaction.expires_at)
        .limit(EXPIRING_SHOWN)
    ).all()
    return [{"points": int(points), "expires_at": iso(at)} for at, points in rows if at > now]
