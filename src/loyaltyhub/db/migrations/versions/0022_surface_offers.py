"""offer_code_validations: a store's validation of an encoded offer code (Encode Offer), one row per code;
loyalty_clubs.community_id (Show Loyalty Club by community id)

Revision ID: 0022_surface_offers
Revises: 0018_surface_more
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loyaltyhub.db.base

revision: str = "0022_surface_offers"
down_revision: str | None = "0020_messaging_totals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("loyalty_clubs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("community_id", _ID, nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_loyalty_clubs_community_id"), ["community_id"])
    op.create_table(
        "offer_code_validations",
        sa.Column("nonce", sa.String(length=32), nullable=False),
        sa.Column("offer_id", _ID, nullable=False),
        sa.Column("member_id", _ID, nullable=False),
        sa.Column("validated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("product_name", sa.String(length=100), nullable=True),
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_offer_code_validations_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_offer_code_validations_member_id_members"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_offer_code_validations_offer_id_offers"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offer_code_validations")),
        sa.UniqueConstraint("loyalty_club_id", "nonce", name=op.f("uq_offer_code_validations_loyalty_club_id_nonce")),
    )
    with op.batch_alter_table("offer_code_validations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offer_code_validations_loyalty_club_id"), ["loyalty_club_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_offer_code_validations_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_offer_code_validations_offer_id"), ["offer_id"], unique=False)


def downgrade() -> None:
    op.drop_table("offer_code_validations")
    with op.batch_alter_table("loyalty_clubs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_loyalty_clubs_community_id"), type_="unique")
        batch_op.drop_column("community_id")
