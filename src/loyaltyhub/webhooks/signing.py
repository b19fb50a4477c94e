"""Standard Webhooks signatures (https://www.standardwebhooks.com): receivers verify them with the
specification's published libraries.

``webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`` where the
key is the base64 part of the subscription's ``whsec_...`` secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A signing secret: ``whsec_`` and 32 random bytes in base64 (the specification allows 24 to 64)."""
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_secret_token() -> str:
    """The vendor's ``X-Secret-Token`` value (a separate secret: it travels in every request)."""
    return secrets.token_urlsafe(32)


def sign(secret: str, message_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(PREFIX))
    digest = hmac.new(key, f"{message_id}.{timestamp}.{body}".encode(), hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, secret_token: str, message_id: str, timestamp: int, body: str) -> dict[str, str]:
    """Every header of one attempt."""
    return {
        "content-type": "application/json",
        "user-agent": "loyaltyhub-webhooks/1",
        "webhook-id": message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, message_id, timestamp, body),
        "x-secret-token": secret_token,
    }
