"""The account flows' rules as plain data: what each token is for, how long it lives, how often it is sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

Purpose = Literal["email_verification", "msisdn_verification", "password_reset"]

# The vendor: a password reset token is "valid for 24 hours"; an MSISDN verification token "for 30 days".
TOKEN_TTL: dict[str, timedelta] = {
    "password_reset": timedelta(hours=24),
    "msisdn_verification": timedelta(days=30),
    "email_verification": timedelta(days=30),
}
# At most this many tokens of one purpose to one destination per window; more requests send nothing
# (and answer the same, so the limit does not tell whether an identifier exists).
MAX_SENDS_PER_WINDOW = 3
SEND_WINDOW = timedelta(minutes=10)
# ``verify_token/:type/:token`` knows these types (the vendor: "`password_reset` (more types in future)").
VERIFIABLE_TYPES = ("password_reset",)


@dataclass(frozen=True)
class TokenState:
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def may_send(recent_sends: int) -> bool:
    return recent_sends < MAX_SENDS_PER_WINDOW


def is_live(token: TokenState, now: datetime) -> bool:
    return token.used_at is None and token.expires_at > now
