"""Tables of messaging.

A :class:`Message` is content (one template per :class:`MessageChannel`); a :class:`Sending` is one
occurrence of it, to an audience and inline recipients; preparing a sending writes one :class:`Dispatch`
per recipient (unique per sending and recipient, so nobody gets a sending twice), and the dispatch job
transmits them. Templates are stored per club: standalone ones (``/v1/messages/templates``) and the inline
ones a channel owns.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime


class MessagingSettings(IdMixin, TenantMixin, TimestampMixin, Base):
    """A club's messaging configuration: the channels' default senders and how each channel is delivered."""

    __tablename__ = "messaging_settings"
    __table_args__ = (UniqueConstraint("loyalty_club_id"),)

    sms: Mapped[dict[str, Any] | None] = mapped_column(Json)
    email: Mapped[dict[str, Any] | None] = mapped_column(Json)
    push: Mapped[dict[str, Any] | None] = mapped_column(Json)
    transports: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    """Per channel: ``{"email": {"kind": "smtp", "host": ..., ...}}`` (never shown by the API)."""


class MessageTemplate(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "message_templates"

    name: Mapped[str | None] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(20))
    content: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    wrapper_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("message_templates.id", ondelete="SET NULL"), index=True
    )
    standalone: Mapped[bool] = mapped_column(Boolean, default=True)
    """False for the inline template a channel owns (not listed under ``/v1/messages/templates``)."""


class SenderIdentity(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "message_sender_identities"

    type: Mapped[str] = mapped_column(String(10))
    """``email`` or ``sms``."""
    name: Mapped[str | None] = mapped_column(String(200))
    from_email: Mapped[str | None] = mapped_column(String(320))
    from_name: Mapped[str | None] = mapped_column(String(200))
    sender_type: Mapped[str | None] = mapped_column(String(20))
    """SMS: ``alphanumeric`` or ``international``."""
    value: Mapped[str | None] = mapped_column(String(20))


class Message(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_loyalty_club_id_service", "loyalty_club_id", "service"),)

    service: Mapped[str] = mapped_column(String(40))
    name: Mapped[str | None] = mapped_column(String(200))
    shorten_urls: Mapped[bool] = mapped_column(Boolean, default=True)
    track_in_shortener: Mapped[bool] = mapped_column(Boolean, default=False)
    campaign_id: Mapped[int | None] = mapped_column(BigIntId)
    marketing: Mapped[bool | None] = mapped_column(Boolean)
    """Explicit marketing purpose; ``None`` when implied by the service."""
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MessageChannel(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "message_channels"
    __table_args__ = (UniqueConstraint("loyalty_club_id", "message_id", "type"),)

    message_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(10))
    sender: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    template_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("message_templates.id"), index=True)


class Sending(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "message_sendings"
    __table_args__ = (Index("ix_message_sendings_status_scheduled_at", "status", "scheduled_at"),)

    message_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    draft: Mapped[bool] = mapped_column(Boolean, default=False)
    priority: Mapped[int] = mapped_column(Integer, default=5)
    channels_preference: Mapped[list[Any] | None] = mapped_column(Json)
    scheduled_with: Mapped[dict[str, Any] | None] = mapped_column(Json)
    scheduled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    audience: Mapped[dict[str, Any] | None] = mapped_column(Json)
    audience_id: Mapped[int | None] = mapped_column(BigIntId)
    recipients: Mapped[list[Any]] = mapped_column(Json, default=list)
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    members_count: Mapped[int] = mapped_column(Integer, default=0)
    dispatches_count: Mapped[int] = mapped_column(Integer, default=0)
    skipped_count: Mapped[int] = mapped_column(Integer, default=0)
    transmitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_reason: Mapped[str | None] = mapped_column(String(500))
    created_by: Mapped[str | None] = mapped_column(String(200))
    """Who made it (``Principal.actor_key``): ``client:5``, ``user:3``, or the platform itself: ``rule:12`` (a
    Triggerer rule's messaging hook), ``job:rewards_points_expiry`` (null on sendings made before 0024)."""
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Dispatch(IdMixin, TenantMixin, TimestampMixin, Base):
    """One recipient of one sending: the channel chosen, the address, and what became of the transmission."""

    __tablename__ = "message_dispatches"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "sending_id", "recipient_key"),
        UniqueConstraint("loyalty_club_id", "sending_id", "channel", "address"),
        UniqueConstraint("loyalty_club_id", "sending_id", "member_id"),
        Index("ix_message_dispatches_sending_id_transmission_status", "sending_id", "transmission_status"),
        Index("ix_message_dispatches_loyalty_club_id_provider_message_id", "loyalty_club_id", "provider_message_id"),
        # Partial: the few dispatches claimed by a worker (a claim's own rows), not the millions already sent
        # (migration 0026; without it, finding a claim's 200 rows among 500,000 took 127 ms instead of 1).
        Index(
            "ix_message_dispatches_claimed_by",
            "claimed_by",
            postgresql_where=text("claimed_by IS NOT NULL"),
            sqlite_where=text("claimed_by IS NOT NULL"),
        ),
    )

    sending_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("message_sendings.id", ondelete="CASCADE"), index=True)
    recipient_key: Mapped[str] = mapped_column(String(400))
    """``member:<id>`` for a member, otherwise ``<channel>:<address>``: the sending's uniqueness key."""
    member_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    channel: Mapped[str | None] = mapped_column(String(10))
    address: Mapped[str | None] = mapped_column(String(600))
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    transmission_status: Mapped[str] = mapped_column(String(20))
    delivery_status: Mapped[str] = mapped_column(String(20), default="unknown")
    """``unknown`` until the provider's receipt says ``delivered`` or ``undelivered`` (``messaging.receipts``)."""
    delivery_error: Mapped[str | None] = mapped_column(Text)
    """The provider's reason for ``undelivered``."""
    delivery_reported_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    skip_reason: Mapped[str | None] = mapped_column(String(100))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transmitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    content: Mapped[dict[str, Any] | None] = mapped_column(Json)
    """What was transmitted (rendered, links shortened) and from which sender: the messages history."""
    # What the recipient did with it (links: see ``LinkVisit``).
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """First time the e-mail's tracking pixel was fetched."""
    opens_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unsubscribed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When the recipient used the message's one-click unsubscribe."""


