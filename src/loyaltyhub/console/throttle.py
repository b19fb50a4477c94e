"""Sign-in attempts are rate limited with the API's token buckets (``ratelimit``: in memory, or Redis shared
by every server process when configured): per e-mail address, and per client address with ten times the
room, so guessing one user's password and trying many users from one place are both slowed down."""

from __future__ import annotations

import hashlib

from fastapi import Request

from loyaltyhub.ratelimit.buckets import BucketSpec, Outcome
from loyaltyhub.ratelimit.service import limiter_for


def _key(kind: str, value: str) -> str:
    return f"console-signin:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def take_attempt(request: Request, email: str) -> Outcome | None:
    """One sign-in attempt: None when allowed, else the refusal (with the seconds to wait)."""
    limiter = limiter_for(request.app)
    if not limiter.enabled:
        return None
    settings = request.app.state.settings
    attempts = max(1, settings.console_signin_attempts)
    refill = 1.0 / max(settings.console_signin_refill_seconds, 0.001)
    client = request.client.host if request.client else "unknown"
    checks = (
        (_key("ip", client), BucketSpec(attempts * 10, refill * 10)),
        (_key("email", email.strip().lower()), BucketSpec(attempts, refill)),
    )
    for key, spec in checks:
        outcome = limiter.store.take(key, 1, spec, True)
        if not outcome.allowed:
            return outcome
    return None
