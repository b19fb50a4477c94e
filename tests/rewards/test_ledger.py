"""The points ledger as service functions on the database (SQLite and PostgreSQL), with a clock given
to every call: earn, spend, expire, correct, cancel, and expiry at a DST change and at a year's end."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import orjson
import pytest
from sqlalchemy import event, func, select, update

from loyaltyhub.errors import NotFound
from loyaltyhub.http.pagination import Page
from loyaltyhub.members.models import Member
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.errors import CannotCancel, NotEnoughPoints
from loyaltyhub.rewards.models import PointsTransaction, RewardsAccount
from loyaltyhub.rewards.points import expiry, ledger
from loyaltyhub.rewards.points import service as points_service
from loyaltyhub.rewards.program import service as program_service
from tests.rewards import factories as rw

T0 = datetime(2026, 6, 1, 10, tzinfo=UTC)


@pytest.fixture
def club(factory):
    return factory.club()


def setup(session, club, **policy):
    program = rw.program(session, club, **policy)
    member = rw.member(session, club)
    program_service.join(session, club.id, member.id, T0)
    account = ledger.lock_account(session, club.id, member.id)
    return account, program_service.policy_of(club, program)


def ledger_sum(session, account) -> int:
    return session.execute(
        select(func.coalesce(func.sum(PointsTransaction.amount), 0)).where(
            PointsTransaction.loyalty_club_id == account.loyalty_club_id,
            PointsTransaction.member_id == account.member_id,
        )
    ).scalar_one()


def stored_balance(session, account) -> int:
    return session.execute(select(RewardsAccount.balance).where(RewardsAccount.id == account.id)).scalar_one()


def test_earn_and_spend_move_the_balance_and_spending_takes_the_oldest_lot_first(session, club):
    account, policy = setup(session, club, points_validity_months=12, points_expire_at="end_of_month")
    first = ledger.earn(session, account, type="grant", points=50, now=T0, policy=policy)
    second = ledger.earn(session, account, type="achievement", points=30, now=T0 + timedelta(days=40), policy=policy)
    spent = ledger.spend(session, account, type="reward_purchase", points=60, now=T0 + timedelta(days=41))
    assert (spent.type, spent.amount) == ("reward_purchase", -60)
    assert (first.remaining, second.remaining) == (0, 20)
    assert stored_balance(session, account) == ledger_sum(session, account) == 20
    assert account.lifetime_earned == 80


def test_a_debit_larger_than_the_balance_is_refused(session, club):
    account, policy = setup(session, club)
    ledger.earn(session, account, type="grant", points=10, now=T0, policy=policy)
    with pytest.raises(NotEnoughPoints):
        ledger.spend(session, account, type="reward_purchase", points=11, now=T0)
    with pytest.raises(NotEnoughPoints):
        ledger.correct(session, account, points=-11, now=T0, policy=policy, comment=None)
    assert stored_balance(session, account) == ledger_sum(session, account) == 10


def test_expiry_on_the_autumn_dst_day_waits_for_local_midnight(session, club):
    # Earned 25 August: valid two months, to the end of 25 October, the 25-hour day of 2026.
    account, policy = setup(session, club, points_validity_months=2, points_expire_at="end_of_day")
    lot = ledger.earn(
        session, account, type="grant", points=100, now=datetime(2026, 8, 25, 9, tzinfo=UTC), policy=policy
    )
    assert lot.expires_at == datetime(2026, 10, 25, 23, tzinfo=UTC)
    last_second = datetime(2026, 10, 25, 22, 59, 59, tzinfo=UTC)
    assert ledger.expire_due(session, account, last_second) == []
    ledger.spend(session, account, type="reward_purchase", points=40, now=last_second)
    [expiration] = ledger.expire_due(session, account, datetime(2026, 10, 25, 23, tzinfo=UTC))
    assert (expiration.type, expiration.amount, expiration.occurred_at) == ("expiration", -60, lot.expires_at)
    assert expiration.details == {"expired_transaction_id": lot.id}
    assert (lot.remaining, lot.expired_points, lot.expired_at) == (0, 60, lot.expires_at)
    assert stored_balance(session, account) == ledger_sum(session, account) == 0


def test_expiry_at_the_end_of_the_year_is_oslos_midnight(session, club):
    account, policy = setup(session, club, points_validity_months=0, points_expire_at="end_of_year")
    year_end = datetime(2026, 12, 31, 23, tzinfo=UTC)
    lot = ledger.earn(session, account, type="grant", points=70, now=year_end - timedelta(minutes=1), policy=policy)
    assert lot.expires_at == year_end
    assert ledger.expire_due(session, account, year_end - timedelta(seconds=1)) == []
    # 00:30 in Oslo on 1 January: next year's points, valid until the end of 2027; earning expires 2026's.
    late = ledger.earn(session, account, type="grant", points=5, now=year_end + timedelta(minutes=30), policy=policy)
    assert late.expires_at == datetime(2027, 12, 31, 23, tzinfo=UTC)
    assert (lot.remaining, lot.expired_at, late.remaining) == (0, year_end, 5)
    assert stored_balance(session, account) == 5


def test_spending_expires_due_lots_first_so_expired_points_are_never_spent(session, club):
    account, policy = setup(session, club, points_validity_months=1, points_expire_at="end_of_month")
    ledger.earn(session, account, type="grant", points=30, now=T0, policy=policy)
    with pytest.raises(NotEnoughPoints):
        ledger.spend(session, account, type="reward_purchase", points=10, now=datetime(2026, 8, 1, tzinfo=UTC))
    assert stored_balance(session, account) == 0


def test_cancel_takes_back_its_own_lot_first_then_the_oldest(session, club):
    account, policy = setup(session, club)
    first = ledger.earn(session, account, type="grant", points=50, now=T0, policy=policy)
    second = ledger.earn(session, account, type="grant", points=100, now=T0 + timedelta(hours=1), policy=policy)
    ledger.spend(session, account, type="reward_purchase", points=20, now=T0 + timedelta(hours=2))
    cancellation = ledger.cancel(session, account, second.id, now=T0 + timedelta(hours=3))
    assert (cancellation.type, cancellation.amount) == ("cancellation", -100)
    assert cancellation.details == {"cancelled_transaction_id": second.id}
    assert second.cancelled_at == T0 + timedelta(hours=3)
    assert (first.remaining, second.remaining) == (30, 0)
    assert stored_balance(session, account) == ledger_sum(session, account) == 30
    assert account.lifetime_earned == 50


def test_what_cannot_be_cancelled(session, club):
    account, policy = setup(session, club)
    grant = ledger.earn(session, account, type="grant", points=50, now=T0, policy=policy)
    spent = ledger.spend(session, account, type="reward_purchase", points=20, now=T0)
    with pytest.raises(CannotCancel):  # a debit
        ledger.cancel(session, account, spent.id, now=T0)
    with pytest.raises(CannotCancel):  # its points are spent: the balance would go below zero
        ledger.cancel(session, account, grant.id, now=T0)
    with pytest.raises(NotFound):
        ledger.cancel(session, account, spent.id + 1000, now=T0)
    ledger.earn(session, account, type="grant", points=20, now=T0, policy=policy)
    cancellation = ledger.cancel(session, account, grant.id, now=T0)
    with pytest.raises(CannotCancel):  # twice
        ledger.cancel(session, account, grant.id, now=T0)
    with pytest.raises(CannotCancel):  # a cancellation
        ledger.cancel(session, account, cancellation.id, now=T0)
    assert stored_balance(session, account) == ledger_sum(session, account) == 0


def test_cancelling_an_expired_lot_takes_back_only_what_did_not_expire(session, club):
    account, policy = setup(session, club, points_validity_months=0, points_expire_at="end_of_month")
    lot = ledger.earn(session, account, type="grant", points=40, now=T0, policy=policy)
    ledger.earn(session, account, type="grant", points=10, now=T0 + timedelta(days=40), policy=policy)
    cancellation = ledger.cancel(session, account, lot.id, now=T0 + timedelta(days=41))
    assert cancellation.amount == 0 and lot.expired_points == 40
    assert stored_balance(session, account) == ledger_sum(session, account) == 10


def test_the_status_rendered_by_the_database_is_the_status_rendered_in_python(session, club):
    """``status_json`` (on PostgreSQL the page of transactions is rendered by the database) answers what
    ``status`` renders in Python: every type, null and set times, sub-millisecond instants, ties of time
    broken by id, pages past the first, details missing or not an object."""
    account, policy = setup(session, club, points_validity_months=1, points_expire_at="end_of_day")
    odd = T0 + timedelta(microseconds=999_999)
    first = ledger.earn(session, account, type="grant", points=50, now=odd, policy=policy)
    ledger.earn(session, account, type="achievement", points=30, now=odd, policy=policy)  # same instant
    ledger.spend(session, account, type="reward_purchase", points=20, now=odd + timedelta(hours=1))
    ledger.correct(session, account, points=-5, now=odd + timedelta(hours=2), policy=policy, comment='typo ü "x"')
    ledger.cancel(session, account, first.id, now=T0 + timedelta(days=1))
    ledger.earn(session, account, type="grant", points=7, now=T0 + timedelta(days=2), policy=policy)
    ledger.expire_due(session, account, T0 + timedelta(days=90))
    mine = PointsTransaction.member_id == account.member_id
    # Details as the database may hold them beside an object (details is NOT NULL): JSON null, a list.
    session.execute(update(PointsTransaction).where(mine, PointsTransaction.type == "achievement").values(details=None))
    session.execute(update(PointsTransaction).where(mine, PointsTransaction.type == "expiration").values(details=[1]))
    session.flush()
    member = session.get(Member, account.member_id)
    seen = 0
    for page_no, per_page in ((1, 1000), (1, 3), (2, 3), (3, 3), (9, 3)):
        page = Page(page_no=page_no, per_page=per_page)
        in_python = points_service.status(session, club, member, page, T0 + timedelta(days=90))
        assert orjson.loads(points_service.status_json(session, club, member, page, T0 + timedelta(days=90))) == (
            orjson.loads(orjson.dumps(in_python))
        )
        seen += len(in_python["transactions"])
    assert seen == 2 * in_python["pagination_info"]["total_count"] > 6
    dates = [t["date"] for t in points_service.status(session, club, member, Page(1, 1000), T0)["transactions"]]
    assert dates[-1] == "2026-06-01T10:00:00.999Z"  # truncated to the millisecond, as isoformat does


def test_a_debit_over_many_lots_takes_what_spending_order_takes_over_all_of_them(session, club, monkeypatch):
    """A debit reads the open lots a batch at a time (ledger.SPENDING_BATCH, small here): across batches it
    takes exactly what allocating over every open lot takes: due lots expired first, then the soonest
    expiry, lots of one expiry by the time they were earned (not by id), never-expiring lots last."""
    monkeypatch.setattr(ledger, "SPENDING_BATCH", 7)
    account, policy = setup(session, club, points_validity_months=1, points_expire_at="end_of_month")
    never = replace(policy, validity_months=None)
    earned = []
    for day in (20, 5):  # later-dated lots first: ids and times of one expiry disagree
        for n in range(60):
            when = T0.replace(day=day) + timedelta(minutes=n)
            earned.append(ledger.earn(session, account, type="grant", points=1, now=when, policy=policy))
    for n in range(40):  # expire at the end of June (Oslo)
        when = T0 - timedelta(days=20, minutes=n)
        earned.append(ledger.earn(session, account, type="grant", points=2, now=when, policy=policy))
    for n in range(30):
        earned.append(
            ledger.earn(session, account, type="grant", points=3, now=T0 + timedelta(minutes=n), policy=never)
        )
    at = datetime(2026, 7, 1, tzinfo=UTC)  # May's lots are due; June's expire at the end of July
    due = {lot.id for lot in earned if lot.expires_at is not None and lot.expires_at <= at}
    assert 0 < len(due) < len(earned)
    # 50: the 5th's lots only (later in id order than the 20th's); then 100: across many batches.
    for points in (50, 100):
        session.flush()
        for lot in earned:
            session.refresh(lot)
        lots = [rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.occurred_at) for lot in earned]
        expected = dict(rules.allocate([lot for lot in lots if lot.id not in due], points))
        ledger.spend(session, account, type="reward_purchase", points=points, now=at)
        session.flush()
        for before, lot in zip(lots, earned, strict=True):
            session.refresh(lot)
            if lot.id in due:
                assert (lot.remaining, lot.expired_at) == (0, lot.expires_at)
            else:
                assert lot.remaining == before.remaining - expected.get(lot.id, 0), lot.id
    assert stored_balance(session, account) == ledger_sum(session, account) == 120 + 90 - 150
    with pytest.raises(NotEnoughPoints):
        ledger.spend(session, account, type="reward_purchase", points=61, now=at)


def _statements(session) -> list[str]:
    """The SQL the session's connection sends from now on (a list filled as it runs)."""
    sent: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *args: sent.append(args[2]))
    return sent


