"""messaging: settings, templates, sender identities, messages and channels, sendings, dispatches

Revision ID: 0010_messaging
Revises: 0009_job_schedules
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy import Text
from sqlalchemy.dialects import postgresql

import loyaltyhub.db.base

revision: str = "0010_messaging"
down_revision: str | None = "0009_job_schedules"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_sender_identities",
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("from_email", sa.String(length=320), nullable=True),
        sa.Column("from_name", sa.String(length=200), nullable=True),
        sa.Column("sender_type", sa.String(length=20), nullable=True),
        sa.Column("value", sa.String(length=20), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_sender_identities_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_sender_identities")),
    )
    with op.batch_alter_table("message_sender_identities", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_sender_identities_loyalty_club_id"), ["loyalty_club_id"], unique=False
        )

    op.create_table(
        "message_templates",
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column(
            "content", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("wrapper_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("standalone", sa.Boolean(), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_templates_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["wrapper_id"],
            ["message_templates.id"],
            name=op.f("fk_message_templates_wrapper_id_message_templates"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_templates")),
    )
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_templates_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_templates_wrapper_id"), ["wrapper_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("service", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=True),
        sa.Column("shorten_urls", sa.Boolean(), nullable=False),
        sa.Column("track_in_shortener", sa.Boolean(), nullable=False),
        sa.Column("campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("marketing", sa.Boolean(), nullable=True),
        sa.Column("deleted_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_messages_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index("ix_messages_loyalty_club_id_service", ["loyalty_club_id", "service"], unique=False)

    op.create_table(
        "messaging_settings",
        sa.Column("sms", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True),
        sa.Column("email", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True),
        sa.Column("push", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True),
        sa.Column(
            "transports", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_messaging_settings_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messaging_settings")),
        sa.UniqueConstraint("loyalty_club_id", name=op.f("uq_messaging_settings_loyalty_club_id")),
    )
    with op.batch_alter_table("messaging_settings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messaging_settings_loyalty_club_id"), ["loyalty_club_id"], unique=False)

    op.create_table(
        "message_channels",
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=10), nullable=False),
        sa.Column("sender", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False),
        sa.Column("template_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_channels_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_channels_message_id_messages"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["template_id"], ["message_templates.id"], name=op.f("fk_message_channels_template_id_message_templates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_channels")),
        sa.UniqueConstraint(
            "loyalty_club_id", "message_id", "type", name=op.f("uq_message_channels_loyalty_club_id_message_id_type")
        ),
    )
    with op.batch_alter_table("message_channels", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_channels_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_channels_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_channels_template_id"), ["template_id"], unique=False)

    op.create_table(
        "message_sendings",
        sa.Column("message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("priority", sa.Integer(), nullable=False),
        sa.Column(
            "channels_preference",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"),
            nullable=True,
        ),
        sa.Column(
            "scheduled_with", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True
        ),
        sa.Column("scheduled_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column(
            "audience", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=True
        ),
        sa.Column("audience_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "recipients", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column(
            "properties", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("members_count", sa.Integer(), nullable=False),
        sa.Column("dispatches_count", sa.Integer(), nullable=False),
        sa.Column("skipped_count", sa.Integer(), nullable=False),
        sa.Column("transmitted_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("finished_reason", sa.String(length=500), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_sendings_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_sendings_message_id_messages"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_sendings")),
    )
    with op.batch_alter_table("message_sendings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_sendings_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_sendings_message_id"), ["message_id"], unique=False)
        batch_op.create_index("ix_message_sendings_status_scheduled_at", ["status", "scheduled_at"], unique=False)

    op.create_table(
        "message_dispatches",
        sa.Column("sending_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("recipient_key", sa.String(length=400), nullable=False),
        sa.Column("member_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=True),
        sa.Column("address", sa.String(length=600), nullable=True),
        sa.Column(
            "properties", sa.JSON().with_variant(postgresql.JSONB(astext_type=Text()), "postgresql"), nullable=False
        ),
        sa.Column("transmission_status", sa.String(length=20), nullable=False),
        sa.Column("delivery_status", sa.String(length=20), nullable=False),
        sa.Column("skip_reason", sa.String(length=100), nullable=True),
        sa.Column("provider_message_id", sa.String(length=200), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("transmitted_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("created_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f("fk_message_dispatches_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sending_id"],
            ["message_sendings.id"],
            name=op.f("fk_message_dispatches_sending_id_message_sendings"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_dispatches")),
        sa.UniqueConstraint(
            "loyalty_club_id",
            "sending_id",
            "channel",
            "address",
            name=op.f("uq_message_dispatches_loyalty_club_id_sending_id_channel_address"),
        ),
        sa.UniqueConstraint(
            "loyalty_club_id",
            "sending_id",
            "recipient_key",
            name=op.f("uq_message_dispatches_loyalty_club_id_sending_id_recipient_key"),
        ),
    )
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_message_dispatches_loyalty_club_id"), ["loyalty_club_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_dispatches_member_id"), ["member_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_message_dispatches_sending_id"), ["sending_id"], unique=False)
        batch_op.create_index(
            "ix_message_dispatches_sending_id_transmission_status", ["sending_id", "transmission_status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.drop_index("ix_message_dispatches_sending_id_transmission_status")
        batch_op.drop_index(batch_op.f("ix_message_dispatches_sending_id"))
        batch_op.drop_index(batch_op.f("ix_message_dispatches_member_id"))
        batch_op.drop_index(batch_op.f("ix_message_dispatches_loyalty_club_id"))

    op.drop_table("message_dispatches")
    with op.batch_alter_table("message_sendings", schema=None) as batch_op:
        batch_op.drop_index("ix_message_sendings_status_scheduled_at")
        batch_op.drop_index(batch_op.f("ix_message_sendings_message_id"))
        batch_op.drop_index(batch_op.f("ix_message_sendings_loyalty_club_id"))

    op.drop_table("message_sendings")
    with op.batch_alter_table("message_channels", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_channels_template_id"))
        batch_op.drop_index(batch_op.f("ix_message_channels_message_id"))
        batch_op.drop_index(batch_op.f("ix_message_channels_loyalty_club_id"))

    op.drop_table("message_channels")
    with op.batch_alter_table("messaging_settings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messaging_settings_loyalty_club_id"))

    op.drop_table("messaging_settings")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_loyalty_club_id_service")
        batch_op.drop_index(batch_op.f("ix_messages_loyalty_club_id"))

    op.drop_table("messages")
    with op.batch_alter_table("message_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_templates_wrapper_id"))
        batch_op.drop_index(batch_op.f("ix_message_templates_loyalty_club_id"))

    op.drop_table("message_templates")
    with op.batch_alter_table("message_sender_identities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_sender_identities_loyalty_club_id"))

    op.drop_table("message_sender_identities")
