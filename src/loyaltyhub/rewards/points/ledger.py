"""The points ledger: earn, spend, expire, correct and cancel, as plain functions over a session.

Every function takes the member's account *locked* (:func:`lock_account`: ``SELECT ... FOR UPDATE`` of the
member's ``rewards_accounts`` row on PostgreSQL; on SQLite the write transaction already holds the
database from ``BEGIN IMMEDIATE``). So one transaction at a time changes a member's points, and within it:

* every change appends a transaction and moves ``account.balance`` by its amount: the balance is the sum
  of the ledger, read in O(1);
* an addition is a *lot* (``remaining`` = its amount) with the expiry of the club's policy;
* a debit takes points from the lots that expire first (:func:`loyaltyhub.rewards.rules.allocate`) and
  refuses to take more than the balance, which is therefore never negative;
* lots past their expiry are expired (one ``expiration`` transaction per lot, dated at the lot's expiry)
  before any other change, so a debit never spends points that had expired.

They never commit (the caller owns the transaction). The writes are Core statements built once (an ORM
flush of each lot, transaction and account costs more CPU than the statements themselves): a new
transaction is inserted with ``INSERT ... RETURNING id`` and joins the session as a persistent object
(so a later read of it in the same session is that object), lots and the balance row are written with
``UPDATE`` statements whose values are also set on the loaded objects as their committed state (nothing
is left for a flush). A savepoint rolled back after such a write (a point of sale's item, the demo's
refused purchase) would leave those values in memory while the database went back, and the ORM does not
know to expire them: so every public function here expires the account's balance when it ends (the
next read of it loads it again; a request reads it no more), and lots are always read with
``populate_existing``.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Update, bindparam, exists, func, insert, literal_column, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.session import make_transient_to_detached
from sqlalchemy.orm.util import identity_key

from loyaltyhub.db.dialect import is_sqlite
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import UnprocessableEntity
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.errors import CannotCancel, NotEnoughPoints, TransactionNotFound
from loyaltyhub.rewards.models import HAS_POINTS_LEFT, PointsTransaction, RewardsAccount
from loyaltyhub.services import ResourceChange, notify_change

MAX_BALANCE = 1_000_000_000
"""A balance beyond this is refused (422): no loyalty programme needs more, and sums stay far from overflow."""
ADDITIONS = ("achievement", "grant", "correction")
"""Types that can add points (lots); ``correction`` can also take them."""


class PointsLimitExceeded(UnprocessableEntity):
    default_message = "Points limit exceeded"


def refuse_past_cap(account: RewardsAccount, points: int) -> None:
    """422 ``Points limit exceeded`` when ``points`` more would take the balance past :data:`MAX_BALANCE`.
    :func:`earn` checks it; a caller that writes the amount elsewhere first (a receipt's ``points``) checks
    it before, so an amount too large for the database is refused, never stored."""
    if account.balance + points > MAX_BALANCE:
        raise PointsLimitExceeded()


@dataclass(frozen=True)
class ExpiryPolicy:
    """The club's expiry policy (``validity_months`` None: points never expire), in its timezone."""

    tz: ZoneInfo
    validity_months: int | None = None
    expire_at: str = "end_of_month"

    def expiry(self, earned_at: datetime) -> datetime | None:
        return rules.lot_expiry(earned_at, self.tz, self.validity_months, self.expire_at)


_LOCK_ACCOUNT = (
    select(RewardsAccount)
    .where(in_club(RewardsAccount, bindparam("club_key")), RewardsAccount.member_id == bindparam("member_key"))
    .with_for_update()
    .execution_options(populate_existing=True)
)


def lock_account(session: Session, club_id: int, member_id: int) -> RewardsAccount | None:
    """The member's account, locked until the transaction ends (None when the member never joined)."""
    return session.execute(_LOCK_ACCOUNT, {"club_key": club_id, "member_key": member_id}).scalar_one_or_none()


# The member's lots with points left (``club_key``, ``member_key``).
_MEMBERS_OPEN_LOTS = (
    in_club(PointsTransaction, bindparam("club_key")),
    PointsTransaction.member_id == bindparam("member_key"),
    HAS_POINTS_LEFT,
)
_OPEN_LOTS = (
    select(PointsTransaction)
    .where(*_MEMBERS_OPEN_LOTS)
    .order_by(PointsTransaction.expires_at, PointsTransaction.id)
    .execution_options(populate_existing=True)
)
_DUE_LOTS = _OPEN_LOTS.where(
    PointsTransaction.expires_at <= bindparam("due_by", type_=PointsTransaction.expires_at.type)
)


# A debit reads the open lots in spending order (rules.spending_order: expiring first, never-expiring last,
# then the oldest), a batch at a time, until they hold its points: a member with thousands of open lots
# (years of never-expiring earnings) no longer loads every one of them for each purchase.
def _spending_order(lots: Any) -> tuple[Any, ...]:
    """``ORDER BY`` of :func:`rules.spending_order` over ``lots`` (the model or a select's columns)."""
    return (lots.expires_at.is_(None), lots.expires_at, lots.occurred_at, lots.id)


_LOTS_IN_SPENDING_ORDER = (
    select(PointsTransaction)
    .where(*_MEMBERS_OPEN_LOTS)
    .order_by(*_spending_order(PointsTransaction))
    .limit(bindparam("batch"))
    .offset(bindparam("skip"))
    .execution_options(populate_existing=True)
)
SPENDING_BATCH = 100


def _lots_to_spend(session: Session, account: RewardsAccount, points: int, now: datetime) -> list[PointsTransaction]:
    """The open lots a debit of ``points`` at ``now`` needs, read after the lock: every due lot (due lots
    expire first, so they come first in spending order; they are expired, not spent) and then lots in
    spending order until those hold ``points`` (all of them when the balance is short)."""
    params: dict[str, Any] = {"club_key": account.loyalty_club_id, "member_key": account.member_id}
    lots: list[PointsTransaction] = []
    spendable = 0
    while True:
        batch = list(session.scalars(_LOTS_IN_SPENDING_ORDER, {**params, "batch": SPENDING_BATCH, "skip": len(lots)}))
        lots += batch
        spendable += sum(lot.remaining for lot in batch if lot.expires_at is None or lot.expires_at > now)
        if len(batch) < SPENDING_BATCH or spendable >= points:
            return lots


@functools.cache
def _first_lots_debit(batch: int) -> Update:
    """PostgreSQL: a debit of ``points`` from the member's open lots in one statement, when the first
    ``batch`` lots in spending order hold them and none of those is due (due lots come first in
    spending order, so none is due at all): each lot whose points before it in that order fall short of
    ``points`` gives what is still missing, up to what it holds (:func:`rules.allocate`). It changes nothing
    otherwise, and the debit reads the lots as it would have. Returns the moved lots' ids and remaining.
    The statement's snapshot is taken after the account's lock, as the read it replaces was."""
    lots = _TRANSACTIONS
    first_lots = (
        select(
            PointsTransaction.id,
            PointsTransaction.remaining,
            PointsTransaction.expires_at,
            PointsTransaction.occurred_at,
        )
        .where(*_MEMBERS_OPEN_LOTS)
        .order_by(*_spending_order(PointsTransaction))
        # a literal: a LIMIT parameter leaves the prepared statement's generic plan guessing
        .limit(literal_column(str(batch)))
        .cte("first_lots")
    )
    order = _spending_order(first_lots.c)
    before = (func.sum(first_lots.c.remaining).over(order_by=order) - first_lots.c.remaining).label("before")
    running = select(first_lots.c.id, first_lots.c.remaining, before).cte("running")
    points = bindparam("points", type_=lots.c.remaining.type)
    none_due = ~exists().where(first_lots.c.expires_at <= bindparam("now", type_=lots.c.expires_at.type))
    held = select(func.coalesce(func.sum(first_lots.c.remaining), 0)).scalar_subquery()
    return (
        update(lots)
        .where(in_club(lots, bindparam("club_key")), lots.c.id == running.c.id, running.c.before < points)
        .where(none_due, held >= points)
        .values(remaining=lots.c.remaining - func.least(running.c.remaining, points - running.c.before))
        .returning(lots.c.id, lots.c.remaining)
    )


def _debit_first_lots(session: Session, account: RewardsAccount, points: int, now: datetime) -> bool:
    """:func:`_first_lots_debit` on PostgreSQL (SQLite reads the lots: its statements cost no round trip).
    True when it took the points; lots of the session are given their new ``remaining``."""
    if is_sqlite(session):
        return False
    params = {"club_key": account.loyalty_club_id, "member_key": account.member_id, "points": points, "now": now}
    moved = session.execute(_first_lots_debit(SPENDING_BATCH), params).all()
    for lot_id, remaining in moved:
        loaded = session.identity_map.get(identity_key(PointsTransaction, lot_id))
        if loaded is not None:
            _set(loaded, remaining=remaining)
    return bool(moved)


def _expiry_order(lot: PointsTransaction) -> tuple[datetime, int]:
    """The order due lots expire in (their expiration transactions are written in it)."""
    return (lot.expires_at or rules.NEVER, lot.id)


def _open_lots(session: Session, account: RewardsAccount, due_by: datetime | None = None) -> list[PointsTransaction]:
    """The member's lots with points left (``due_by``: only those expired by then), read after the lock."""
    params: dict[str, Any] = {"club_key": account.loyalty_club_id, "member_key": account.member_id}
    if due_by is None:
        return list(session.scalars(_OPEN_LOTS, params))
    return list(session.scalars(_DUE_LOTS, {**params, "due_by": due_by}))


_TRANSACTIONS = PointsTransaction.__table__
_ACCOUNTS = RewardsAccount.__table__
_INSERT_TRANSACTION = insert(_TRANSACTIONS).returning(_TRANSACTIONS.c.id)
_WRITE_BALANCE = (
    update(_ACCOUNTS)
    .where(_ACCOUNTS.c.id == bindparam("account_key"), in_club(_ACCOUNTS, bindparam("club_key")))
    .values(balance=bindparam("new_balance"), lifetime_earned=bindparam("new_lifetime_earned"))
)
# PostgreSQL: the transaction and the balance it moves in one statement (a data-modifying CTE; SQLite has
# none, and its statements cost no round trip). The transaction's values are bound under their own names:
# parameters named after columns would also be taken as the CTE's SET values.
_INSERT_TRANSACTION_AND_BALANCE = (
    insert(_TRANSACTIONS)
    .values(
        {
            column.name: bindparam(f"txn_{column.name}", type_=column.type)
            for column in _TRANSACTIONS.c
            if column.name != "id"
        }
    )
    .returning(_TRANSACTIONS.c.id)
    .add_cte(_WRITE_BALANCE.cte("moved_balance"))
)
_WRITE_LOT = (
    update(_TRANSACTIONS)
    .where(_TRANSACTIONS.c.id == bindparam("lot_key"), in_club(_TRANSACTIONS, bindparam("club_key")))
    .values(
        remaining=bindparam("new_remaining"),
        expired_points=bindparam("new_expired_points"),
        expired_at=bindparam("new_expired_at", type_=_TRANSACTIONS.c.expired_at.type),
    )
)
_MARK_CANCELLED = (
    update(_TRANSACTIONS)
    .where(_TRANSACTIONS.c.id == bindparam("lot_key"), in_club(_TRANSACTIONS, bindparam("club_key")))
    .values(cancelled_at=bindparam("new_cancelled_at", type_=_TRANSACTIONS.c.cancelled_at.type))
)


@contextmanager
def _writing(session: Session, account: RewardsAccount) -> Iterator[None]:
    """A public ledger operation: whatever happens, the account's balance in memory is expired at its end
    (see the module docstring: a rolled-back savepoint must not leave a balance that is not stored)."""
    try:
        yield
    finally:
        session.expire(account, ["balance", "lifetime_earned"])


def _set(row: Any, **values: Any) -> None:
    """Give a loaded row the values just written by a Core statement, as its committed state."""
    for key, value in values.items():
        set_committed_value(row, key, value)


def _save_balance(session: Session, account: RewardsAccount, balance: int, lifetime_earned: int) -> None:
    """Write the account's balance and lifetime points (one ``UPDATE`` per ledger operation)."""
    session.execute(
        _WRITE_BALANCE,
        {
            "account_key": account.id,
            "club_key": account.loyalty_club_id,
            "new_balance": balance,
            "new_lifetime_earned": lifetime_earned,
        },
    )
    _set(account, balance=balance, lifetime_earned=lifetime_earned)


def _save_lots(session: Session, lots: list[PointsTransaction]) -> None:
    """Write the lots whose ``remaining`` (and expiry) moved: one statement, many parameter sets."""
    if lots:
        session.execute(
            _WRITE_LOT,
            [
                {
                    "lot_key": lot.id,
                    "club_key": lot.loyalty_club_id,
                    "new_remaining": lot.remaining,
                    "new_expired_points": lot.expired_points,
                    "new_expired_at": lot.expired_at,
                }
                for lot in lots
            ],
        )


def _append(
    session: Session,
    account: RewardsAccount,
    *,
    type: str,
    amount: int,
    when: datetime,
    details: dict[str, Any],
    new_balance: tuple[int, int] | None = None,
    **columns: Any,
) -> PointsTransaction:
    """Insert a transaction. ``new_balance`` (balance, lifetime points): write them too (in the same
    statement on PostgreSQL); otherwise the caller writes the balance it moved (:func:`_save_balance`)."""
    values = {
        "loyalty_club_id": account.loyalty_club_id,
        "member_id": account.member_id,
        "type": type,
        "amount": amount,
        "occurred_at": when,
        "details": details,
        "remaining": 0,
        "expires_at": None,
        "expired_at": None,
        "expired_points": 0,
        "expiry_notified_at": None,
        "cancelled_at": None,
        "external_id": None,
        "achievement_type": None,
        "achievement_id": None,
        **columns,
    }
    if new_balance is not None and not is_sqlite(session):
        balance, lifetime_earned = new_balance
        moved = {
            "account_key": account.id,
            "club_key": account.loyalty_club_id,
            "new_balance": balance,
            "new_lifetime_earned": lifetime_earned,
        }
        inserted = {f"txn_{name}": value for name, value in values.items()}
        new_id = session.execute(_INSERT_TRANSACTION_AND_BALANCE, {**inserted, **moved}).scalar_one()
        _set(account, balance=balance, lifetime_earned=lifetime_earned)
    else:
        new_id = session.execute(_INSERT_TRANSACTION, values).scalar_one()
        if new_balance is not None:
            _save_balance(session, account, *new_balance)
    row = PointsTransaction(id=new_id, **values)
    make_transient_to_detached(row)  # as if loaded: persistent once added, nothing to flush
    session.add(row)
    return row


def _expire(
    session: Session, account: RewardsAccount, lots: list[PointsTransaction], now: datetime
) -> list[PointsTransaction]:
    """Expire the due ones of ``lots``: an ``expiration`` transaction each, the lots and the balance written."""
    written, expired = [], []
    for lot in lots:
        if lot.expires_at is None or lot.expires_at > now or lot.remaining <= 0:
            continue
        points = lot.remaining
        _set(lot, remaining=0, expired_points=lot.expired_points + points, expired_at=lot.expires_at)
        expired.append(lot)
        written.append(
            _append(
                session,
                account,
                type="expiration",
                amount=-points,
                when=lot.expires_at,
                details={"expired_transaction_id": lot.id},
            )
        )
    if written:
        _save_lots(session, expired)
        taken = sum(row.amount for row in written)
        _save_balance(session, account, account.balance + taken, account.lifetime_earned)
    return written


def expire_due(session: Session, account: RewardsAccount, now: datetime) -> list[PointsTransaction]:
    """Expire every lot whose expiry has passed: an ``expiration`` transaction of its remaining points,
    dated at its expiry (in expiry order), and the lot marked ``expired_at``."""
    with _writing(session, account):
        return _expire(session, account, _open_lots(session, account, due_by=now), now)


def earn(
    session: Session,
    account: RewardsAccount,
    *,
    type: str,
    points: int,
    now: datetime,
    policy: ExpiryPolicy,
    details: dict[str, Any] | None = None,
    external_id: str | None = None,
    achievement_type: str | None = None,
    achievement_id: int | None = None,
    due_lots: bool = True,
) -> PointsTransaction:
    """Add ``points`` (> 0) as a new lot expiring by ``policy``. ``due_lots`` False: the caller knows,
    from the statement that locked the account, that no lot was due (see
    :func:`loyaltyhub.rewards.program.service.lock_participant`), so they are not read again."""
    if type not in ADDITIONS or points <= 0:
        raise ValueError(f"cannot earn {points} points as {type}")
    with _writing(session, account):
        if due_lots:
            _expire(session, account, _open_lots(session, account, due_by=now), now)
        refuse_past_cap(account, points)
        row = _append(
            session,
            account,
            type=type,
            amount=points,
            when=now,
            details=details or {},
            remaining=points,
            expires_at=policy.expiry(now),
            external_id=external_id,
            achievement_type=achievement_type,
            achievement_id=achievement_id,
            new_balance=(account.balance + points, account.lifetime_earned + points),
        )
    _notify(session, row, "earned")
    return row


def _take(
    session: Session, account: RewardsAccount, points: int, lots: list[PointsTransaction], first: int | None = None
) -> None:
    """Take ``points`` from ``lots`` (those that expire first; ``first``: that lot before the others) and
    write the lots that moved."""
    by_id = {lot.id: lot for lot in lots if lot.remaining > 0}
    plain = [rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.occurred_at) for lot in by_id.values()]
    moved = []
    for lot_id, taken in rules.allocate(plain, points, first=first):
        lot = by_id[lot_id]
        _set(lot, remaining=lot.remaining - taken)
        moved.append(lot)
    _save_lots(session, moved)


