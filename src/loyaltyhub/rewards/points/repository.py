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


# --- The wallet view of the older "Transaction API" (reference (a).5) -----------------------------------

WALLET = "default_wallet"
"""loyaltyhub keeps one wallet per member; the older docs' reads name it ``default_wallet``."""
_EVENT_TYPES = {"use": "use_points", "revoke": "revoke_points", "expire": "expire_points"}


def _wallet_event_type(row: Any) -> str:
    details = row.details or {}
    if details.get("event_type") in _EVENT_TYPES:
        return _EVENT_TYPES[details["event_type"]]
    if row.type == "expiration":
        return "expire_points"
    if row.type == "cancellation":
        return "revoke_points"
    return "issue_points" if row.amount > 0 else "use_points"


def wallet_events(session: Session, club_id: int, member_id: int) -> list[dict[str, Any]]:
    """Every points event of the member, oldest first, as the older docs' Member Points List shows them:
    each with the wallet's balance after it."""
    rows = session.execute(
        select(
            PointsTransaction.type,
            PointsTransaction.occurred_at,
            PointsTransaction.amount,
            PointsTransaction.details,
            PointsTransaction.external_id,
        )
        .where(in_club(PointsTransaction, club_id), PointsTransaction.member_id == member_id)
        .order_by(PointsTransaction.occurred_at, PointsTransaction.id)
    ).all()
    balance = 0
    events = []
    for row in rows:
        balance += row.amount
        details = row.details or {}
        properties = details.get("grant_properties") or details.get("properties") or {}
        events.append(
            {
                "member_id": member_id,
                "date": iso(row.occurred_at),
                "type": _wallet_event_type(row),
                "wallet": WALLET,
                "amount": row.amount,
                "wallet_new_balance": balance,
                "store_id": properties.get("store_id"),
                "receipt_id": None,
                "event": properties.get("event"),
                "message": properties.get("message") or details.get("comment"),
                "external_event_id": row.external_id,
            }
        )
    return events
