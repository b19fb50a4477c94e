"""ix_rewards_transactions_member_date gains ``id``, the status page's tie-break: a page of a member's
transactions newest first is read off the index instead of sorting all of them

Revision ID: 0028_rewards_member_date_id
Revises: 0027_club_config_stamp
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0028_rewards_member_date_id"
down_revision: str | None = "0027_club_config_stamp"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_rewards_transactions_member_date"


def upgrade() -> None:
    op.drop_index(INDEX, table_name="rewards_transactions")
    op.create_index(INDEX, "rewards_transactions", ["loyalty_club_id", "member_id", "occurred_at", "id"])


def downgrade() -> None:
    op.drop_index(INDEX, table_name="rewards_transactions")
    op.create_index(INDEX, "rewards_transactions", ["loyalty_club_id", "member_id", "occurred_at"])
