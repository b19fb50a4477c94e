"""The periodic expiry of points (the ``rewards_points_expiry`` job).

Changes of a member's points expire due lots first anyway; the job makes expiry visible without them:
it finds members with lots past their expiry (over every club, on the partial index of open lots) and
expires each member's lots under the member's account lock, in batches of short transactions.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import across_clubs
from loyaltyhub.rewards.models import HAS_POINTS_LEFT, PointsTransaction
from loyaltyhub.rewards.points import ledger

BATCH = 200


def members_with_due_lots(session: Session, now: datetime, limit: int = BATCH) -> list[tuple[int, int]]:
    statement = across_clubs(
        select(PointsTransaction.loyalty_club_id, PointsTransaction.member_id)
        .where(HAS_POINTS_LEFT, PointsTransaction.expires_at <= now)
        .distinct()
        .limit(limit)
    )
    return [(club_id, member_id) for club_id, member_id in session.execute(statement)]


def expire_points(units: Callable[..., AbstractContextManager[Session]], now: datetime) -> int:
    """Expire every due lot; the number of ``expiration`` transactions written."""
    written = 0
    while True:
        with units(write=True) as session:
            due = members_with_due_lots(session, now)
            for club_id, member_id in due:
                account = ledger.lock_account(session, club_id, member_id)
                if account is not None:
                    written += len(ledger.expire_due(session, account, now))
        if len(due) < BATCH:
            return written
