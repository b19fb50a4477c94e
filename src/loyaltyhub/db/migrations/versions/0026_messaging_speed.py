"""the dispatches claimed by a worker indexed apart (a partial index): finding a claim's dispatches (to
render them, renew their lease, release them) reads only the few claimed rows, not every dispatch ever sent

Revision ID: 0026_messaging_speed
Revises: 0024_events_system
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026_messaging_speed"
down_revision: str | None = "0024_events_system"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CLAIMED = "claimed_by IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_message_dispatches_claimed_by",
        "message_dispatches",
        ["claimed_by"],
        postgresql_where=sa.text(CLAIMED),
        sqlite_where=sa.text(CLAIMED),
    )


def downgrade() -> None:
    op.drop_index("ix_message_dispatches_claimed_by", table_name="message_dispatches")
