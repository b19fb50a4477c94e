"""messaging delivery receipts: the provider's reason and time of a dispatch's delivery status, and the
lookup of a dispatch by its provider message id

Revision ID: 0019_messaging_delivery
Revises: 0018_surface_more
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loyaltyhub.db.base

revision: str = "0019_messaging_delivery"
down_revision: str | None = "0018_surface_more"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("message_dispatches") as batch:
        batch.add_column(sa.Column("delivery_error", sa.Text(), nullable=True))
        batch.add_column(
            sa.Column("delivery_reported_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True)
        )
    op.create_index(
        "ix_message_dispatches_loyalty_club_id_provider_message_id",
        "message_dispatches",
        ["loyalty_club_id", "provider_message_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_message_dispatches_loyalty_club_id_provider_message_id", table_name="message_dispatches")
    with op.batch_alter_table("message_dispatches") as batch:
        batch.drop_column("delivery_reported_at")
        batch.drop_column("delivery_error")
