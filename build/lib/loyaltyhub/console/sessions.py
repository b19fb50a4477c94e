"""Console sign-in: the session cookie and its CSRF token.

A console session is a staff user's access token (``user_access_tokens``, the same row ``POST
/v1/users/oauth/token`` issues) kept in an HttpOnly cookie: it expires with the token, sign-out deletes
the row, and disabling the user (``loyaltyhub users disable``) ends every session at once. The CSRF token
of a session is an HMAC of the token's public id under the app's secret key (the synchronizer token
pattern without a table); the sign-in form, before any session exists, uses a double-submit cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets as stdlib_secrets

from loyaltyhub.auth import secrets
from loyaltyhub.auth.service import USER_PREFIX

SESSION_COOKIE = "lh_console"
LOGIN_COOKIE = "lh_console_login"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
COOKIE_PATH = "/console"


def csrf_for(secret_key: str, session_token: str) -> str:
    """The CSRF token bound to one session (changes with every sign-in)."""
    parts = secrets.split(session_token, USER_PREFIX)
    public_id = parts[0] if parts else session_token
    return hmac.new(secret_key.encode(), f"console-csrf:{public_id}".encode(), hashlib.sha256).hexdigest()


def new_login_nonce() -> str:
    return stdlib_secrets.token_urlsafe(24)


def same(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))


def safe_next(target: str | None) -> str:
    """Where to go after sign-in: only a path of the console (never another site)."""
    if target and target.startswith("/console") and not target.startswith("//") and "\\" not in target:
        return target
    return "/console"
