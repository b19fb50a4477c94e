"""ASGI middleware: ``ratelimit-*`` headers on every response.

Routes that enforce a limit (the Reporting API) charge their bucket themselves before doing any work
(:func:`loyaltyhub.ratelimit.service.charge_request`). Every other request is counted in the general
bucket of its club(s) after the handler ran, at cost 1, and never rejected ("reporting-only mode").
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import inspect
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyaltyhub.ratelimit.service import OWNER_KEY, STATE_KEY, Charge, bucket_owner, limiter_for

# Probes and scrapes: polled every few seconds without credentials, and /readyz must answer 503 (not
# fail) while Redis, which holds the buckets, is down.
UNMETERED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class RateLimitHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNMETERED_PATHS:
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                charge = _charge_for(scope)
                if charge is not None:
                    headers = list(message.get("headers", []))
                    headers += [(k.lower().encode(), v.encode()) for k, v in charge.headers().items()]
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _charge_for(scope: Scope) -> Charge | None:
    app = scope.get("app")
    if app is None:
        return None
    limiter = limiter_for(app)
    if not limiter.enabled:
        return None
    state: dict[str, Any] = scope.get("state", {})
    charge = state.get(STATE_KEY)
    if charge is not None:
        return charge
    return limiter.charge(_owner(scope, state), "general", 1, enforce=False)


def _owner(scope: Scope, state: dict[str, Any]) -> str:
    if state.get(OWNER_KEY):
        return state[OWNER_KEY]
    access = state.get("customer_access")
    club_id = state.get("loyalty_club_id")
    principal = state.get("principal")
    if access is not None:
        try:
            return bucket_owner(access.clubs, access.organization_context)
        except SQLAlchemyError:  # the failed request's session expired the clubs: name them by id
            ids = "_".join(str(inspect(club).identity[0]) for club in access.clubs)
            return f"customer:{ids}" if len(access.clubs) == 1 else f"organization:customers-{ids}"
    if club_id is not None:
        return f"customer:{club_id}"
    if principal is not None:
        return f"principal:{principal.actor_key}"
    client = scope.get("client")
    return f"anonymous:{client[0] if client else 'unknown'}"
