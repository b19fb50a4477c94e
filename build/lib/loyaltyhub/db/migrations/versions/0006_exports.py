"""exports: the export_jobs table (durable reporting export jobs)

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = loyaltyhub.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "export_jobs",
        sa.Column("actor_key", sa.String(length=200), nullable=False),
        sa.Column("principal_name", sa.String(length=320), nullable=False),
        sa.Column("permits", JSON, nullable=False),
        sa.Column("club_ids", JSON, nullable=False),
        sa.Column("organization_context", sa.Boolean(), nullable=False),
        sa.Column("per_club", sa.Boolean(), nullable=False),
        sa.Column("report", sa.String(length=100), nullable=False),
        sa.Column("report_permit", sa.String(length=200), nullable=True),
        sa.Column("query", JSON, nullable=False),
        sa.Column("format", sa.String(length=16), nullable=False),
        sa.Column("cost", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.Column("total_rows", sa.BigInteger(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("worker_id", sa.String(length=200), nullable=True),
        sa.Column("file_name", sa.String(length=255), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("started_at", UTC, nullable=True),
        sa.Column("heartbeat_at", UTC, nullable=True),
        sa.Column("finished_at", UTC, nullable=True),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_export_jobs_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_jobs")),
    )
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_export_jobs_actor_key_id", ["actor_key", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_export_jobs_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index("ix_export_jobs_status_id", ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("export_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_export_jobs_status_id")
        batch_op.drop_index(batch_op.f("ix_export_jobs_loyalty_club_id"))
        batch_op.drop_index(batch_op.f("ix_export_jobs_expires_at"))
        batch_op.drop_index("ix_export_jobs_actor_key_id")
    op.drop_table("export_jobs")
