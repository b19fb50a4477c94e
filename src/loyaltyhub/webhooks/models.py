"""Tables of webhooks: subscriptions, the outbox of events, one delivery per (event, subscription), and
the log of every attempt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.clubs import config_cache
from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime, utcnow

STANDARD = "standard"
MEMBERS_V2 = "members_v2"
PAYLOAD_VERSIONS = (STANDARD, MEMBERS_V2)

PENDING = "pending"
DELIVERED = "delivered"
DROPPED = "dropped"
"""The receiver answered 4xx: the vendor's rule is to ignore the notification (no retry)."""
EXPIRED = "expired"
"""Failed for the whole retry window (20 days)."""
CANCELLED = "cancelled"
"""The subscription was deleted or disabled before the delivery succeeded."""
DELIVERY_STATUSES = (PENDING, DELIVERED, DROPPED, EXPIRED, CANCELLED)


@config_cache.watch  # the outbox caches which subscriptions want which events
class WebhookSubscription(IdMixin, TenantMixin, TimestampMixin, Base):
    """A receiver of a club's events: where (``url``), which events, how (``payload_version``), and its
    secrets (``secret`` signs per Standard Webhooks; ``secret_token`` is the vendor's ``X-Secret-Token``)."""

    __tablename__ = "webhook_subscriptions"

    url: Mapped[str] = mapped_column(String(2048))
    description: Mapped[str | None] = mapped_column(String(500))
    event_types: Mapped[list[Any]] = mapped_column(Json, default=list)
    payload_version: Mapped[str] = mapped_column(String(20), default=STANDARD)
    secret: Mapped[str] = mapped_column(String(100))
    secret_token: Mapped[str] = mapped_column(String(100))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """The first failed attempt since the last success (a subscription failing for the whole retry window
    is disabled)."""
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(500))


class WebhookEvent(IdMixin, TenantMixin, Base):
    """The outbox: one row per change of a trackable resource, written in the transaction of the change.
    ``data`` is the resource as its API shows it after the change (before it, for a deletion);
    ``changes`` the member changes of the vendor's v2 payload (member events only)."""

    __tablename__ = "webhook_events"

    type: Mapped[str] = mapped_column(String(64))
    resource_id: Mapped[int] = mapped_column(BigIntId)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    data: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    changes: Mapped[dict[str, Any] | None] = mapped_column(Json)


class WebhookDelivery(IdMixin, TenantMixin, Base):
    """One event to one subscription, until it is delivered, dropped or expired. A worker owns it while
    ``claim_token`` is its own and ``leased_until`` is in the future; a killed worker's lease runs out and
    another worker sends it again, with the same ``webhook-id`` (``msg_<event id>``)."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "subscription_id", "event_id"),
        Index("ix_webhook_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
    )

    subscription_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    event_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("webhook_events.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claim_token: Mapped[str | None] = mapped_column(String(64))
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class WebhookAttempt(IdMixin, TenantMixin, Base):
    """The delivery log: every request sent (headers and body), the answer's status and body (cut), and
    how long it took."""

    __tablename__ = "webhook_attempts"

    delivery_id: Mapped[int] = mapped_column(
        BigIntId, ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    request_headers: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    request_body: Mapped[str] = mapped_column(Text)
    response_status: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
