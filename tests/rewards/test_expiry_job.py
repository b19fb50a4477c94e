"""The periodic expiry job: due lots of every club are expired under each member's lock."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from loyaltyhub.rewards.models import PointsTransaction, RewardsAccount
from loyaltyhub.rewards.points import expiry
from tests.conftest import bound_session
from tests.rewards import factories as rw

EARNED = datetime(2026, 1, 10, 12, tzinfo=UTC)


def test_the_job_expires_due_lots_of_every_club_and_nothing_else(session, factory, connection, services):
    clubs = [factory.club(), factory.club(timezone="America/New_York")]
    members = []
    for club in clubs:
        rw.program(session, club, points_validity_months=0, points_expire_at="end_of_month")
        members.append(rw.participant(session, club, EARNED, points=30))
    fresh = rw.participant(session, clubs[0], EARNED + timedelta(days=30), points=5)

    @contextmanager
    def units(write: bool):
        unit = bound_session(connection, services)
        yield unit
        unit.flush()
        unit.commit()

    # Oslo's January ends at 23:00 UTC, New York's at 05:00 UTC the next day.
    assert expiry.expire_points(units, datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == 1
    assert expiry.expire_points(units, datetime(2026, 2, 1, 5, 0, tzinfo=UTC)) == 1
    assert expiry.expire_points(units, datetime(2026, 2, 1, 6, 0, tzinfo=UTC)) == 0
    session.expire_all()
    balances = {account.member_id: account.balance for account in session.scalars(select(RewardsAccount))}
    assert [balances[m.id] for m in (*members, fresh)] == [0, 0, 5]
    expirations = session.scalars(
        select(PointsTransaction).where(PointsTransaction.type == "expiration").order_by(PointsTransaction.id)
    ).all()
    assert [(e.amount, e.occurred_at) for e in expirations] == [
        (-30, datetime(2026, 1, 31, 23, tzinfo=UTC)),
        (-30, datetime(2026, 2, 1, 5, tzinfo=UTC)),
    ]