def spend(
    session: Session,
    account: RewardsAccount,
    *,
    type: str,
    points: int,
    now: datetime,
    details: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> PointsTransaction:
    """Take ``points`` (> 0) from the lots that expire first; :class:`NotEnoughPoints` (422) when the
    balance, once due lots have expired, is smaller."""
    if type not in ("reward_purchase", "correction") or points <= 0:
        raise ValueError(f"cannot spend {points} points as {type}")
    with _writing(session, account):
        if not _debit_first_lots(session, account, points, now):
            lots = _lots_to_spend(session, account, points, now)  # the due lots expire, the others pay
            _expire(session, account, sorted(lots, key=_expiry_order), now)
            if points > account.balance:
                raise NotEnoughPoints()
            _take(session, account, points, lots)
        row = _append(
            session,
            account,
            type=type,
            amount=-points,
            when=now,
            details=details or {},
            external_id=external_id,
            new_balance=(account.balance - points, account.lifetime_earned),
        )
    _notify(session, row, "spent")
    return row


def _notify(session: Session, row: PointsTransaction, action: str) -> None:
    """Points earned or spent are a change other domains hear of (the member events ``points_earned`` and
    ``points_spent``); expirations and cancellations are not."""
    data = {"id": row.id, "type": row.type, "amount": row.amount}
    change = ResourceChange("points_transaction", action, row.loyalty_club_id, row.id, row.occurred_at, data)
    notify_change(session, replace(change, member_id=row.member_id))


def correct(
    session: Session,
    account: RewardsAccount,
    *,
    points: int,
    now: datetime,
    policy: ExpiryPolicy,
    comment: str | None,
    details: dict[str, Any] | None = None,
    external_id: str | None = None,
) -> PointsTransaction:
    """A correction: a positive one is a lot like any earning, a negative one a debit."""
    details = {**({"comment": comment} if comment else {}), **(details or {})}
    if points > 0:
        return earn(
            session,
            account,
            type="correction",
            points=points,
            now=now,
            policy=policy,
            details=details,
            external_id=external_id,
        )
    return spend(session, account, type="correction", points=-points, now=now, details=details, external_id=external_id)


_TRANSACTION_OF_MEMBER = (
    select(PointsTransaction)
    .where(
        in_club(PointsTransaction, bindparam("club_key")),
        PointsTransaction.member_id == bindparam("member_key"),
        PointsTransaction.id == bindparam("transaction_key"),
    )
    .execution_options(populate_existing=True)
)


def cancel(session: Session, account: RewardsAccount, transaction_id: int, *, now: datetime) -> PointsTransaction:
    """Cancel an addition (reference (a).11): a ``cancellation`` transaction takes back the points it
    added that have not expired (from its own lot first, then from the lots that expire first) and the
    original is marked ``cancelled_at``. Debits, expirations, cancellations and cancelled transactions
    cannot be cancelled (405), nor an addition whose points the member has already spent (405)."""
    with _writing(session, account):
        return _cancel(session, account, transaction_id, now)


def _cancel(session: Session, account: RewardsAccount, transaction_id: int, now: datetime) -> PointsTransaction:
    lots = _open_lots(session, account)  # due lots expire first, whether the cancellation is allowed or not
    _expire(session, account, lots, now)
    original = session.execute(
        _TRANSACTION_OF_MEMBER,
        {"club_key": account.loyalty_club_id, "member_key": account.member_id, "transaction_key": transaction_id},
    ).scalar_one_or_none()
    if original is None:
        raise TransactionNotFound()
    if original.amount <= 0 or original.type not in ADDITIONS or original.cancelled_at is not None:
        raise CannotCancel()
    points = original.amount - original.expired_points
    if points > account.balance:
        raise CannotCancel()
    _take(session, account, points, lots, first=original.id)
    session.execute(
        _MARK_CANCELLED, {"lot_key": original.id, "club_key": original.loyalty_club_id, "new_cancelled_at": now}
    )
    _set(original, cancelled_at=now)
    row = _append(
        session,
        account,
        type="cancellation",
        amount=-points,
        when=now,
        details={"cancelled_transaction_id": original.id},
        new_balance=(account.balance - points, account.lifetime_earned - original.amount),
    )
    return row


def by_external_id(session: Session, club_id: int, external_id: str) -> PointsTransaction | None:
    """The transaction a point of sale posted with this id (unique per club)."""
    return session.execute(
        select(PointsTransaction).where(
            in_club(PointsTransaction, club_id), PointsTransaction.external_id == external_id
        )
    ).scalar_one_or_none()
