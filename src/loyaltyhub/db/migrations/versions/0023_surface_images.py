"""files: crop_to of an upload and a file record, and the record's resized versions (base, thumbnail)

Revision ID: 0023_surface_images
Revises: 0018_surface_more
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

revision: str = "0023_surface_images"
down_revision: str | None = "0022_surface_offers"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("file_uploads") as batch:
        batch.add_column(sa.Column("crop_to", sa.String(length=64), nullable=True))
    with op.batch_alter_table("file_records") as batch:
        batch.add_column(sa.Column("crop_to", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("versions", _json(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("file_records") as batch:
        batch.drop_column("versions")
        batch.drop_column("crop_to")
    with op.batch_alter_table("file_uploads") as batch:
        batch.drop_column("crop_to")
