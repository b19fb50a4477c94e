"""Opaque bearer tokens: ``<prefix>_<public id>_<secret>``.

The public id finds the row; only a hash of the secret is stored, and it is compared in constant
time. Passwords (people choose them) use argon2 instead, in :mod:`loyaltyhub.auth.passwords`.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

PUBLIC_ID_BYTES = 9
SECRET_BYTES = 24


@dataclass(frozen=True)
class IssuedToken:
    token: str
    public_id: str
    secret_hash: str


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def issue(prefix: str) -> IssuedToken:
    public_id = secrets.token_urlsafe(PUBLIC_ID_BYTES).replace("_", "x").replace("-", "y")
    secret = secrets.token_urlsafe(SECRET_BYTES)
    return IssuedToken(token=f"{prefix}_{public_id}_{secret}", public_id=public_id, secret_hash=hash_secret(secret))


def split(token: str, prefix: str) -> tuple[str, str] | None:
    """``(public_id, secret)`` of a well-formed token with this prefix, else None."""
    head, sep, rest = token.partition("_")
    if head != prefix or not sep:
        return None
    public_id, sep, secret = rest.partition("_")
    if not public_id or not sep or not secret:
        return None
    return public_id, secret


def matches(secret: str, secret_hash: str) -> bool:
    return hmac.compare_digest(hash_secret(secret), secret_hash)


def token_kind(token: str) -> str:
    """The prefix of a token (``lhc``, ``lhu``, ``lhm``...), or ``""``."""
    head, sep, _ = token.partition("_")
    return head if sep else ""
