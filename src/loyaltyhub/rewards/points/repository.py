"""Reads of the points ledger: a member's transactions (newest first, paged), the points about to expire,
and the rendering of the documented Transaction object."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Text, bindparam, case, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.http.pagination import Page
from loyaltyhub.rewards.models import HAS_POINTS_LEFT, PointsTransaction
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
        "details": row.details if isinstance(row.details, dict) else {},
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


def _utc_text(column: Any) -> Any:
    """:func:`rules.iso` in SQL: UTC, milliseconds truncated as ``isoformat`` truncates them, ``Z``."""
    return func.to_char(func.timezone("UTC", column), 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')


def _transactions_page_as_json() -> Any:
    transactions = PointsTransaction
    page = (
        select(*_COLUMNS)
        .where(in_club(transactions, bindparam("club_id")), transactions.member_id == bindparam("member_id"))
        .order_by(transactions.occurred_at.desc(), transactions.id.desc())
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
        .subquery("page")
    )
    rendered = func.json_build_object(  # render_transaction's keys, in its order
        literal_column("'id'"),
        page.c.id,
        literal_column("'type'"),
        page.c.type,
        literal_column("'date'"),
        _utc_text(page.c.occurred_at),
        literal_column("'amount'"),
        page.c.amount,
        literal_column("'expired_at'"),
        _utc_text(page.c.expired_at),
        literal_column("'cancelled_at'"),
        _utc_text(page.c.cancelled_at),
        literal_column("'details'"),
        case((func.jsonb_typeof(page.c.details) == "object", page.c.details), else_=literal_column("'{}'::jsonb")),
    )
    newest_first = aggregate_order_by(rendered, page.c.occurred_at.desc(), page.c.id.desc())
    as_array = func.coalesce(func.json_agg(newest_first), literal_column("'[]'::json"))
    # Text, not json: psycopg would parse json into Python objects, the very work this statement saves.
    page_text = select(cast(as_array, Text)).select_from(page).scalar_subquery()
    total = (
        select(func.count())
        .select_from(transactions)
        .where(in_club(transactions, bindparam("club_id")), transactions.member_id == bindparam("member_id"))
        .scalar_subquery()
    )
    return select(page_text, total)


_PAGE_AS_JSON = _transactions_page_as_json()


def transactions_page_json(session: Session, club_id: int, member_id: int, page: Page) -> tuple[orjson.Fragment, int]:
    """PostgreSQL only: :func:`transactions_page` rendered by the database, as a JSON array of
    :func:`render_transaction` objects ready to embed with orjson, and the total, in one statement. A page
    of 1,000 transactions takes ~1 ms there against ~10 ms of fetching and rendering rows in Python."""
    params = {"club_id": club_id, "member_id": member_id, "limit": page.per_page, "offset": page.offset}
    page_text, total = session.execute(_PAGE_AS_JSON, params).one()
    return orjson.Fragment(page_text), total


def expiring_points(session: Session, club_id: int, member_id: int, now: datetime) -> list[dict[str, Any]]:
    """The member's next expiries: ``[{"points", "expires_at"}]`` by date, the soonest first."""
    rows = session.execute(
        select(PointsTransaction.expires_at, func.sum(PointsTransaction.remaining))
        .where(
            in_club(PointsTransaction, club_id),
            PointsTransaction.member_id == member_id,
            HAS_POINTS_LEFT,
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
