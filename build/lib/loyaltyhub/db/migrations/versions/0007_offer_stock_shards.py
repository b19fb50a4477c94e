"""offers: uses counted in offer_stock_shards instead of offers.uses_count

Revision ID: 0007
Revises: 0006

Offers that were already used get their shards here (all uses on shard 0, what is left of the stock
shared among the shards, as ``loyaltyhub.offers.stock.allowances`` does); the others get them at
their first use.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
SHARDS = 16


def upgrade() -> None:
    op.create_table(
        "offer_stock_shards",
        sa.Column("offer_id", ID, nullable=False),
        sa.Column("shard", sa.Integer(), nullable=False),
        sa.Column("uses_count", sa.Integer(), server_default="0", nullable=False),
        sa.Column("allowance", sa.Integer(), nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_offer_stock_shards_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_stock_shards_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_stock_shards")),
        sa.UniqueConstraint(
            "loyalty_club_id", "offer_id", "shard", name=op.f("uq_offer_stock_shards_loyalty_club_id_offer_id_shard")
        ),
    )
    with op.batch_alter_table("offer_stock_shards", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offer_stock_shards_loyalty_club_id"), ["loyalty_club_id"], unique=False)

    connection = op.get_bind()
    used = connection.execute(
        sa.text("SELECT id, loyalty_club_id, stock, uses_count FROM offers WHERE uses_count > 0")
    ).all()
    shards = []
    for offer_id, club_id, stock, uses in used:
        share, extra = divmod(max((stock or 0) - uses, 0), SHARDS)
        for shard in range(SHARDS):
            held = uses if shard == 0 else 0
            allowance = None if stock is None else held + share + (1 if shard < extra else 0)
            shards.append({"club": club_id, "offer": offer_id, "shard": shard, "uses": held, "allowance": allowance})
    if shards:
        connection.execute(
            sa.text(
                "INSERT INTO offer_stock_shards (loyalty_club_id, offer_id, shard, uses_count, allowance)"
                " VALUES (:club, :offer, :shard, :uses, :allowance)"
            ),
            shards,
        )
    # Native DROP COLUMN (SQLite 3.35+): a batch table rebuild would drop and recreate offers.
    op.execute("ALTER TABLE offers DROP COLUMN uses_count")


def downgrade() -> None:
    op.add_column("offers", sa.Column("uses_count", sa.Integer(), server_default="0", nullable=False))
    op.execute(
        "UPDATE offers SET uses_count = (SELECT coalesce(sum(s.uses_count), 0) FROM offer_stock_shards s"
        " WHERE s.loyalty_club_id = offers.loyalty_club_id AND s.offer_id = offers.id)"
    )
    with op.batch_alter_table("offer_stock_shards", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offer_stock_shards_loyalty_club_id"))
    op.drop_table("offer_stock_shards")
