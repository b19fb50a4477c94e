"""ASGI middleware: request body size limit."""

from __future__ import annotations

import json
import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send


class BodySizeLimit:
    """Refuse bodies over ``max_bytes`` with 413, by Content-Length or while streaming. Paths matching
    ``large_paths`` (the streamed upload parts) may send up to ``large_max_bytes`` of raw bytes (a body
    whose Content-Type is one of ``large_content_types``) instead."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        large_paths: str | None = None,
        large_max_bytes: int = 0,
        large_content_types: tuple[str, ...] = (),
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.large_paths = re.compile(large_paths) if large_paths else None
        self.large_max_bytes = large_max_bytes
        self.large_content_types = large_content_types

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes = self.max_bytes
        if self.large_paths is not None and self.large_paths.fullmatch(scope.get("path", "")):
            content_type = next((v for k, v in scope.get("headers", []) if k == b"content-type"), b"")
            if content_type.decode("latin-1").split(";")[0].strip().lower() in self.large_content_types:
                max_bytes = max(self.large_max_bytes, self.max_bytes)
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    too_large = int(value) > max_bytes
                except ValueError:
                    await _reject(send, 400, "Malformed Content-Length header")
                    return
                if too_large:
                    await _reject(send, 413, "Request body too large")
                    return
        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not response_started:
                await _reject(send, 413, "Request body too large")


class _TooLarge(Exception):
    pass


async def _reject(send: Send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
