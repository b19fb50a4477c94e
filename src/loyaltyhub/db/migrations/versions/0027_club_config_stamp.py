"""loyalty_clubs.config_stamp: replaced with every change of the per-club configuration that listeners read
(Triggerer rules, achievements, webhook subscriptions), so processes can cache it and know when it changed

Revision ID: 0027_club_config_stamp
Revises: 0026_messaging_speed
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027_club_config_stamp"
down_revision: str | None = "0026_messaging_speed"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("loyalty_clubs", sa.Column("config_stamp", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("loyalty_clubs") as batch:
        batch.drop_column("config_stamp")
