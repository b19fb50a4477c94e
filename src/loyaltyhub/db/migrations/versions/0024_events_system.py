"""the platform acting on its own behalf: who made a sending, the points expiration notifications policy
and the lots already noticed

Revision ID: 0024_events_system
Revises: 0018_surface_more
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0024_events_system"
down_revision: str | None = "0023_surface_images"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    op.add_column("message_sendings", sa.Column("created_by", sa.String(length=200), nullable=True))
    op.add_column("rewards_programs", sa.Column("expiration_notifications", _json(), nullable=True))
    op.add_column(
        "rewards_transactions",
        sa.Column("expiry_notified_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("rewards_transactions") as batch:
        batch.drop_column("expiry_notified_at")
    with op.batch_alter_table("rewards_programs") as batch:
        batch.drop_column("expiration_notifications")
    with op.batch_alter_table("message_sendings") as batch:
        batch.drop_column("created_by")
