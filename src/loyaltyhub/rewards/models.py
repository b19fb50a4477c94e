"""Tables of the rewards program.

* ``rewards_programs``: one per club (enabled, levels, reward activation time, the points expiry policy).
* ``rewards_accounts``: one per member who ever joined: membership state and the maintained balance. Every
  change of a member's points locks this row first (``SELECT ... FOR UPDATE``; SQLite's write lock), so the
  ledger of one member is written by one transaction at a time and the balance is read in O(1).
* ``rewards_transactions``: the append-only ledger (the six documented types). A positive transaction is
  a *lot*: ``remaining`` says how many of its points are still unspent, ``expires_at`` when they expire.
  Spending and expiry only move ``remaining``, ``expired_at`` and ``cancelled_at``: amounts never change.
  ``external_id`` (unique per club) makes a point-of-sale transaction count once.
* ``rewards``: the catalogue (price, stock, limits, windows); ``purchased_count`` moves with a conditional
  ``UPDATE`` so the stock is never oversold.
* ``rewards_purchases``: a member's purchased reward (its code, its uses).
* ``rewards_achievements``: what earns points from member events (points, ``limit``, ``frequency``).
* ``rewards_point_multipliers``: factors on earned points by store, time window and member group.
* ``receipt_configurations`` / ``receipt_submissions``: the club's receipts rules and the members'
  submitted receipts (their form, state and the points an acceptance earned).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.clubs import config_cache
from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime, utcnow

TRANSACTION_TYPES = ("achievement", "reward_purchase", "expiration", "correction", "grant", "cancellation")
EXPIRE_AT = ("end_of_day", "end_of_month", "end_of_year")


class RewardsProgram(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "rewards_programs"
    __table_args__ = (UniqueConstraint("loyalty_club_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    reward_activation_time: Mapped[int] = mapped_column(Integer, default=30, server_default="30")
    levels_program: Mapped[dict[str, Any] | None] = mapped_column(Json)
    # Expiry policy: points earned on a local date expire at the end of the day / month / year that
    # falls ``points_validity_months`` after it (null: points never expire). See rules.lot_expiry.
    points_validity_months: Mapped[int | None] = mapped_column(Integer)
    points_expire_at: Mapped[str] = mapped_column(String(16), default="end_of_month", server_default="end_of_month")
    # Leaving the program: keep the points for a later rejoin (false) or forfeit them (true).
    forfeit_points_on_leave: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    # The points expiration notifications policy: ``{"days_before": n, "message_id": m}`` (a message of the
    # ``rewards_notifications`` service) or null (none sent). See rewards/points/notices.py.
    expiration_notifications: Mapped[dict[str, Any] | None] = mapped_column(Json)


class RewardsAccount(IdMixin, TenantMixin, Base):
    """The member's membership and balance row (the lock of every change of the member's points)."""

    __tablename__ = "rewards_accounts"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "member_id"),)

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    balance: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    lifetime_earned: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class PointsTransaction(IdMixin, TenantMixin, Base):
    __tablename__ = "rewards_transactions"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "external_id"),
        # The member's transactions newest first (status pages): with ``id`` as the order's tie-break, a page
        # reads its rows off the index instead of sorting all of the member's transactions.
        Index("ix_rewards_transactions_member_date", "loyalty_club_id", "member_id", "occurred_at", "id"),
        # The open lots (expiry job, FIFO spending): only rows with points left.
        Index(
            "ix_rewards_transactions_open_lots",
            "loyalty_club_id",
            "member_id",
            "expires_at",
            postgresql_where=text("remaining > 0"),
            sqlite_where=text("remaining > 0"),
        ),
        Index(
            "ix_rewards_transactions_due_lots",
            "expires_at",
            postgresql_where=text("remaining > 0"),
            sqlite_where=text("remaining > 0"),
        ),
    )

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    type: Mapped[str] = mapped_column(String(20))
    amount: Mapped[int] = mapped_column(Integer)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    details: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # Lots (amount > 0): unspent points, when they expire, when they did, how many did.
    remaining: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expired_points: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    expiry_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the member was told this lot's points expire soon (never twice)."""
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    external_id: Mapped[str | None] = mapped_column(String(100))
    achievement_type: Mapped[str | None] = mapped_column(String(40))
    achievement_id: Mapped[int | None] = mapped_column(BigIntId)


# A lot with points left: the predicate of the partial indexes above, with its 0 written in the SQL. Compiled
# from ``remaining > 0`` the 0 is a bound parameter, and a prepared statement's generic plan (psycopg prepares
# a statement at its fifth run on a connection) cannot use an index whose predicate ``remaining > $3`` may
# not imply: the participant's lock then read every transaction of the member under the lock (3 ms at 1,260
# rows, growing with the history), and the expiry job every transaction of every club.
HAS_POINTS_LEFT = PointsTransaction.remaining > literal_column("0")


