"""Tables of the members domain.

A member row keeps the operational record (properties, consents, channel statuses, contact keys)
and, next to it, the reporting fields of seed ``reporting-members`` derived from it (``gender``,
``age``, ``birth_year_group``, ``marketing_via_*``, ``msisdn_country``, ``location_country``,
``city_place_id``, ``place_id``, ``push_devices``). :mod:`loyaltyhub.members.derived` computes them and
:func:`loyaltyhub.members.service.refresh_derived` stores them on every change, so reports read plain
columns.

A destroyed member is anonymised, not deleted: personal data is wiped, ``deleted_at`` is set and the
analytics rows that point at the member (usages, events) stay valid.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from loyaltyhub.db.base import Base, BigIntId, IdMixin, Json, TenantMixin, TimestampMixin, UTCDateTime, utcnow

# Seed reporting-members: channel status enums.
SMS_STATUSES = ("disabled", "enabled", "verified", "barred")
EMAIL_STATUSES = ("disabled", "enabled", "verified", "complained", "hard_bounced", "unsubscribed")
PUSH_STATUSES = ("disabled", "enabled")
OPTIN_PLATFORMS = ("android", "ios", "website", "webforms", "other")
AGE_BANDS = (
    "-14",
    "15-19",
    "20-24",
    "25-29",
    "30-34",
    "35-39",
    "40-44",
    "45-49",
    "50-54",
    "55-59",
    "60-64",
    "65-69",
    "70-74",
    "75-79",
    "80-",
)


class Member(IdMixin, TenantMixin, TimestampMixin, Base):
    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("loyalty_club_id", "msisdn"),
        UniqueConstraint("loyalty_club_id", "email"),
        Index("ix_members_loyalty_club_id_created_at", "loyalty_club_id", "created_at"),
        Index("ix_members_loyalty_club_id_birthday_mmdd", "loyalty_club_id", "birthday_mmdd"),
    )

    # Operational record (reference B.10). ``properties`` holds msisdn/email too, as the API shows them;
    # the columns below are their normalized copies that carry the per-club uniqueness.
    properties: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    consents: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    msisdn: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(320))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    sms_status: Mapped[str] = mapped_column(String(20), default="disabled")
    email_status: Mapped[str] = mapped_column(String(20), default="disabled")
    push_status: Mapped[str] = mapped_column(String(20), default="disabled")
    optin_channel: Mapped[str | None] = mapped_column(String(100))
    optin_subchannel: Mapped[str | None] = mapped_column(String(100))
    optin_platform: Mapped[str] = mapped_column(String(20), default="other")
    subunit_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    group_ids: Mapped[list[Any]] = mapped_column(Json, default=list)
    favorite_stores: Mapped[list[Any]] = mapped_column(Json, default=list)
    banned_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)

    # Derived reporting fields (seed reporting-members), recomputed on every change.
    gender: Mapped[str | None] = mapped_column(String(32))
    age: Mapped[str | None] = mapped_column(String(8))
    birth_year_group: Mapped[int | None] = mapped_column(Integer)
    marketing_via_sms: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_via_email: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_via_push: Mapped[bool] = mapped_column(Boolean, default=False)
    marketing_via_anything: Mapped[bool] = mapped_column(Boolean, default=False)
    msisdn_country: Mapped[str | None] = mapped_column(String(2))
    location_country: Mapped[str | None] = mapped_column(String(2))
    city_place_id: Mapped[str | None] = mapped_column(String(32))
    place_id: Mapped[str | None] = mapped_column(String(32))
    push_devices: Mapped[int] = mapped_column(Integer, default=0)
    # Month * 100 + day of the birthday: finds the members whose age band may change today.
    birthday_mmdd: Mapped[int | None] = mapped_column(Integer)

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def has_password(self) -> bool:
        return self.password_hash is not None


class OutboxMessage(IdMixin, TenantMixin, Base):
    """A message to a member (OTP, welcome...). The default sender only stores and logs it."""

    __tablename__ = "outbox_messages"

    member_id: Mapped[int | None] = mapped_column(BigIntId, ForeignKey("members.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(320))
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str | None] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(String(4000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
