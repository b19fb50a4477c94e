"""Tables of the Triggerer: rules, the queue of (rule, event) pairs to judge, each member's counter per
rule, and the execution log (one row per judged pair, unique: a pair is judged once)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.clubs import config_cache
from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime, utcnow

FIRED = "fired"
SKIPPED = "skipped"
FAILED = "failed"


@config_cache.watch  # queueing caches the club's live rules
class TriggerRule(IdMixin, TenantMixin, TimestampMixin, Base):
    """The vendor's Rule model (reference: the Triggerer's Rule): on ``event_type``, for members of
    ``audience_id``, when ``data_conditions`` hold and the source is not excluded, once the counts
    (``minimum``, ``rate``, ``limit``, ``frequency``) allow it, run the hook after ``hook_delayed_by_seconds``.
    Built-in rules (``system_key``) are judged in the transaction of their event, as the code paths they
    replace were."""

    __tablename__ = "trigger_rules"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "system_key"),)

    system_key: Mapped[str | None] = mapped_column(String(64))
    """Set on a built-in rule (``welcome_offers``, :mod:`loyaltyhub.triggers.system`): one per club, made
    with the club, listed and pausable like any rule, never deleted or rewired."""
    event_type: Mapped[str] = mapped_column(String(64))
    name: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    frequency: Mapped[dict[str, Any] | None] = mapped_column(Json)
    limit: Mapped[int | None] = mapped_column(Integer)
    minimum: Mapped[int] = mapped_column(Integer, default=0)
    rate: Mapped[int | None] = mapped_column(Integer)
    hook_type: Mapped[str] = mapped_column(String(32))
    hook_delayed_by_seconds: Mapped[int] = mapped_column(Integer, default=0)
    options: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    data_conditions: Mapped[dict[str, Any] | None] = mapped_column(Json)
    audience_id: Mapped[int | None] = mapped_column(BigIntId)
    excluded_sources: Mapped[list[Any]] = mapped_column(Json, default=list)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TriggerQueueItem(IdMixin, TenantMixin, Base):
    """A (rule, event) pair to judge once ``due_at`` has come (the event's arrival plus the rule's delay).
    Written with the event, in its transaction; removed in the transaction that judges it."""

    __tablename__ = "trigger_queue"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "rule_id", "event_id"),
        Index("ix_trigger_queue_due_at", "due_at"),
    )

    rule_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("trigger_rules.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("member_events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigIntId)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TriggerCounter(IdMixin, TenantMixin, Base):
    """One member's standing with one rule: matching events seen and actions run. Locked while a pair of
    this member and rule is judged, so concurrent workers judge a member's events one after another."""

    __tablename__ = "trigger_counters"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "rule_id", "member_id"),)

    rule_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("trigger_rules.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigIntId)
    events_count: Mapped[int] = mapped_column(Integer, default=0)
    actions_count: Mapped[int] = mapped_column(Integer, default=0)


class TriggerExecution(IdMixin, TenantMixin, Base):
    """The rule's execution log: how each (rule, event) was judged (``fired``, ``skipped`` with the reason,
    or ``failed`` with the hook's error) and, for fired ones, the calendar period it counts in."""

    __tablename__ = "trigger_executions"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "rule_id", "event_id"),
        Index("ix_trigger_executions_rule_member_period", "loyalty_club_id", "rule_id", "member_id", "period_start"),
    )

    rule_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("trigger_rules.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("member_events.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigIntId)
    status: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(Json)
    period_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime())
    executed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
