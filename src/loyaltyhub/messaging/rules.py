"""Messaging rules as pure functions over plain data: services, sending statuses, schedules, senders,
channel choice and the marketing consent rule (reference: vendor-docs-platform, Messaging)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from loyaltyhub.auth import permits

CHANNELS = ("sms", "email", "push")


@dataclass(frozen=True)
class Service:
    name: str
    permit: str | None
    marketing: bool
    system: bool = False


SERVICES: dict[str, Service] = {
    s.name: s
    for s in (
        Service("generic", None, marketing=False),
        Service("campaigns", permits.MESSAGES_USE_CAMPAIGNS, marketing=True),
        Service("tenants", permits.MESSAGES_USE_TENANTS, marketing=True),
        Service("tenants_testing", permits.MESSAGES_USE_TENANTS_TESTING, marketing=False),
        Service("otp", permits.MESSAGES_USE_OTP, marketing=False, system=True),
        Service("rewards_notifications", permits.MESSAGES_USE_REWARDS_NOTIFICATIONS, marketing=False, system=True),
    )
}
"""The services of the ``/:service/`` segment (doc-341736): each but ``generic`` needs its permit; the
marketing purpose of a message is implied from its service unless set explicitly."""
SERVICE_FORBIDDEN = "Unauthorized to set specific Service"
PRIORITY_FORBIDDEN = "Unauthorized to set Sending priority"
DEFAULT_PRIORITY = 5
TRANSACTIONAL_PRIORITY = 10


# --- sendings' statuses (doc-354473) ---------------------------------------------------------------
STATUSES = (
    "draft",
    "scheduled",
    "preparing",
    "prepared",
    "transmitting",
    "transmitted",
    "cancelled",
    "failed",
    "skipped",
)
STATUS_TYPES = {
    "draft": "draft",
    "scheduled": "scheduled",
    "preparing": "scheduled",
    "prepared": "scheduled",
    "transmitting": "scheduled",
    "transmitted": "finished",
    "cancelled": "finished",
    "failed": "finished",
    "skipped": "finished",
}
EDITABLE = frozenset({"draft", "scheduled"})
CANCELLABLE = frozenset({"preparing", "prepared", "transmitting"})
FINISHED = frozenset(s for s, t in STATUS_TYPES.items() if t == "finished")
NOT_EDITABLE = "Sending is not editable - execution process has started or finished"
NOT_CANCELLABLE = "Sending is not cancellable - execution is not in progress"


def is_editable(status: str) -> bool:
    return status in EDITABLE


def is_cancellable(status: str) -> bool:
    return status in CANCELLABLE


def aggregated_status(statuses: Sequence[str]) -> str | None:
    """A message's ``sendings_status``: ``finished`` when every sending is finished, ``draft`` when every
    one is a draft, otherwise ``scheduled`` (older docs, Message model). ``None`` without sendings."""
    if not statuses:
        return None
    if all(s in FINISHED for s in statuses):
        return "finished"
    if all(s == "draft" for s in statuses):
        return "draft"
    return "scheduled"


# --- schedules ---------------------------------------------------------------------------------------
RELATIVE = re.compile(r"^\s*(\d{1,6})\s*(minute|hour|day|week)s?\s*$")
UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
MAX_RELATIVE = timedelta(days=366)


def parse_relative(value: str) -> timedelta | None:
    """``"5 minutes"``, ``"2 days"``, ``"1 week"``: the offset, or None when it does not read."""
    match = RELATIVE.match(value)
    if match is None:
        return None
    offset = timedelta(seconds=int(match.group(1)) * UNIT_SECONDS[match.group(2)])
    return offset if offset <= MAX_RELATIVE else None


def scheduled_time(schedule: Mapping[str, object], now: datetime, timezone: str) -> datetime:
    """When a sending with this (validated) schedule runs. An ``at`` without an offset is a wall-clock time
    in the club's timezone."""
    kind = schedule["type"]
    if kind == "immediate":
        return now
    if kind == "relative":
        offset = parse_relative(str(schedule["in"]))
        assert offset is not None
        return now + offset
    at = schedule["at"]
    assert isinstance(at, datetime)
    return at if at.tzinfo is not None else at.replace(tzinfo=ZoneInfo(timezone))


def initial_status(*, draft: bool, has_schedule: bool) -> str:
    return "scheduled" if has_schedule and not draft else "draft"


# --- senders -------------------------------------------------------------------------------------
ALPHANUMERIC = re.compile(r"^[A-Za-z0-9 .\-_&]{2,11}$")


def alphanumeric_sender_ok(value: str) -> bool:
    """2-11 characters of the GSM alphanumeric sender set, at least one letter (an all-digit sender is an
    MSISDN, the ``international`` type)."""
    return bool(ALPHANUMERIC.match(value)) and any(c.isalpha() for c in value)


# --- recipients: consent and channel choice ------------------------------------------------------


@dataclass(frozen=True)
class Reachable:
    """What a recipient offers: an address per channel and the marketing consent per channel."""

    addresses: Mapping[str, str | None]
    marketing_consent: Mapping[str, bool]


def choose_channel(
    recipient: Reachable,
    message_channels: Sequence[str],
    preference: Sequence[str] | None,
    *,
    marketing: bool,
) -> tuple[str | None, str | None]:
    """The one channel a recipient is reached on, and why none when none: the channels of the message the
    recipient has an address for (and, for a marketing message, the channel's marketing consent), in the
    order of the sending's ``channels_preference`` when given, else the message's channel order.

    Returns ``(channel, None)`` or ``(None, reason)`` with reason ``no_address`` or ``no_marketing_consent``.
    """
    order = [c for c in (preference or []) if c in message_channels]
    order += [c for c in message_channels if c not in order]
    has_address = False
    for channel in order:
        if not recipient.addresses.get(channel):
            continue
        has_address = True
        if marketing and not recipient.marketing_consent.get(channel, False):
            continue
        return channel, None
    return None, ("no_marketing_consent" if has_address else "no_address")


def recipient_key(member_id: int | None, channel: str | None, address: str | None) -> str:
    if member_id is not None:
        return f"member:{member_id}"
    return f"{channel}:{address}"
