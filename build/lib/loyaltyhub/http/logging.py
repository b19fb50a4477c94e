"""Request ids and the access log (a pure ASGI middleware).

The request id is the caller's ``X-Request-Id`` when it is a sane token (letters, digits, ``-_.:``, up to
128 characters: it is echoed into logs and headers), else a new one; it is returned in ``X-Request-Id``.
While the request runs, :data:`loyaltyhub.ops.logging.REQUEST_CONTEXT` holds it with the request's state,
so every record logged on its behalf (in worker threads too: the context is copied) names the request,
its club and its kind of principal. One access line per request gives the route template (never the path
or the query string, which carry ids and search terms), the status and the duration.
"""

from __future__ import annotations

import logging
import re
import uuid
from time import perf_counter

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from loyaltyhub.http.metrics import route_template
from loyaltyhub.ops.logging import REQUEST_CONTEXT, RequestLogContext

HEADER = "X-Request-Id"
_HEADER_KEY = HEADER.lower().encode()
_SANE_ID = re.compile(rb"^[A-Za-z0-9._:-]{1,128}$")

access_log = logging.getLogger("loyaltyhub.access")


def request_id_of(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_KEY and _SANE_ID.match(value):
            return value.decode()
    return uuid.uuid4().hex


class RequestLogging:
    def __init__(self, app: ASGIApp, access_log: bool = True) -> None:
        self.app = app
        self.access_log = access_log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = perf_counter()
        context = RequestLogContext(request_id_of(scope), scope.setdefault("state", {}))
        header = (_HEADER_KEY, context.request_id.encode())
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), header]}
            await send(message)

        token = REQUEST_CONTEXT.set(context)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.access_log and access_log.isEnabledFor(logging.INFO):
                route = route_template(scope)
                duration_ms = round((perf_counter() - started) * 1000, 2)
                access_log.info(
                    "%s %s %s %.1fms",
                    scope["method"],
                    route,
                    status,
                    duration_ms,
                    extra={"method": scope["method"], "route": route, "status": status, "duration_ms": duration_ms},
                )
            REQUEST_CONTEXT.reset(token)