def test_a_debit_the_first_lots_hold_takes_what_allocation_takes(session, club):
    """On PostgreSQL a debit whose points the first lots in spending order hold, none of them due, is one
    statement (``_first_lots_debit``); on both databases it takes exactly what allocating over the lots
    takes: the soonest expiry first, lots of one expiry by the time they were earned, never-expiring last."""
    account, policy = setup(session, club, points_validity_months=3, points_expire_at="end_of_month")
    never = replace(policy, validity_months=None)
    earned = [
        ledger.earn(session, account, type="grant", points=5 + n % 4, now=T0 - timedelta(days=n * 9), policy=policy)
        for n in range(8)
    ]
    earned += [ledger.earn(session, account, type="grant", points=4, now=T0, policy=never) for _ in range(3)]
    lots = [rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.occurred_at) for lot in earned]
    expected = dict(rules.allocate(lots, 37))
    sent = _statements(session)
    ledger.spend(session, account, type="reward_purchase", points=37, now=T0 + timedelta(days=1))
    lot_statements = [sql for sql in sent if "rewards_transactions" in sql and "INSERT" not in sql]
    if session.get_bind().dialect.name == "postgresql":
        assert len(lot_statements) == 1 and "first_lots" in lot_statements[0]
    session.flush()
    for before, lot in zip(lots, earned, strict=True):
        session.refresh(lot)
        assert lot.remaining == before.remaining - expected.get(lot.id, 0), lot.id
    assert stored_balance(session, account) == ledger_sum(session, account) == sum(lot.remaining for lot in lots) - 37


