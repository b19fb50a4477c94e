"""Opaque, tamper-evident ``next_page_info`` cursors: base64url(JSON) + truncated HMAC-SHA256."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

_MAC_BYTES = 12


class InvalidCursor(ValueError):
    pass


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(secret: str, payload: bytes) -> bytes:
    return hmac.new(secret.encode(), b"reporting-cursor:" + payload, hashlib.sha256).digest()[:_MAC_BYTES]


def encode_cursor(state: dict[str, Any], secret: str) -> str:
    payload = json.dumps(state, separators=(",", ":"), sort_keys=True, default=str).encode()
    return _b64(payload + _mac(secret, payload))


def decode_cursor(token: str, secret: str) -> dict[str, Any]:
    try:
        raw = _unb64(token)
    except (ValueError, TypeError):
        raise InvalidCursor("not base64url")
    payload, mac = raw[:-_MAC_BYTES], raw[-_MAC_BYTES:]
    if len(raw) <= _MAC_BYTES or not hmac.compare_digest(mac, _mac(secret, payload)):
        raise InvalidCursor("signature mismatch")
    try:
        state = json.loads(payload)
    except ValueError:
        raise InvalidCursor("not JSON")
    if not isinstance(state, dict):
        raise InvalidCursor("not an object")
    return state


def query_fingerprint(*parts: Any) -> str:
    """Binds a cursor to the query it came from (report, filter, aggregation, clubs)."""
    text = json.dumps(parts, separators=(",", ":"), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
