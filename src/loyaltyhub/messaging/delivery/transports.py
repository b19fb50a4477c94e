"""Transports: how a rendered message leaves the platform. One per channel, configured per club.

A transport takes a batch of :class:`Outgoing` items and answers one :class:`Result` per item:
``transmitted`` (with the provider's message id), ``retry`` (a transient error: connection refused,
timeout, 4xx SMTP reply, HTTP 5xx) or ``failed`` (a permanent error: 5xx SMTP reply, HTTP 4xx) with the
provider's reason. The SMTP transport uses ``aiosmtplib`` (STARTTLS/TLS, auth), a few concurrent connections
per batch, kept open between batches by the transmitting job.
Each item carries an idempotency key (the dispatch's), sent as the e-mail's ``Message-ID``.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, formatdate
from typing import TYPE_CHECKING, Any, Literal, Protocol

if TYPE_CHECKING:
    import aiosmtplib


@dataclass(frozen=True)
class Outgoing:
    key: str
    """Idempotency key, stable across retries (``dispatch-<id>@<club>``)."""
    channel: str
    address: str
    content: dict[str, Any]
    sender: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    outcome: Literal["transmitted", "retry", "failed"]
    provider_message_id: str | None = None
    error: str | None = None


Report = Callable[[int, Result], bool]
"""Called with each item's index and result as soon as it is known (the caller records it); answering False
stops the batch (the sending was cancelled): the items not yet sent are not sent."""


class Transport(Protocol):
    def send(self, items: Sequence[Outgoing], report: Report) -> None: ...


class NotConfigured:
    """The club has no transport for this channel: every item fails with that reason."""

    def __init__(self, channel: str) -> None:
        self.channel = channel

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        for index, _ in enumerate(items):
            if not report(index, Result("failed", error=f"no {self.channel} transport configured for the club")):
                return


def email_message(item: Outgoing) -> Message:
    """The MIME message (``compat32`` classes: several times faster to build than ``EmailMessage``)."""
    sender = item.sender
    body = item.content.get("body") or ""
    message: Message
    if "<" in body and ">" in body:
        message = MIMEMultipart("alternative")
        message.attach(MIMEText(item.content.get("text") or _strip_html(body), "plain", "utf-8"))
        message.attach(MIMEText(body, "html", "utf-8"))
    else:
        message = MIMEText(body, "plain", "utf-8")
    message["From"] = formataddr((sender.get("from_name") or "", sender["from_email"]), charset="utf-8")
    message["To"] = item.address
    subject = item.content.get("subject") or ""
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = f"<{item.key}>"
    for name, value in item.headers.items():
        message[name] = value
    return message


def _strip_html(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int
    security: str = "starttls"
    username: str | None = None
    password: str | None = None
    timeout_seconds: float = 30.0
    validate_certs: bool = True
    connections: int = 4
    """Concurrent connections of one batch (each sends its messages one after another)."""

    @classmethod
    def of(cls, stored: dict[str, Any]) -> SmtpConfig:
        keys = ("host", "port", "security", "username", "password", "timeout_seconds", "validate_certs", "connections")
        return cls(**{k: stored[k] for k in keys if k in stored})


class SmtpTransport:
    """E-mail over SMTP with ``aiosmtplib``: the items go over ``connections`` concurrent connections (default
    4), each sending one message after another. ``pooled`` (the transmitting job): the connections stay open
    in the delivery loop (:mod:`~loyaltyhub.messaging.delivery.lanes`) for the next batch; otherwise (the
    outbox, a bare loop) they are opened for the call and closed after it."""

    def __init__(self, config: SmtpConfig, tls_context: ssl.SSLContext | None = None, *, pooled: bool = False) -> None:
        self.config = config
        self.tls_context = tls_context
        self.pooled = pooled

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        asyncio.run(self.send_async(items, report))

    def _client(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        c = self.config
        return aiosmtplib.SMTP(
            hostname=c.host,
            port=c.port,
            username=c.username,
            password=c.password,
            timeout=c.timeout_seconds,
            use_tls=c.security == "tls",
            start_tls=c.security == "starttls",
            validate_certs=c.validate_certs,
            tls_context=self.tls_context,
        )

    def _pool(self) -> _SmtpPool:
        if not self.pooled:
            return _SmtpPool(self)
        from loyaltyhub.messaging.delivery import lanes

        key = ("smtp", self.config, id(self.tls_context) if self.tls_context else None)
        pool = lanes.POOLS.get(key)
        if pool is None:
            pool = lanes.POOLS[key] = _SmtpPool(self)
        return pool  # type: ignore[no-any-return]

    async def send_async(self, items: Sequence[Outgoing], report: Report) -> None:
        if not items:
            return
        import aiosmtplib  # loaded when mail is sent, not by every process

        from loyaltyhub.messaging.delivery.lanes import run_lanes

        pool = self._pool()
        reported: set[int] = set()
        fault: list[Result] = []

        def tell(index: int, result: Result) -> bool:
            reported.add(index)
            return report(index, result)

        async def send_one(index: int, item: Outgoing) -> bool:
            if fault:
                return False
            try:
                client = await pool.acquire()
            except aiosmtplib.SMTPAuthenticationError as exc:
                fault.append(Result("failed", error=f"SMTP authentication failed: {exc}"))
                return False
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                fault.append(Result("retry", error=f"SMTP connection failed: {exc}"))
                return False
            try:
                await client.send_message(email_message(item), sender=item.sender["from_email"])
                result = Result("transmitted", provider_message_id=f"<{item.key}>")
            except aiosmtplib.SMTPRecipientsRefused as exc:
                refused = exc.recipients[0] if exc.recipients else None
                code = refused.code if refused is not None else 550
                reason = f"{code} {refused.message}" if refused is not None else str(exc)
                result = Result("retry" if 400 <= code < 500 else "failed", error=reason)
            except aiosmtplib.SMTPResponseException as exc:
                # 4xx: transient (the server asks to come back); 5xx: permanent.
                outcome: Literal["retry", "failed"] = "retry" if 400 <= exc.code < 500 else "failed"
                result = Result(outcome, error=f"{exc.code} {exc.message}")
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                # The connection broke: this item and the rest are retried.
                client.close()
                fault.append(Result("retry", error=f"SMTP error: {exc}"))
                return tell(index, fault[0]) and False
            pool.release(client)
            return tell(index, result)

        try:
            await run_lanes(items, self.config.connections, send_one)
        finally:
            if not self.pooled:
                await pool.close()
        if fault:
            _report_all(items, reported, fault[0], report)


IDLE_CHECK_SECONDS = 5.0
"""A pooled SMTP connection idle longer than this is checked with NOOP before it is used again."""


class _SmtpPool:
    """Open SMTP connections of one transport configuration, reused by the lanes."""

    def __init__(self, transport: SmtpTransport) -> None:
        self.transport = transport
        self.idle: list[tuple[aiosmtplib.SMTP, float]] = []

    async def acquire(self) -> aiosmtplib.SMTP:
        import aiosmtplib

        while self.idle:
            client, since = self.idle.pop()
            if not client.is_connected:
                continue
            if time.monotonic() - since > IDLE_CHECK_SECONDS:
                try:
                    await client.noop()
                except (aiosmtplib.SMTPException, OSError, TimeoutError):
                    client.close()
                    continue
            return client
        client = self.transport._client()
        await client.connect()
        return client

    def release(self, client: aiosmtplib.SMTP) -> None:
        self.idle.append((client, time.monotonic()))

    async def close(self) -> None:
        import aiosmtplib

        idle, self.idle = self.idle, []
        for client, _ in idle:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError, TimeoutError):
                client.close()


def _report_all(items: Sequence[Outgoing], reported: set[int], result: Result, report: Report) -> None:
    """``result`` for every item not reported yet (the transport could not go on)."""
    for index in range(len(items)):
        if index not in reported and not report(index, result):
            return
