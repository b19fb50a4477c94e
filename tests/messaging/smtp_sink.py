"""A real SMTP server (aiosmtpd) on 127.0.0.1 for delivery tests: it records every message it accepts and
can refuse chosen recipients with a 4xx or 5xx reply."""

from __future__ import annotations

import socket
import threading
from collections import Counter
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: str
    message: Message

    @property
    def message_id(self) -> str:
        return str(self.message["Message-ID"])

    @property
    def text(self) -> str:
        """The (first) text part, decoded."""
        part = next(p for p in self.message.walk() if not p.is_multipart())
        return part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")  # type: ignore[union-attr,no-any-return]


@dataclass
class SinkHandler:
    received: list[Received] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    """recipient → SMTP reply to answer RCPT with (e.g. ``"450 try later"``, ``"550 no such user"``)."""
    lock: threading.Lock = field(default_factory=threading.Lock)
    delay_seconds: float = 0.0
    """How long each message takes to accept (a slow server, to kill a worker midway)."""
    keep_messages: bool = True
    """False: count the messages per recipient only (``counted``), without parsing or keeping them (a
    benchmark's 100,000 parsed messages would weigh gigabytes and take CPU from the sender measured)."""
    counted: Counter[str] = field(default_factory=Counter)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if not self.keep_messages:
            with self.lock:
                self.counted.update(envelope.rcpt_tos)
            return "250 Message accepted for delivery"
        parsed = message_from_bytes(envelope.content)
        with self.lock:
            for to in envelope.rcpt_tos:
                self.received.append(Received(to, parsed))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # type: ignore[no-any-return]


class SmtpSink:
    def __init__(self, *, keep_messages: bool = True) -> None:
        self.handler = SinkHandler(keep_messages=keep_messages)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=free_port())

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self.controller.port

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def transport(self) -> dict[str, Any]:
        return {"host": "127.0.0.1", "port": self.port, "security": "none"}
