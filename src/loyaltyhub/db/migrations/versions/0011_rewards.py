"""rewards program: programs, accounts (balance rows), the points ledger, the catalogue and purchases

Revision ID: 0011_rewards
Revises: 0009_job_schedules
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0011_rewards"
down_revision: str | None = "0010_messaging"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rewards_programs",
        sa.Column("enabled", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("reward_activation_time", sa.Integer(), server_default="30", nullable=False),
        sa.Column(
            "levels_program", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True
        ),
        sa.Column("points_validity_months", sa.Integer(), nullable=True),
        sa.Column("points_expire_at", sa.String(length=16), server_default="end_of_month", nullable=False),
        sa.Column("forfeit_points_on_leave", sa.Boolean(), server_default=sa.text("false"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_rewards_programs_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_programs")),
        sa.UniqueConstraint("loyalty_club_id", name=op.f("uq_rewards_programs_loyalty_club_id")),
    )
    with op.batch_alter_table("rewards_programs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_programs_loyalty_club_id"), ["loyalty_club_id"], unique=False)

    op.create_table(
        "rewards",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("required_member_level", sa.String(length=100), nullable=True),
        sa.Column("stock", sa.Integer(), nullable=True),
        sa.Column("purchased_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("limit_per_member", sa.Integer(), nullable=True),
        sa.Column("uses_per_purchase", sa.Integer(), nullable=True),
        sa.Column("visible_from", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("visible_until", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("usable_until", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("store_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("files", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("archived_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_rewards_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"], ["stores.id"], name=op.f("fk_rewards_store_id_stores"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards")),
    )
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.create_index("ix_rewards_club_archived", ["loyalty_club_id", "archived_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_rewards_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_rewards_store_id"), ["store_id"], unique=False)

    op.create_table(
        "rewards_accounts",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("joined_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("left_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("balance", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("lifetime_earned", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_rewards_accounts_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_rewards_accounts_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_accounts")),
        sa.UniqueConstraint("loyalty_club_id", "member_id", name=op.f("uq_rewards_accounts_loyalty_club_id_member_id")),
    )
    with op.batch_alter_table("rewards_accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_accounts_loyalty_club_id"), ["loyalty_club_id"], unique=False)

    op.create_table(
        "rewards_transactions",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("occurred_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column(
            "details", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("remaining", sa.Integer(), server_default="0", nullable=False),
        sa.Column("expires_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expired_points", sa.Integer(), server_default="0", nullable=False),
        sa.Column("cancelled_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("external_id", sa.String(length=100), nullable=True),
        sa.Column("achievement_type", sa.String(length=40), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_rewards_transactions_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_rewards_transactions_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_transactions")),
        sa.UniqueConstraint(
            "loyalty_club_id", "external_id", name=op.f("uq_rewards_transactions_loyalty_club_id_external_id")
        ),
    )
    with op.batch_alter_table("rewards_transactions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_rewards_transactions_due_lots",
            ["expires_at"],
            unique=False,
            postgresql_where=sa.text("remaining > 0"),
            sqlite_where=sa.text("remaining > 0"),
        )
        batch_op.create_index(batch_op.f("ix_rewards_transactions_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(
            "ix_rewards_transactions_member_date", ["loyalty_club_id", "member_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_rewards_transactions_open_lots",
            ["loyalty_club_id", "member_id", "expires_at"],
            unique=False,
            postgresql_where=sa.text("remaining > 0"),
            sqlite_where=sa.text("remaining > 0"),
        )

    op.create_table(
        "rewards_purchases",
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("reward_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("transaction_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("price", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("purchased_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("uses_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_used_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("active_until", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_rewards_purchases_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_rewards_purchases_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["reward_id"], ["rewards.id"], name=op.f("fk_rewards_purchases_reward_id_rewards"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["rewards_transactions.id"],
            name=op.f("fk_rewards_purchases_transaction_id_rewards_transactions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rewards_purchases")),
        sa.UniqueConstraint("loyalty_club_id", "code", name=op.f("uq_rewards_purchases_loyalty_club_id_code")),
    )
    with op.batch_alter_table("rewards_purchases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_rewards_purchases_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(
            "ix_rewards_purchases_member_reward", ["loyalty_club_id", "member_id", "reward_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_rewards_purchases_reward_id"), ["reward_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("rewards_purchases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_purchases_reward_id"))
        batch_op.drop_index("ix_rewards_purchases_member_reward")
        batch_op.drop_index(batch_op.f("ix_rewards_purchases_loyalty_club_id"))

    op.drop_table("rewards_purchases")
    with op.batch_alter_table("rewards_transactions", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_rewards_transactions_open_lots",
            postgresql_where=sa.text("remaining > 0"),
            sqlite_where=sa.text("remaining > 0"),
        )
        batch_op.drop_index("ix_rewards_transactions_member_date")
        batch_op.drop_index(batch_op.f("ix_rewards_transactions_loyalty_club_id"))
        batch_op.drop_index(
            "ix_rewards_transactions_due_lots",
            postgresql_where=sa.text("remaining > 0"),
            sqlite_where=sa.text("remaining > 0"),
        )

    op.drop_table("rewards_transactions")
    with op.batch_alter_table("rewards_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_accounts_loyalty_club_id"))

    op.drop_table("rewards_accounts")
    with op.batch_alter_table("rewards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_store_id"))
        batch_op.drop_index(batch_op.f("ix_rewards_loyalty_club_id"))
        batch_op.drop_index("ix_rewards_club_archived")

    op.drop_table("rewards")
    with op.batch_alter_table("rewards_programs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rewards_programs_loyalty_club_id"))

    op.drop_table("rewards_programs")