class Reward(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "rewards"
    __table_args__ = (Index("ix_rewards_club_archived", "loyalty_club_id", "archived_at"),)

    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    price: Mapped[int] = mapped_column(Integer)
    required_member_level: Mapped[str | None] = mapped_column(String(100))
    stock: Mapped[int | None] = mapped_column(Integer)
    purchased_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    limit_per_member: Mapped[int | None] = mapped_column(Integer)
    uses_per_purchase: Mapped[int | None] = mapped_column(Integer, default=1)
    visible_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visible_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    usable_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    store_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("stores.id", ondelete="SET NULL"), index=True)
    files: Mapped[list[Any]] = mapped_column(Json, default=list)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RewardPurchase(IdMixin, TenantMixin, Base):
    __tablename__ = "rewards_purchases"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "code"),
        Index("ix_rewards_purchases_member_reward", "loyalty_club_id", "member_id", "reward_id"),
    )

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    reward_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("rewards.id", ondelete="CASCADE"), index=True)
    transaction_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("rewards_transactions.id", ondelete="CASCADE"))
    price: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(32))
    purchased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uses_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


@config_cache.watch  # the achievements listener caches the types that earn
class Achievement(IdMixin, TenantMixin, TimestampMixin, Base):
    """An achievement (reference 2.1): ``points`` for a member event of ``type``, at most ``limit`` times
    in all and ``frequency`` (``{"timespan", "limit"}``) times per calendar period of the club."""

    __tablename__ = "rewards_achievements"
    __table_args__ = (Index("ix_rewards_achievements_club_type", "loyalty_club_id", "type"),)

    type: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    points: Mapped[int] = mapped_column(Integer)
    limit: Mapped[int | None] = mapped_column(Integer)
    frequency: Mapped[dict[str, Any] | None] = mapped_column(Json)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class PointMultiplier(IdMixin, TenantMixin, TimestampMixin, Base):
    """Earned points × ``factor_percent`` / 100 when every condition given matches (stores, member groups,
    time window, earning sources); the highest matching factor applies."""

    __tablename__ = "rewards_point_multipliers"

    name: Mapped[str] = mapped_column(String(200))
    factor_percent: Mapped[int] = mapped_column(Integer)
    store_ids: Mapped[list[int] | None] = mapped_column(Json)
    member_group_ids: Mapped[list[int] | None] = mapped_column(Json)
    sources: Mapped[list[str] | None] = mapped_column(Json)
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class ReceiptConfiguration(IdMixin, TenantMixin, TimestampMixin, Base):
    """The club's receipts rules. Amounts are in minor units (øre, cents)."""

    __tablename__ = "receipt_configurations"
    __table_args__ = (UniqueConstraint("loyalty_club_id"),)

    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    auto_accept: Mapped[bool] = mapped_column(Boolean, default=False)
    points_per_unit: Mapped[int] = mapped_column(Integer, default=1)
    unit_amount: Mapped[int] = mapped_column(Integer, default=100)
    daily_limit: Mapped[int | None] = mapped_column(Integer)
    weekly_limit: Mapped[int | None] = mapped_column(Integer)
    monthly_limit: Mapped[int | None] = mapped_column(Integer)
    min_total: Mapped[int | None] = mapped_column(BigInteger)
    max_total: Mapped[int | None] = mapped_column(BigInteger)
    accepted_store_ids: Mapped[list[int] | None] = mapped_column(Json)
    max_age_days: Mapped[int | None] = mapped_column(Integer)


class ReceiptSubmission(IdMixin, TenantMixin, TimestampMixin, Base):
    """A member's receipt: the photo (a file record), the form (store, total, date, number), its state."""

    __tablename__ = "receipt_submissions"
    __table_args__ = (
        Index("ix_receipt_submissions_member", "loyalty_club_id", "member_id", "created_at"),
        Index("ix_receipt_submissions_state", "loyalty_club_id", "state", "id"),
    )

    member_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(24))
    file_id: Mapped[int | None] = mapped_column(BigIntId)
    store_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("stores.id", ondelete="SET NULL"))
    total: Mapped[int | None] = mapped_column(BigInteger)
    purchased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    receipt_number: Mapped[str | None] = mapped_column(String(100))
    ocr_scan_results: Mapped[dict[str, Any] | None] = mapped_column(Json)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    points: Mapped[int | None] = mapped_column(Integer)
    transaction_id: Mapped[int | None] = mapped_column(BigIntId)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(200))
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
