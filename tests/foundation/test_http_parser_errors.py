"""Issue #14, defect 7: requests the HTTP parser refuses are answered in the house format, by a real server
with the protocol ``loyaltyhub serve`` uses (:mod:`loyaltyhub.http.protocol`), over a raw socket."""

from __future__ import annotations

import contextlib
import json
import socket

import pytest
from fastapi import FastAPI

from tests.foundation.servers import running


def exchange(host: str, port: int, raw: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``raw``, read until the server closes; (status, headers, body)."""
    with socket.create_connection((host, port), timeout=10) as connection:
        with contextlib.suppress(OSError):  # the server may answer and close before all is sent
            connection.sendall(raw)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.strip().lower(): value.strip() for name, _, value in (h.partition(":") for h in header_lines)}
    return int(status_line.split()[1]), headers, body


CASES = {
    "letters in Content-Length": (
        b"POST /v3/x/offers HTTP/1.1\r\nHost: t\r\nContent-Length: abc\r\n\r\n",
        400,
        "Malformed Content-Length header",
    ),
    "two Content-Lengths": (
        b"POST /v3/x/offers HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        400,
        "Malformed Content-Length header",
    ),
    "Content-Length overflowing": (
        b"POST /v3/x/offers HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n",
        400,
        "Malformed Content-Length header",
    ),
    "request line over 64 KiB": (
        b"GET /healthz?" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
        414,
        "Request line too long",
    ),
    "unknown HTTP version": (
        b"GET /healthz HTTP/9.9\r\nHost: t\r\n\r\n",
        400,
        "Malformed HTTP request: Invalid HTTP version",
    ),
    "not HTTP": (b"HELLO\r\n\r\n", 400, "Malformed HTTP request: Invalid method encountered"),
}


@pytest.mark.parametrize("http", ["httptools", "h11"])
def test_requests_the_parser_refuses_are_answered_in_the_house_format(app: FastAPI, http: str):
    from loyaltyhub.http.protocol import HouseH11Protocol, HouseProtocol

    protocol = HouseProtocol if http == "httptools" else HouseH11Protocol
    # h11 reads a long request line and an HTTP/9.9 request as requests (the app answers them)
    cases = CASES if http == "httptools" else {k: v for k, v in CASES.items() if "line" not in k and "version" not in k}
    answers = {}
    with running(app, http=protocol) as (host, port):
        for name, (raw, _, _) in cases.items():
            status, headers, body = exchange(host, port, raw)
            assert headers["content-type"] == "application/json", name
            assert headers["connection"] == "close", name
            assert int(headers["content-length"]) == len(body), name
            answers[name] = (status, json.loads(body)["error"])
    if http == "httptools":
        assert answers == {name: (status, message) for name, (_, status, message) in CASES.items()}
    else:  # h11 words its errors its own way: the format is the house's all the same
        assert {name: status for name, (status, _) in answers.items()} == dict.fromkeys(cases, 400), answers


def test_loyaltyhub_serve_uses_the_house_protocol():
    from loyaltyhub.cli import server_options
    from loyaltyhub.http.protocol import HouseProtocol

    assert server_options()["http"] is HouseProtocol
