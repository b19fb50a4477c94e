"""The signature of the generic webhook transport's requests and of the receipts its receiver calls back with.
Apart from the transports so that checking a callback does not load the HTTP client (a serving process
loads httpx only when it sends)."""

from __future__ import annotations

import hashlib
import hmac


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` (a replayed body with another time fails)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"
