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

They flush, never commit (the caller owns the transaction).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import UnprocessableEntity
from loyaltyhub.rewards import rules
from loyaltyhub.rewards.errors import CannotCancel, NotEnoughPoints, TransactionNotFound
from loyaltyhub.rewards.models import PointsTransaction, RewardsAccount
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


def lock_account(session: Session, club_id: int, member_id: int) -> RewardsAccount | None:
    """The member's account, locked until the transaction ends (None when the member never joined)."""
    statement = (
        select(RewardsAccount)
        .where(in_club(RewardsAccount, club_id), RewardsAccount.member_id == member_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalar_one_or_none()


def _open_lots(session: Session, account: RewardsAccount, due_by: datetime | None = None) -> list[PointsTransaction]:
    statement = select(PointsTransaction).where(
        in_club(PointsTransaction, account.loyalty_club_id),
        PointsTransaction.member_id == account.member_id,
        PointsTransaction.remaining > 0,
    )
    if due_by is not None:
        statement = statement.where(PointsTransaction.expires_at <= due_by)
    return list(session.scalars(statement.order_by(PointsTransaction.expires_at, PointsTransaction.id)))


def _append(
    session: Session,
    account: RewardsAccount,
    *,
    type: str,
    amount: int,
    when: datetime,
    details: dict[str, Any],
    **columns: Any,
) -> PointsTransaction:
    row = PointsTransaction(
        loyalty_club_id=account.loyalty_club_id,
        member_id=account.member_id,
        type=type,
        amount=amount,
        occurred_at=when,
        details=details,
        **columns,
    )
    session.add(row)
    account.balance += amount
    return row


def _expire(
    session: Session, account: RewardsAccount, lots: list[PointsTransaction], now: datetime
) -> list[PointsTransaction]:
    written = []
    for lot in lots:
        if lot.expires_at is None or lot.expires_at > now or lot.remaining <= 0:
            continue
        points = lot.remaining
        lot.remaining = 0
        lot.expired_points += points
        lot.expired_at = lot.expires_at
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
    return written


def expire_due(session: Session, account: RewardsAccount, now: datetime) -> list[PointsTransaction]:
    """Expire every lot whose expiry has passed: an ``expiration`` transaction of its remaining points,
    dated at its expiry (in expiry order), and the lot marked ``expired_at``."""
    written = _expire(session, account, _open_lots(session, account, due_by=now), now)
    if written:
        session.flush()
    return written


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
) -> PointsTransaction:
    """Add ``points`` (> 0) as a new lot expiring by ``policy``."""
    if type not in ADDITIONS or points <= 0:
        raise ValueError(f"cannot earn {points} points as {type}")
    expire_due(session, account, now)
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
    )
    account.lifetime_earned += points
    session.flush()
    _notify(session, row, "earned")
    return row


def _take(
    session: Session, account: RewardsAccount, points: int, lots: list[PointsTransaction], first: int | None = None
) -> None:
    by_id = {lot.id: lot for lot in lots if lot.remaining > 0}
    plain = [rules.Lot(lot.id, lot.remaining, lot.expires_at, lot.occurred_at) for lot in by_id.values()]
    for lot_id, taken in rules.allocate(plain, points, first=first):
        by_id[lot_id].remaining -= taken


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
    lots = _open_lots(session, account)  # one read: the due lots expire, the others pay
    if _expire(session, account, lots, now):
        session.flush()
    if points > account.balance:
        raise NotEnoughPoints()
    _take(session, account, points, lots)
    row = _append(session, account, type=type, amount=-points, when=now, details=details or {}, external_id=external_id)
    session.flush()
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


def cancel(session: Session, account: RewardsAccount, transaction_id: int, *, now: datetime) -> PointsTransaction:
    """Cancel an addition (reference (a).11): a ``cancellation`` transaction takes back the points it
    added that have not expired (from its own lot first, then from the lots that expire first) and the
    original is marked ``cancelled_at``. Debits, expirations, cancellations and cancelled transactions
    cannot be cancelled (405), nor an addition whose points the member has already spent (405)."""
    lots = _open_lots(session, account)  # due lots expire first, whether the cancellation is allowed or not
    if _expire(session, account, lots, now):
        session.flush()
    original = session.execute(
        select(PointsTransaction).where(
            in_club(PointsTransaction, account.loyalty_club_id),
            PointsTransaction.member_id == account.member_id,
            PointsTransaction.id == transaction_id,
        )
    ).scalar_one_or_none()
    if original is None:
        raise TransactionNotFound()
    if original.amount <= 0 or original.type not in ADDITIONS or original.cancelled_at is not None:
        raise CannotCancel()
    points = original.amount - original.expired_points
    if points > account.balance:
        raise CannotCancel()
    _take(session, account, points, lots, first=original.id)
    original.cancelled_at = now
    account.lifetime_earned -= original.amount
    row = _append(
        session,
        account,
        type="cancellation",
        amount=-points,
        when=now,
        details={"cancelled_transaction_id": original.id},
    )
    session.flush()
    return row


def by_external_id(session: Session, club_id: int, external_id: str) -> PointsTransaction | None:
    """The transaction a point of sale posted with this id (unique per club)."""
    return session.execute(
        select(PointsTransaction).where(
            in_club(PointsTransaction, club_id), PointsTransaction.external_id == external_id
        )
    ).scalar_one_or_none()
