"""Rewards reports: ``transactions`` (the points ledger's records), ``transactions_history`` (points
earned, spent and expired over time, one series per transaction type) and ``points_balances`` (the
members' points, complementing ``member_balance``, which counts members joining and leaving the club).
See docs/decisions/rewards.md."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, func

from loyaltyhub.auth import permits
from loyaltyhub.reporting.fields import BOOLEAN, ENUM, INTEGER, OBJECT, STRING, TIMESTAMP, Field
from loyaltyhub.reporting.registry import Aggregation, Report, Source, table
from loyaltyhub.rewards import models as _rewards_models  # noqa: F401  (defines the tables named below)
from loyaltyhub.rewards.models import TRANSACTION_TYPES

INTERVALS = ("5m", "1h", "1d", "1w", "1mo")
CLUB = Field("loyalty_club_id", INTEGER, "ID of loyalty club", via_customer_header=True)

TRANSACTION_FIELDS = (
    Field("id", INTEGER, "Transaction ID"),
    CLUB,
    Field("member_id", INTEGER, "ID of the member"),
    Field("type", ENUM, "Type of transaction", enum=TRANSACTION_TYPES),
    Field("amount", INTEGER, "Points added (positive) or taken (negative)"),
    Field("date", TIMESTAMP, "When the transaction happened"),
    Field("expires_at", TIMESTAMP, "When the points it added expire (null: never, or not an addition)"),
    Field("expired_at", TIMESTAMP, "When the points it added expired"),
    Field("cancelled_at", TIMESTAMP, "When it was cancelled"),
    Field("achievement_type", STRING, "Type of achievement that granted the points"),
    Field("external_id", STRING, "Point-of-sale transaction id, or the receipt submission it came from"),
    Field("details", OBJECT, "Details, as the member status shows them", filterable=False),
)


def transactions_source() -> Source:
    rows = table("rewards_transactions")
    columns: dict[str, ColumnElement[Any]] = {
        f.name: rows.c[f.name] for f in TRANSACTION_FIELDS if f.name not in ("date",)
    }
    columns["date"] = rows.c.occurred_at
    columns = {f.name: columns[f.name] for f in TRANSACTION_FIELDS}
    return Source(
        from_=rows,
        columns=columns,
        club=rows.c.loyalty_club_id,
        key=rows.c.id,
        time=rows.c.occurred_at,
        measure=func.abs(rows.c.amount),
    )


def _counts(noun: str, labels: dict[str, str]) -> tuple[Aggregation, ...]:
    found = [Aggregation("count", (), f"Number of {noun}")]
    found += [Aggregation(f"{name}_count", (label,), f"Distribution of {label}") for name, label in labels.items()]
    return tuple(found)


TRANSACTIONS = Report(
    name="transactions",
    format="records",
    permit=permits.REPORT_TRANSACTIONS,
    cost=3,
    description="Points transactions of the rewards program (the ledger), newest last.",
    fields=TRANSACTION_FIELDS,
    source=transactions_source,
    aggregations=_counts("transactions", {"type": "type", "member": "member_id"}),
    club_key="loyalty_club_id",
    count_key="transactions_count",
)

HISTORY_FIELDS = (
    CLUB,
    Field("type", ENUM, "Type of transaction", enum=TRANSACTION_TYPES),
    Field("member_id", INTEGER, "ID of the member"),
    Field("achievement_type", STRING, "Type of achievement that granted the points"),
)


def history_source() -> Source:
    rows = table("rewards_transactions")
    return Source(
        from_=rows,
        columns={f.name: rows.c[f.name] for f in HISTORY_FIELDS},
        club=rows.c.loyalty_club_id,
        time=rows.c.occurred_at,
        measure=func.abs(rows.c.amount),
    )


TRANSACTIONS_HISTORY = Report(
    name="transactions_history",
    format="timeseries",
    permit=permits.REPORT_TRANSACTIONS_HISTORY,
    cost=3,
    description=(
        "Points moved over time, one series per transaction type: earned (achievement, grant, positive "
        "correction), spent (reward_purchase), expired (expiration), taken back (cancellation). Values are "
        "points (absolute); the type tells the direction."
    ),
    fields=HISTORY_FIELDS,
    source=history_source,
    intervals=INTERVALS,
    default_labels=("type",),
    aggregations=(
        Aggregation("total", (), "All points moved, one series"),
        Aggregation("achievement_type", ("type", "achievement_type"), "One series per type and achievement type"),
    ),
    measure="sum",
    club_key="loyalty_club_id",
)

BALANCE_FIELDS = (
    Field("member_id", INTEGER, "ID of the member"),
    CLUB,
    Field("participating", BOOLEAN, "Whether the member participates in the rewards program now"),
    Field("balance", INTEGER, "Current points balance"),
    Field("lifetime_points", INTEGER, "Points earned in total (what levels are judged on)"),
    Field("joined_at", TIMESTAMP, "When the member (last) joined the program"),
    Field("left_at", TIMESTAMP, "When the member left the program (null: participating)"),
)


def balances_source() -> Source:
    accounts = table("rewards_accounts")
    columns = {
        "member_id": accounts.c.member_id,
        "loyalty_club_id": accounts.c.loyalty_club_id,
        "participating": accounts.c.active,
        "balance": accounts.c.balance,
        "lifetime_points": accounts.c.lifetime_earned,
        "joined_at": accounts.c.joined_at,
        "left_at": accounts.c.left_at,
    }
    return Source(
        from_=accounts, columns=columns, club=accounts.c.loyalty_club_id, key=accounts.c.id, measure=accounts.c.balance
    )


POINTS_BALANCES = Report(
    name="points_balances",
    format="records",
    permit=permits.REPORT_POINTS_BALANCES,
    cost=3,
    description=(
        "Members' points in the rewards program (complements member_balance, which counts members joining "
        "and leaving the club). Aggregations sum the balances."
    ),
    fields=BALANCE_FIELDS,
    source=balances_source,
    aggregations=(
        Aggregation("total", (), "Points held by members"),
        Aggregation("participating", ("participating",), "Points held, by participation"),
    ),
    club_key="loyalty_club_id",
    count_key="points",
    measure="sum",
)

REPORTS = (TRANSACTIONS, TRANSACTIONS_HISTORY, POINTS_BALANCES)
