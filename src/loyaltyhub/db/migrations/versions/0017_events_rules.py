"""trigger_rules.system_key: built-in (system) rules, one per club and key; the welcome offers rule for
every existing club; data_conditions of the first form rewritten in the reporting filter grammar

Revision ID: 0017_events_rules
Revises: 0016_rewards_receipts
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from loyaltyhub.db.base import Json, UTCDateTime

revision: str = "0017_events_rules"
down_revision: str | None = "0016_rewards_receipts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As loyaltyhub.triggers.system.SYSTEM_RULES["welcome_offers"] (copied: a migration does not import code
# that may change after it).
WELCOME = {
    "system_key": "welcome_offers",
    "event_type": "member_signed_up",
    "hook_type": "welcome_offers",
    "name": {"value": "Welcome offers", "translations": {}},
}


def upgrade() -> None:
    with op.batch_alter_table("trigger_rules") as batch:
        batch.add_column(sa.Column("system_key", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_trigger_rules_loyalty_club_id_system_key", ["loyalty_club_id", "system_key"])
    bind = op.get_bind()
    clubs = sa.table("loyalty_clubs", sa.column("id", sa.BigInteger()))
    rules = sa.table(
        "trigger_rules",
        sa.column("loyalty_club_id", sa.BigInteger()),
        sa.column("system_key", sa.String()),
        sa.column("event_type", sa.String()),
        sa.column("name", Json),
        sa.column("minimum", sa.Integer()),
        sa.column("hook_type", sa.String()),
        sa.column("hook_delayed_by_seconds", sa.Integer()),
        sa.column("options", Json),
        sa.column("excluded_sources", Json),
        sa.column("paused", sa.Boolean()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    _rewrite_conditions(bind)
    now = datetime.now(UTC)
    club_ids = [row[0] for row in bind.execute(sa.select(clubs.c.id))]
    if club_ids:
        op.bulk_insert(
            rules,
            [
                {
                    **WELCOME,
                    "loyalty_club_id": club_id,
                    "minimum": 0,
                    "hook_delayed_by_seconds": 0,
                    "options": {},
                    "excluded_sources": [],
                    "paused": False,
                    "created_at": now,
                    "updated_at": now,
                }
                for club_id in club_ids
            ],
        )


OPERATORS = {
    "eq": "equal",
    "not_eq": "not_equal",
    "in": "in",
    "not_in": "not_in",
    "gt": "greater_than",
    "gte": "greater_or_equal_to",
    "lt": "less_than",
    "lte": "less_or_equal_to",
}


def as_filter(conditions: dict) -> dict:  # type: ignore[type-arg]
    """``{"data.x": {"eq": 1, "exists": true}}`` (every condition holds) as the filter grammar's ``and``."""
    operations = []
    for field, ops in conditions.items():
        for op_name, value in ops.items():
            if op_name == "exists":
                operations.append({"type": "not_equal" if value else "equal", "field": field, "value": None})
            else:
                operations.append({"type": OPERATORS[op_name], "field": field, "value": value})
    return {"type": "and", "operations": operations}


def _rewrite_conditions(bind: sa.Connection) -> None:
    rules = sa.table(
        "trigger_rules",
        sa.column("id", sa.BigInteger()),
        sa.column("loyalty_club_id"),
        sa.column("data_conditions", Json),
    )
    rows = bind.execute(sa.select(rules.c.id, rules.c.data_conditions).where(rules.c.data_conditions.is_not(None)))
    for rule_id, conditions in rows.all():
        if isinstance(conditions, dict) and conditions and "type" not in conditions:
            bind.execute(sa.update(rules).where(rules.c.id == rule_id).values(data_conditions=as_filter(conditions)))


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM trigger_rules WHERE system_key IS NOT NULL"))
    with op.batch_alter_table("trigger_rules") as batch:
        batch.drop_constraint("uq_trigger_rules_loyalty_club_id_system_key", type_="unique")
        batch.drop_column("system_key")
