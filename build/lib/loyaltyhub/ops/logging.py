"""Logging: JSON lines in production, readable lines in development, both with the request's context.

Every record logged while a request runs carries its request id, its club id and the kind of principal
(``client``, ``user``), read from the request's state when the record is written (see
:mod:`loyaltyhub.http.logging`). Nothing secret or personal is logged on purpose; :func:`redact` is the
second line of defence, run over every message and traceback: token-shaped strings, bearer credentials,
e-mail addresses and phone numbers become ``[redacted]``.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import orjson

from loyaltyhub.settings import Settings


@dataclass
class RequestLogContext:
    request_id: str
    state: dict[str, Any] = field(default_factory=dict)
    """The request's ``scope["state"]``: the auth dependencies put the club id and principal there."""

    @property
    def club_id(self) -> int | None:
        return self.state.get("loyalty_club_id")

    @property
    def principal_kind(self) -> str | None:
        principal = self.state.get("principal")
        return getattr(principal, "kind", None)


REQUEST_CONTEXT: ContextVar[RequestLogContext | None] = ContextVar("loyaltyhub_request_log_context", default=None)

# Each pattern runs only when its cheap marker is in the text: most messages have none, and one combined
# pattern tried at every position cost ~25 µs a message.
_TOKEN = re.compile(r"\blh[a-z]_[A-Za-z0-9]+_[A-Za-z0-9_-]+")  # loyaltyhub tokens: <prefix>_<public id>_<secret>
_BEARER = re.compile(r"(?i:bearer)\s+\S+")  # any bearer credential
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"\+\d[\d ]{6,17}\d|\b\d{10,15}\b")  # MSISDNs, with or without their +
_DIGITS_RUN = re.compile(r"\d{7}")
REDACTED = "[redacted]"


def redact(text: str) -> str:
    """``text`` with token-shaped strings, bearer credentials, e-mail addresses and phone numbers replaced."""
    if "lh" in text:
        text = _TOKEN.sub(REDACTED, text)
    if "earer" in text or "EARER" in text:
        text = _BEARER.sub(REDACTED, text)
    if "@" in text:
        text = _EMAIL.sub(REDACTED, text)
    if _DIGITS_RUN.search(text):
        text = _PHONE.sub(REDACTED, text)
    return text


class RequestContextFilter(logging.Filter):
    """Adds ``request_id``, ``club_id`` and ``principal`` to records written during a request, and
    redacts the message."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = REQUEST_CONTEXT.get()
        if context is not None:
            record.request_id = context.request_id
            record.club_id = context.club_id
            record.principal = context.principal_kind
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        return True


class _RedactingTraceback:
    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))  # type: ignore[misc]


# What every LogRecord has: the rest is the request's context and a caller's ``extra=`` fields.
_RECORD_ATTRIBUTES = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "color_message"}


class JsonLines(_RedactingTraceback, logging.Formatter):
    """One JSON object per line: ``time``, ``level``, ``logger``, ``message``, the request's context, any
    ``extra=`` fields and ``exception`` (a traceback). Built with orjson: a generic JSON log formatter
    (python-json-logger) cost ~30 µs more per line, and the access log writes one per request."""

    def __init__(self) -> None:
        super().__init__(datefmt="%Y-%m-%dT%H:%M:%S%z")

    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, Any] = {
            "time": self.formatTime(record, self.datefmt),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _RECORD_ATTRIBUTES:
                document[key] = value
        if record.exc_info:
            document["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            document["stack"] = record.stack_info
        return orjson.dumps(document, default=str).decode()


class ReadableLines(_RedactingTraceback, logging.Formatter):
    """``time level logger: message [request_id=… club=… principal=…] key=value…`` for a terminal."""

    CONTEXT = ("request_id", "club_id", "principal")

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", datefmt="%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        pairs = [f"{key}={getattr(record, key)}" for key in self.CONTEXT if getattr(record, key, None) is not None]
        if not pairs:
            return line
        head, newline, rest = line.partition("\n")
        return f"{head} [{' '.join(pairs)}]{newline}{rest}"


_HANDLER_NAME = "loyaltyhub"


def uses_json(settings: Settings) -> bool:
    return settings.log_format == "json" or (settings.log_format == "auto" and settings.env == "prod")


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Send every logger's records at ``log_level`` and above to one handler on the root logger (standard
    error by default), formatted for ``settings``. Calling it again replaces that handler."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() == _HANDLER_NAME:
            root.removeHandler(handler)
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonLines() if uses_json(settings) else ReadableLines())
    handler.addFilter(RequestContextFilter())
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    # Uvicorn's own loggers go through the same handler (``serve`` passes log_config=None).
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).propagate = True
    return handler
