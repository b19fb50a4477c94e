"""uvicorn's HTTP protocol with the house error format (issue #14, defect 7).

A request the HTTP parser cannot read (a malformed or duplicated ``Content-Length``, a request line longer
than the parser takes, an unknown method or HTTP version) never reaches the app: uvicorn answers it itself, in
plain text (``Invalid HTTP request received.``). These subclasses answer ``{"error": ...}`` instead, with the
status the failure calls for (400, or 414 for a request target over the parser's 65,535 bytes), and still
close the connection (the parser cannot find where the next request starts).

``loyaltyhub serve`` uses :data:`HouseProtocol`; under uvicorn's own command name it with
``--http loyaltyhub.http.protocol:HouseProtocol``. What stays plain text, and why: ``docs/decisions/http.md``.
"""

from __future__ import annotations

import asyncio
import json
import sys

from uvicorn.protocols.http.h11_impl import H11Protocol

MAX_TARGET_BYTES = 65535
"""httptools keeps URL field offsets in 16 bits: a longer request target fails to parse."""


def house_answer(error: BaseException | None, target_length: int = 0) -> tuple[int, str]:
    """The status and house message for a request the parser refused with ``error``."""
    text = str(error or "").strip()
    hint = getattr(error, "error_status_hint", 400)  # h11 says 414/431 itself
    if hint == 414 or target_length > MAX_TARGET_BYTES:
        return 414, "Request line too long"
    if hint == 431:
        return 431, "Request headers too large"
    if "content-length" in text.lower():
        return 400, "Malformed Content-Length header"
    return 400, f"Malformed HTTP request: {text}" if text else "Malformed HTTP request"


def _response(status: int, message: str, default_headers: list[tuple[bytes, bytes]]) -> bytes:
    reasons = {400: b"Bad Request", 414: b"URI Too Long", 431: b"Request Header Fields Too Large"}
    body = json.dumps({"error": message}).encode()
    lines = [b"HTTP/1.1 %d %s" % (status, reasons[status])]
    lines += [name + b": " + value for name, value in default_headers]
    lines += [b"content-type: application/json", b"content-length: %d" % len(body), b"connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


class HouseH11Protocol(H11Protocol):
    def send_400_response(self, msg: str) -> None:
        status, message = house_answer(sys.exc_info()[1])
        self.transport.write(_response(status, message, self.server_state.default_headers))
        self.transport.close()


HouseProtocol: type[asyncio.Protocol]
try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - uvicorn without its "standard" extra
    HouseProtocol = HouseH11Protocol
else:

    class HouseHttpToolsProtocol(HttpToolsProtocol):
        def send_400_response(self, msg: str) -> None:
            # Called by uvicorn inside its ``except httptools.HttpParserError``: the parser's error is current.
            status, message = house_answer(sys.exc_info()[1], len(getattr(self, "url", b"")))
            self.transport.write(_response(status, message, self.server_state.default_headers))
            self.transport.close()

    HouseProtocol = HouseHttpToolsProtocol