class Link(IdMixin, TenantMixin, TimestampMixin, Base):
    """A short link: one per distinct URL of a sending (``source_type`` ``sending``), or one made by
    ``Generate Link`` (``generated``). The URL's host, path and ``utm_*`` are kept apart for the reports."""

    __tablename__ = "message_links"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "code"),
        UniqueConstraint("loyalty_club_id", "sending_id", "url_hash"),
    )

    code: Mapped[str] = mapped_column(String(16))
    source_type: Mapped[str] = mapped_column(String(20))
    sending_id: Mapped[int | None] = mapped_column(
        BigIntId, ForeignKey("message_sendings.id", ondelete="CASCADE"), index=True
    )
    tracked: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(String(64))
    """SHA-256 of ``url``: the uniqueness key (URLs are too long to index everywhere)."""
    host: Mapped[str | None] = mapped_column(String(255))
    path: Mapped[str | None] = mapped_column(Text)
    utm_source: Mapped[str | None] = mapped_column(String(255))
    utm_medium: Mapped[str | None] = mapped_column(String(255))
    utm_campaign: Mapped[str | None] = mapped_column(String(255))
    utm_term: Mapped[str | None] = mapped_column(String(255))
    utm_content: Mapped[str | None] = mapped_column(String(255))


class LinkVisit(IdMixin, TenantMixin, Base):
    """One resolution of a short link. ``visitor_key`` is ``member:<id>`` when the link was tracked to a
    recipient who is a member, ``dispatch:<id>`` for another tracked recipient, else ``device:<hash>``
    (a cookie set on the first visit): unique visits are distinct visitor keys."""

    __tablename__ = "message_link_visits"
    __table_args__ = (Index("ix_message_link_visits_loyalty_club_id_visited_at", "loyalty_club_id", "visited_at"),)

    link_id: Mapped[int] = mapped_column(BigIntId, ForeignKey("message_links.id", ondelete="CASCADE"), index=True)
    sending_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    dispatch_id: Mapped[int | None] = mapped_column(BigIntId, index=True)
    member_id: Mapped[int | None] = mapped_column(BigIntId)
    visitor_key: Mapped[str] = mapped_column(String(100))
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime())


class _DispatchTotalColumns:
    """A count of dispatches of one sending sharing one key: ``kind`` ``recipient`` (``event`` is the
    transmission status; the hour of creation, the channel, the member's gender and age band, whether a
    member) or ``event`` (``event`` is what happened in that hour: transmitted, failed, cancelled, opened,
    unsubscribed, delivered). ``''`` stands for none (no channel, no gender). Counts only, no recipient."""

    sending_id: Mapped[int] = mapped_column(BigIntId)
    hour: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(10))
    event: Mapped[str] = mapped_column(String(20))
    channel: Mapped[str] = mapped_column(String(10))
    gender: Mapped[str] = mapped_column(String(32))
    age: Mapped[str] = mapped_column(String(8))
    member: Mapped[int] = mapped_column(Integer)
    dispatches_count: Mapped[int] = mapped_column(Integer)


TOTAL_KEYS = ("loyalty_club_id", "sending_id", "hour", "kind", "event", "channel", "gender", "age", "member")


class DispatchTotal(_DispatchTotalColumns, IdMixin, TenantMixin, Base):
    """Pre-counted dispatches for the sendings reports (:mod:`loyaltyhub.messaging.totals`), one row per key."""

    __tablename__ = "message_dispatch_totals"
    __table_args__ = (UniqueConstraint(*TOTAL_KEYS, name="uq_message_dispatch_totals_key"),)


class DispatchTotalChange(_DispatchTotalColumns, IdMixin, TenantMixin, Base):
    """A change of :class:`DispatchTotal` not folded in yet: written by the database's triggers on
    ``message_dispatches`` and ``members`` (migration ``0020_messaging_totals``), append-only."""

    __tablename__ = "message_dispatch_total_changes"
