"""Property: over any sequence of earn, spend, expire, correct and cancel (with the clock moving across
DST changes and year ends in Europe/Oslo), the stored balance equals the ledger's sum and the lots'
unspent points, is never negative, nothing past its expiry stays spendable, and debits take points
from the lots in expiry order (FIFO)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from loyaltyhub.rewards import rules
from loyaltyhub.rewards.errors import CannotCancel, NotEnoughPoints
from loyaltyhub.rewards.models import PointsTransaction, RewardsAccount
from loyaltyhub.rewards.points import ledger
from loyaltyhub.rewards.program import service as program_service
from tests.rewards import factories as rw

points = st.integers(min_value=1, max_value=200)
operation = st.one_of(
    st.tuples(st.just("earn"), st.sampled_from(["grant", "achievement"]), points),
    st.tuples(st.just("spend"), points),
    st.tuples(st.just("correct"), st.integers(min_value=-150, max_value=150).filter(bool)),
    st.tuples(st.just("cancel"), st.integers(min_value=0, max_value=50)),
    st.tuples(st.just("advance"), st.integers(min_value=0, max_value=100), st.integers(min_value=0, max_value=23)),
    st.tuples(st.just("expire")),
)
# Starts close to Oslo's DST changes and a year end, so the moving clock crosses them.
starts = st.sampled_from(
    [
        datetime(2026, 1, 20, 12, tzinfo=UTC),
        datetime(2026, 3, 1, 23, 30, tzinfo=UTC),
        datetime(2026, 8, 20, 22, 15, tzinfo=UTC),
        datetime(2026, 12, 1, 23, 0, tzinfo=UTC),
    ]
)
policies = st.tuples(
    st.sampled_from([None, 0, 1, 2, 12]), st.sampled_from(["end_of_day", "end_of_month", "end_of_year"])
)


def check_invariants(session, account: RewardsAccount, now: datetime, expired_up_to: datetime) -> None:
    club_id, member_id = account.loyalty_club_id, account.member_id
    session.flush()
    rows = list(
        session.scalars(
            select(PointsTransaction).where(
                PointsTransaction.loyalty_club_id == club_id, PointsTransaction.member_id == member_id
            )
        )
    )
    stored = session.execute(select(RewardsAccount.balance).where(RewardsAccount.id == account.id)).scalar_one()
    total = session.execute(
        select(func.coalesce(func.sum(PointsTransaction.amount), 0)).where(
            PointsTransaction.loyalty_club_id == club_id, PointsTransaction.member_id == member_id
        )
    ).scalar_one()
    lots = [row for row in rows if row.amount > 0]
    assert stored == total == sum(lot.remaining for lot in lots) >= 0
    # Nothing past its expiry is left to spend once the ledger was last written at expired_up_to.
    assert not [lot.id for lot in lots if lot.remaining and lot.expires_at and lot.expires_at <= expired_up_to]
    # One expiration per expired lot, of exactly what expired, dated at its expiry.
    expirations = {row.details["expired_transaction_id"]: row for row in rows if row.type == "expiration"}
    for lot in lots:
        if lot.expired_points:
            assert expirations[lot.id].amount == -lot.expired_points
            assert expirations[lot.id].occurred_at == lot.expires_at == lot.expired_at
    # FIFO: a lot that debits took points from comes after every lot still holding points.
    ordered = sorted(
        (lot for lot in lots if lot.cancelled_at is None),
        key=lambda lot: rules.spending_order(rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.occurred_at)),
    )
    for index, lot in enumerate(ordered):
        if lot.amount - lot.remaining - lot.expired_points > 0:
            assert all(earlier.remaining == 0 for earlier in ordered[:index]), (lot.id, ordered)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(start=starts, policy=policies, operations=st.lists(operation, max_size=25))
def test_random_sequences_keep_the_ledger_exact(session, factory, start, policy, operations):
    club = factory.club(timezone="Europe/Oslo")
    program = rw.program(session, club, points_validity_months=policy[0], points_expire_at=policy[1])
    expiry = program_service.policy_of(club, program)
    member = rw.member(session, club)
    program_service.join(session, club.id, member.id, start)
    account = ledger.lock_account(session, club.id, member.id)
    now = expired_up_to = start
    additions: list[int] = []
    for op in operations:
        kind = op[0]
        if kind == "advance":
            now += timedelta(days=op[1], hours=op[2])
            continue
        try:
            if kind == "earn":
                additions.append(ledger.earn(session, account, type=op[1], points=op[2], now=now, policy=expiry).id)
            elif kind == "spend":
                ledger.spend(session, account, type="reward_purchase", points=op[1], now=now)
            elif kind == "correct":
                row = ledger.correct(session, account, points=op[1], now=now, policy=expiry, comment="fix")
                if row.amount > 0:
                    additions.append(row.id)
            elif kind == "cancel" and additions:
                ledger.cancel(session, account, additions[op[1] % len(additions)], now=now)
            elif kind == "expire":
                ledger.expire_due(session, account, now)
        except (NotEnoughPoints, CannotCancel):
            pass
        expired_up_to = now
        check_invariants(session, account, now, expired_up_to)