def test_the_open_lots_predicate_is_written_as_the_partial_indexes_have_it(session, club):
    """Every statement on the lots compares ``remaining`` with a 0 written in the SQL, never a parameter: a
    prepared statement's generic plan could not use the partial indexes on ``remaining > 0`` otherwise, and
    would read every transaction of the member (or of every club, for the expiry job)."""
    account, policy = setup(session, club, points_validity_months=1, points_expire_at="end_of_month")
    sent = _statements(session)
    ledger.earn(session, account, type="grant", points=10, now=T0 - timedelta(days=60), policy=policy)
    ledger.earn(session, account, type="grant", points=10, now=T0, policy=policy)
    program_service.lock_participant(session, club.id, account.member_id, T0)
    ledger.spend(session, account, type="reward_purchase", points=5, now=T0)
    ledger.spend(session, account, type="reward_purchase", points=2, now=T0 + timedelta(days=1))
    expiry.members_with_due_lots(session, T0 + timedelta(days=90))
    points_service.status_json(session, club, session.get(Member, account.member_id), Page(1, 10), T0)
    on_lots = [sql for sql in sent if re.search(r"remaining\s*>", sql)]
    assert len(on_lots) >= 5
    assert [sql for sql in on_lots if not re.search(r"remaining > 0\b", sql)] == []
