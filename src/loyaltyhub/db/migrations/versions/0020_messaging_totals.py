"""messaging totals: pre-counted dispatch totals for the sendings reports, kept by database triggers

Revision ID: 0020_messaging_totals
Revises: 0018_surface_more

Every change of a dispatch (insert, update, delete, also by a cascade) and every change of a member's
``gender``/``age`` writes its difference to ``message_dispatch_total_changes`` (append-only, no locks on
shared rows); ``loyaltyhub.messaging.totals.fold`` moves those rows into ``message_dispatch_totals``. The
reports read both. See docs/decisions/messaging.md (Reporting).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import loyaltyhub.db.base

revision: str = "0020_messaging_totals"
down_revision: str | None = "0019_messaging_delivery"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOTALS = "message_dispatch_totals"
CHANGES = "message_dispatch_total_changes"
KEYS = ("loyalty_club_id", "sending_id", "hour", "kind", "event", "channel", "gender", "age", "member")
COLUMNS = (*KEYS, "dispatches_count")


def _id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _columns(table: str) -> list:
    return [
        sa.Column("id", _id(), autoincrement=True, nullable=False),
        sa.Column("loyalty_club_id", _id(), nullable=False),
        sa.Column("sending_id", _id(), nullable=False),
        sa.Column("hour", loyaltyhub.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("event", sa.String(length=20), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("gender", sa.String(length=32), nullable=False),
        sa.Column("age", sa.String(length=8), nullable=False),
        sa.Column("member", sa.Integer(), nullable=False),
        sa.Column("dispatches_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["loyalty_club_id"],
            ["loyalty_clubs.id"],
            name=op.f(f"fk_{table}_loyalty_club_id_loyalty_clubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
    ]


def _hour(dialect: str, value: str) -> str:
    if dialect == "sqlite":
        return f"strftime('%Y-%m-%d %H:00:00.000000', {value})"
    return f"(date_trunc('hour', {value} AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')"


def _contributions(dialect: str, r: str, sign: str, gender: str, age: str, source: str = "") -> str:
    """The totals rows one dispatch (``r``: NEW, OLD, or a table alias with ``source`` its FROM) stands for,
    each counted ``sign``: its recipient row (status, channel, the member's gender and age) and its events
    (transmitted, failed, cancelled, opened, unsubscribed, delivered) in the hour they happened."""
    channel = f"COALESCE({r}.channel, '')"
    member = f"CASE WHEN {r}.member_id IS NULL THEN 0 ELSE 1 END"
    src = f" FROM {source}" if source else ""

    def one(kind: str, event: str, at: str, gender: str, age: str, member: str, condition: str) -> str:
        values = (f"{r}.loyalty_club_id", f"{r}.sending_id", _hour(dialect, at), f"'{kind}'", event, channel)
        values += (gender, age, member, sign)
        named = ", ".join(f"{value} AS {name}" for value, name in zip(values, (*KEYS, "n"), strict=True))
        return f"SELECT {named}{src}" + (f" WHERE {condition}" if condition else "")

    def event(name: str, at: str, condition: str) -> str:
        return one("event", f"'{name}'", at, "''", "''", "0", f"{condition} AND {at} IS NOT NULL")

    status = f"{r}.transmission_status"
    parts = [
        one("recipient", status, f"{r}.created_at", gender, age, member, ""),
        event("transmitted", f"{r}.transmitted_at", f"{status} = 'transmitted'"),
        event("failed", f"{r}.updated_at", f"{status} = 'failed'"),
        event("cancelled", f"{r}.updated_at", f"{status} = 'cancelled'"),
        event("opened", f"{r}.opened_at", "1 = 1"),
        event("unsubscribed", f"{r}.unsubscribed_at", "1 = 1"),
        event("delivered", f"{r}.created_at", f"{r}.delivery_status = 'delivered'"),
    ]
    return " UNION ALL ".join(parts)


def _summed(parts: str) -> str:
    """One change row per key of ``parts`` whose counts do not cancel out."""
    keys = ", ".join(KEYS)
    return (
        f"INSERT INTO {CHANGES} ({', '.join(COLUMNS)}) SELECT {keys}, SUM(n) FROM ({parts}) AS c"
        f" GROUP BY {keys} HAVING SUM(n) <> 0"
    )


def _member_moves(dialect: str, old: str, new: str | None) -> str:
    """A member's recipient rows moved from its old gender/age to the new ones ('' once deleted)."""

    def side(gender: str, age: str, sign: str) -> str:
        values = (
            "d.loyalty_club_id",
            "d.sending_id",
            _hour(dialect, "d.created_at"),
            "'recipient'",
            "d.transmission_status",
            "COALESCE(d.channel, '')",
            gender,
            age,
            "1",
            sign,
        )
        named = ", ".join(f"{value} AS {name}" for value, name in zip(values, (*KEYS, "n"), strict=True))
        return (
            f"SELECT {named} FROM message_dispatches d"
            f" WHERE d.member_id = {old}.id AND d.loyalty_club_id = {old}.loyalty_club_id"
        )

    def of(row: str, column: str) -> str:
        return f"COALESCE({row}.{column}, '')"

    gone = side(of(old, "gender"), of(old, "age"), "-1")
    came = side("''", "''", "1") if new is None else side(of(new, "gender"), of(new, "age"), "1")
    return f"{gone} UNION ALL {came}"


# --- SQLite: row triggers -------------------------------------------------------------------------------


def _sqlite_member(row: str, column: str) -> str:
    return (
        f"COALESCE((SELECT m.{column} FROM members m WHERE m.id = {row}.member_id"
        f" AND m.loyalty_club_id = {row}.loyalty_club_id), '')"
    )


def _sqlite_upgrade() -> None:
    def parts(row: str, sign: str) -> str:
        return _contributions("sqlite", row, sign, _sqlite_member(row, "gender"), _sqlite_member(row, "age"))

    for event, body in (
        ("INSERT", parts("NEW", "1")),
        ("UPDATE", f"{parts('OLD', '-1')} UNION ALL {parts('NEW', '1')}"),
        ("DELETE", parts("OLD", "-1")),
    ):
        op.execute(
            f"CREATE TRIGGER message_dispatch_totals_{event.lower()} AFTER {event} ON message_dispatches"
            f" BEGIN {_summed(body)}; END"
        )
    op.execute(
        "CREATE TRIGGER message_dispatch_totals_member_update AFTER UPDATE OF gender, age ON members"
        " WHEN OLD.gender IS NOT NEW.gender OR OLD.age IS NOT NEW.age"
        f" BEGIN {_summed(_member_moves('sqlite', 'OLD', 'NEW'))}; END"
    )
    op.execute(
        "CREATE TRIGGER message_dispatch_totals_member_delete AFTER DELETE ON members"
        f" BEGIN {_summed(_member_moves('sqlite', 'OLD', None))}; END"
    )


# --- PostgreSQL: statement triggers over transition tables ------------------------------------------------


def _pg_parts(table: str, sign: str) -> str:
    source = f"{table} d LEFT JOIN members m ON m.id = d.member_id AND m.loyalty_club_id = d.loyalty_club_id"
    return _contributions("postgresql", "d", sign, "COALESCE(m.gender, '')", "COALESCE(m.age, '')", source)


def _pg_function(name: str, body: str) -> None:
    op.execute(f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {body} RETURN NULL; END $$")


def _pg_upgrade() -> None:
    # A dispatch inserted while its member's gender or age changes in another transaction: the member row
    # is share-locked first, so the insert counts the member as the other transaction leaves it.
    lock_members = (
        "PERFORM 1 FROM members m JOIN new_rows d ON m.id = d.member_id AND m.loyalty_club_id = d.loyalty_club_id"
        " ORDER BY m.id FOR SHARE OF m;"
    )
    _pg_function("message_dispatch_totals_insert", f"{lock_members} {_summed(_pg_parts('new_rows', '1'))};")
    _pg_function(
        "message_dispatch_totals_update",
        f"{_summed(_pg_parts('old_rows', '-1') + ' UNION ALL ' + _pg_parts('new_rows', '1'))};",
    )
    _pg_function("message_dispatch_totals_delete", f"{_summed(_pg_parts('old_rows', '-1'))};")
    for event, tables in (
        ("INSERT", "NEW TABLE AS new_rows"),
        ("UPDATE", "OLD TABLE AS old_rows NEW TABLE AS new_rows"),
        ("DELETE", "OLD TABLE AS old_rows"),
    ):
        name = f"message_dispatch_totals_{event.lower()}"
        op.execute(
            f"CREATE TRIGGER {name} AFTER {event} ON message_dispatches REFERENCING {tables}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    # A member's gender or age changes: its dispatches are locked first (a concurrent status change of one
    # of them then counts from the state this transaction leaves), then its recipient rows move.
    lock_dispatches = (
        "PERFORM 1 FROM message_dispatches d WHERE d.member_id = OLD.id AND d.loyalty_club_id = OLD.loyalty_club_id"
        " ORDER BY d.id FOR UPDATE;"
    )
    _pg_function(
        "message_dispatch_totals_member_update",
        f"{lock_dispatches} {_summed(_member_moves('postgresql', 'OLD', 'NEW'))};",
    )
    _pg_function(
        "message_dispatch_totals_member_delete",
        f"{lock_dispatches} {_summed(_member_moves('postgresql', 'OLD', None))};",
    )
    op.execute(
        "CREATE TRIGGER message_dispatch_totals_member_update AFTER UPDATE OF gender, age ON members FOR EACH ROW"
        " WHEN (OLD.gender IS DISTINCT FROM NEW.gender OR OLD.age IS DISTINCT FROM NEW.age)"
        " EXECUTE FUNCTION message_dispatch_totals_member_update()"
    )
    op.execute(
        "CREATE TRIGGER message_dispatch_totals_member_delete AFTER DELETE ON members FOR EACH ROW"
        " EXECUTE FUNCTION message_dispatch_totals_member_delete()"
    )


def upgrade() -> None:
    op.create_table(
        TOTALS,
        *_columns(TOTALS),
        sa.UniqueConstraint(*KEYS, name="uq_message_dispatch_totals_key"),
    )
    with op.batch_alter_table(TOTALS, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{TOTALS}_loyalty_club_id"), ["loyalty_club_id"], unique=False)
    op.create_table(CHANGES, *_columns(CHANGES))
    with op.batch_alter_table(CHANGES, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{CHANGES}_loyalty_club_id"), ["loyalty_club_id"], unique=False)
    # A member is one recipient of a sending (its recipient key is ``member:<id>``): members_count counts them.
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f("uq_message_dispatches_loyalty_club_id_sending_id_member_id"),
            ["loyalty_club_id", "sending_id", "member_id"],
        )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _sqlite_upgrade()
    else:
        _pg_upgrade()
    # The dispatches made before this revision: counted once, as changes (the first fold moves them).
    source = "message_dispatches d LEFT JOIN members m ON m.id = d.member_id AND m.loyalty_club_id = d.loyalty_club_id"
    parts = _contributions(dialect, "d", "1", "COALESCE(m.gender, '')", "COALESCE(m.age, '')", source)
    op.execute(_summed(parts))


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name in ("insert", "update", "delete"):
        op.execute(
            f"DROP TRIGGER IF EXISTS message_dispatch_totals_{name}"
            + ("" if dialect == "sqlite" else " ON message_dispatches")
        )
    for name in ("member_update", "member_delete"):
        op.execute(
            f"DROP TRIGGER IF EXISTS message_dispatch_totals_{name}" + ("" if dialect == "sqlite" else " ON members")
        )
    if dialect != "sqlite":
        for name in ("insert", "update", "delete", "member_update", "member_delete"):
            op.execute(f"DROP FUNCTION IF EXISTS message_dispatch_totals_{name}()")
    with op.batch_alter_table("message_dispatches", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_message_dispatches_loyalty_club_id_sending_id_member_id"), type_="unique"
        )
    op.drop_table(CHANGES)
    op.drop_table(TOTALS)
