"""member_account_tokens (e-mail / MSISDN verification, password reset); file_uploads and file_records

Revision ID: 0013_surface
Revises: 0009_job_schedules
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0013_surface"
down_revision: str | None = "0012_events"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "member_account_tokens",
        sa.Column("member_id", BIGINT, nullable=False),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("destination", sa.String(length=320), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", BIGINT, nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_member_account_tokens_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name=op.f("fk_member_account_tokens_member_id_members"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_member_account_tokens")),
        sa.UniqueConstraint(
            "loyalty_club_id", "token_hash", name=op.f("uq_member_account_tokens_loyalty_club_id_token_hash")
        ),
    )
    with op.batch_alter_table("member_account_tokens", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_account_tokens_sent", ["loyalty_club_id", "purpose", "destination", "created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_member_account_tokens_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_member_account_tokens_member_id"), ["member_id"], unique=False)

    op.create_table(
        "file_records",
        sa.Column("fileable_type", sa.String(length=32), nullable=False),
        sa.Column("fileable_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("mime_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage_key", sa.String(length=300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("last_active_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_file_records_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_records")),
    )
    with op.batch_alter_table("file_records", schema=None) as batch_op:
        batch_op.create_index(
            "ix_file_records_fileable", ["loyalty_club_id", "fileable_type", "fileable_id", "kind"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_file_records_loyalty_club_id"), ["loyalty_club_id"], unique=False)

    op.create_table(
        "file_uploads",
        sa.Column("fileable_type", sa.String(length=32), nullable=False),
        sa.Column("fileable_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("parts", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("file_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("uploaded_by", sa.String(length=200), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_file_uploads_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_file_uploads")),
    )
    with op.batch_alter_table("file_uploads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_file_uploads_loyalty_club_id"), ["loyalty_club_id"], unique=False)


def downgrade() -> None:
    op.drop_table("file_uploads")
    op.drop_table("file_records")
    op.drop_table("member_account_tokens")
