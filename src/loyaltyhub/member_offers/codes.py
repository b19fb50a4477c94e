"""Encoded offer codes (Encode Offer; docs/decisions/offers.md): plain functions, no HTTP, no database.

A code proves that a member has an active use of an offer: the member's app shows it (as text or as a QR
code of the same text) and the store's till validates it. It is signed (HMAC-SHA256 with a key derived
from the server's secret key, truncated to 128 bits) and carries its own expiry, so the code needs no row
until a store validates it; the validation stores the code's ``nonce`` so a code is accepted once.

Format: ``LHO1.<payload>.<mac>``, both parts base64url without padding; the payload is compact JSON
``{"c": club, "m": member, "o": offer, "a": active_until, "e": expires_at, "n": nonce}`` (times in Unix
seconds).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

PREFIX = "LHO1"
CODE_TTL_SECONDS = 300
"""How long a code is good for at most; never past the end of the use's active window."""
MAX_CODE_LENGTH = 400
_MAC_BYTES = 16


class CodeRefused(Exception):
    """Why a code is refused: ``reason`` is stable, ``message`` is the ``error`` the API answers."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


INVALID = ("code_invalid", "Offer code invalid")
EXPIRED = ("code_expired", "Offer code expired")
ALREADY_VALIDATED = ("code_already_validated", "Offer code already validated")
NOT_ACTIVE = ("use_not_active", "Offer use not active")


@dataclass(frozen=True)
class OfferCode:
    club_id: int
    member_id: int
    offer_id: int
    active_until: datetime
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def code_key(secret_key: str) -> bytes:
    """The signing key of offer codes, derived from the server's secret (no other signature can pass)."""
    return hmac.new(secret_key.encode(), b"loyaltyhub offer codes v1", hashlib.sha256).digest()


def _mac(key: bytes, signed: str) -> str:
    return _b64(hmac.new(key, signed.encode("ascii"), hashlib.sha256).digest()[:_MAC_BYTES])


def _seconds(value: datetime) -> int:
    return int(value.timestamp())


def _instant(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def issue(
    key: bytes,
    *,
    club_id: int,
    member_id: int,
    offer_id: int,
    active_until: datetime,
    now: datetime,
    nonce: str | None = None,
) -> tuple[str, OfferCode]:
    """A code for a use active until ``active_until``; expires after :data:`CODE_TTL_SECONDS` or with the
    use's active window, whichever is first. Refuses a use that is not active at ``now``."""
    if active_until <= now:
        raise CodeRefused(*NOT_ACTIVE)
    expires_at = min(active_until, now + timedelta(seconds=CODE_TTL_SECONDS))
    code = OfferCode(
        club_id=club_id,
        member_id=member_id,
        offer_id=offer_id,
        active_until=_instant(_seconds(active_until)),
        expires_at=_instant(_seconds(expires_at)),
        nonce=nonce or secrets.token_hex(12),
    )
    payload = {
        "c": club_id,
        "m": member_id,
        "o": offer_id,
        "a": _seconds(active_until),
        "e": _seconds(expires_at),
        "n": code.nonce,
    }
    signed = f"{PREFIX}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{signed}.{_mac(key, signed)}", code


def read(key: bytes, text: str, *, club_id: int, now: datetime) -> OfferCode:
    """The code's content once its signature, club and expiry hold; else :class:`CodeRefused`.

    A code of another club is refused as invalid (a store learns nothing about other clubs)."""
    parts = text.strip().split(".")
    if len(text) > MAX_CODE_LENGTH or not text.isascii() or len(parts) != 3 or parts[0] != PREFIX:
        raise CodeRefused(*INVALID)
    signed = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(key, signed).encode(), parts[2].encode()):
        raise CodeRefused(*INVALID)
    try:
        payload = json.loads(_unb64(parts[1]))
        code = OfferCode(
            club_id=int(payload["c"]),
            member_id=int(payload["m"]),
            offer_id=int(payload["o"]),
            active_until=_instant(int(payload["a"])),
            expires_at=_instant(int(payload["e"])),
            nonce=str(payload["n"])[:32],
        )
    except (ValueError, KeyError, TypeError, binascii.Error, OverflowError, OSError):
        raise CodeRefused(*INVALID) from None
    if code.club_id != club_id:
        raise CodeRefused(*INVALID)
    if now > code.expires_at:
        raise CodeRefused(*EXPIRED)
    return code
