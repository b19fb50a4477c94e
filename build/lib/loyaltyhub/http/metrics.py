"""``GET /metrics`` and the ASGI middleware that counts and times every request.

A pure ASGI middleware (no ``BaseHTTPMiddleware``: that one runs the app in a separate task and copies
the body through a stream). The route template is read from the scope once routing has matched
(``scope["route"]``); a request no route matches is labelled ``unmatched``, so scanners probing random
paths cannot grow the label set. The lifespan messages tell it when the app's engine exists, to follow
the database pool.
"""

from __future__ import annotations

from time import perf_counter

from fastapi import Response
from starlette.routing import Match, Mount, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.ops import metrics

UNMATCHED = "unmatched"

router = LoyaltyRouter(tags=["Operations"])


def route_template(scope: Scope) -> str:
    """The template of the route that answered (``/v3/{loyalty_club_slug}/offers/{offer_id}``).

    FastAPI names its API routes in ``scope["route"]``; the few plain routes (``/openapi.json``, the docs
    assets) are matched again here, which only requests outside the API pay for."""
    template = getattr(scope.get("route"), "path_format", None)
    if template:
        return template
    router = getattr(scope.get("app"), "router", None)
    for candidate in getattr(router, "routes", ()):
        if isinstance(candidate, Route | Mount) and candidate.matches(scope)[0] == Match.FULL:
            return candidate.path_format
    return UNMATCHED


@router.get("/metrics", include_in_schema=False)
def prometheus_metrics() -> Response:
    """The metrics in Prometheus' text format (keep it to the internal network: see docs/deploy.md)."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


class RequestMetrics:
    def __init__(self, app: ASGIApp, recorder: metrics.RequestRecorder | None = None) -> None:
        self.app = app
        self.recorder = recorder or metrics.RequestRecorder()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, self._lifespan_send(scope, send))
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        status = 500  # an exception that escapes is answered 500 by the server error middleware

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.recorder.observe(route_template(scope), scope["method"], status, perf_counter() - started)

    def _lifespan_send(self, scope: Scope, send: Send) -> Send:
        async def lifespan_send(message: Message) -> None:
            state = scope["app"].state
            if message["type"] == "lifespan.startup.complete" and getattr(state, "engine", None) is not None:
                metrics.watch_pool(state.engine)
                state.metrics_engine = state.engine
            elif message["type"] == "lifespan.shutdown.complete":
                engine = getattr(state, "metrics_engine", None)
                if engine is not None:
                    metrics.unwatch_pool(engine)
                metrics.process_exited()
            await send(message)

        return lifespan_send
