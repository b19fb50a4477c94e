"""messaging links: short links of sendings and generated links, their visits; opens and unsubscribes of
dispatches

Revision ID: 0015_messaging_links
Revises: 0013_surface
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0015_messaging_links"
down_revision: str | None = "0013_surface"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIGINT = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIME = loyaltyhub.db.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "content", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("opened_at", TIME, nullable=True))
        batch_op.add_column(sa.Column("opens_count", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("unsubscribed_at", TIME, nullable=True))

    op.create_table(
        "message_links",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("source_type", sa.String(length=20), nullable=False),
        sa.Column("sending_id", BIGINT, nullable=True),
        sa.Column("tracked", sa.Boolean(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("url_hash", sa.String(length=64), nullable=False),
        sa.Column("host", sa.String(length=255), nullable=True),
        sa.Column("path", sa.Text(), nullable=True),
        sa.Column("utm_source", sa.String(length=255), nullable=True),
        sa.Column("utm_medium", sa.String(length=255), nullable=True),
        sa.Column("utm_campaign", sa.String(length=255), nullable=True),
        sa.Column("utm_term", sa.String(length=255), nullable=True),
        sa.Column("utm_content", sa.String(length=255), nullable=True),
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", BIGINT, nullable=False),
        sa.Column("created_at", TIME, nullable=False),
        sa.Column("updated_at", TIME, nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_links_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sending_id"],
            ["message_sendings.id"],
            name=op.f("fk_message_links_sending_id_message_sendings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_links")),
        sa.UniqueConstraint("loyalty_club_id", "code", name=op.f("uq_message_links_loyalty_club_id_code")),
        sa.UniqueConstraint(
            "loyalty_club_id",
            "sending_id",
            "url_hash",
            name=op.f("uq_message_links_loyalty_club_id_sending_id_url_hash"),
        ),
    )
    with op.batch_alter_table("message_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_links_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_links_sending_id"), ["sending_id"], unique=False)

    op.create_table(
        "message_link_visits",
        sa.Column("link_id", BIGINT, nullable=False),
        sa.Column("sending_id", BIGINT, nullable=True),
        sa.Column("dispatch_id", BIGINT, nullable=True),
        sa.Column("member_id", BIGINT, nullable=True),
        sa.Column("visitor_key", sa.String(length=100), nullable=False),
        sa.Column("visited_at", TIME, nullable=False),
        sa.Column("id", BIGINT, autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", BIGINT, nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["message_links.id"],
            name=op.f("fk_message_link_visits_link_id_message_links"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_link_visits_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_link_visits")),
    )
    with op.batch_alter_table("message_link_visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_link_visits_dispatch_id"), ["dispatch_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_link_visits_link_id"), ["link_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_link_visits_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(
            "ix_message_link_visits_loyalty_club_id_visited_at", ["loyalty_club_id", "visited_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_message_link_visits_sending_id"), ["sending_id"], unique=False)


def downgrade() -> None:
    op.drop_table("message_link_visits")
    op.drop_table("message_links")
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.drop_column("unsubscribed_at")
        batch_op.drop_column("opens_count")
        batch_op.drop_column("opened_at")
        batch_op.drop_column("content")
