"""A real HTTP server on 127.0.0.1 playing an SMS provider (Twilio-style REST API) or a webhook receiver:
it records every request and answers per recipient as told (a status, or a delay past the client's timeout)."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Behaviour:
    requests: list[Request] = field(default_factory=list)
    answers: dict[str, tuple[int, dict[str, Any]] | float] = field(default_factory=dict)
    """recipient → (status, body) to answer, or seconds to wait before answering 201."""
    lock: threading.Lock = field(default_factory=threading.Lock)


class ProviderServer:
    def __init__(self) -> None:
        self.behaviour = Behaviour()
        behaviour = self.behaviour

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = Request(self.path, {k: v for k, v in self.headers.items()}, body)
                with behaviour.lock:
                    behaviour.requests.append(request)
                    count = len(behaviour.requests)
                to = request.form.get("To") if "Messages.json" in self.path else request.json.get("to")
                answer = behaviour.answers.get(str(to), (201, {"sid": f"SM{count:032d}"}))
                if isinstance(answer, float):
                    time.sleep(answer)
                    answer = (201, {"sid": f"SM{count:032d}"})
                status, payload = answer
                encoded = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(encoded)))
                self.end_headers()
                self.wfile.write(encoded)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> ProviderServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"
