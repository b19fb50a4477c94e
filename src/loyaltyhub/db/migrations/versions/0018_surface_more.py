"""club info: legal information, translations and programs of a loyalty club

Revision ID: 0018_surface_more
Revises: 0017_events_rules
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0018_surface_more"
down_revision: str | None = "0017_events_rules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def _tenant_columns(table: str) -> list:
    return [
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f(f"fk_{table}_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def upgrade() -> None:
    op.create_table(
        "club_legal_information",
        sa.Column("content", _json(), nullable=False),
        *_tenant_columns("club_legal_information"),
        sa.UniqueConstraint("loyalty_club_id", name=op.f("uq_club_legal_information_loyalty_club_id")),
    )
    op.create_table(
        "club_translations",
        sa.Column("language", sa.String(length=16), nullable=False),
        sa.Column("member_properties", _json(), nullable=False),
        sa.Column("consents", _json(), nullable=False),
        sa.Column("tags", _json(), nullable=False),
        sa.Column("terms", sa.Text(), nullable=True),
        *_tenant_columns("club_translations"),
        sa.UniqueConstraint("loyalty_club_id", "language", name=op.f("uq_club_translations_loyalty_club_id_language")),
    )
    op.create_table(
        "club_programs",
        sa.Column("slug", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("image_url", sa.String(length=2000), nullable=True),
        sa.Column("translations", _json(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        *_tenant_columns("club_programs"),
        sa.UniqueConstraint("loyalty_club_id", "slug", name=op.f("uq_club_programs_loyalty_club_id_slug")),
    )
    for table in ("club_legal_information", "club_translations", "club_programs"):
        op.create_index(op.f(f"ix_{table}_loyalty_club_id"), table, ["loyalty_club_id"], unique=False)


def downgrade() -> None:
    for table in ("club_programs", "club_translations", "club_legal_information"):
        op.drop_index(op.f(f"ix_{table}_loyalty_club_id"), table_name=table)
        op.drop_table(table)
