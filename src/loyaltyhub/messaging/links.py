"""Short and tracked links as pure rules: finding the URLs of rendered content, splitting a URL into what
the reports show (host, path, ``utm_*``), and the signed references in public URLs.

Public URLs (served by :mod:`loyaltyhub.messaging.public_routes`, under ``/s``):

- ``/s/<club>-<code>``: a short link (``shorten_urls``), visits counted per device;
- ``/s/<club>-<code>/<recipient>``: the same link tracked to one dispatch (``track_in_shortener``);
- ``/s/open/<recipient>.gif``: the e-mail open pixel;
- ``/s/unsubscribe/<recipient>``: the one-click unsubscribe (RFC 8058).

``<recipient>`` is ``<club>.<dispatch>.<signature>``: the signature (HMAC-SHA256 of the club and dispatch
ids under the server's secret key, 16 URL-safe characters) makes the ids unguessable, so nobody can open,
click or unsubscribe in someone else's name. Link codes are random (10 characters of base 62).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from loyaltyhub.digits import decimal

UTM_KEYS = ("utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content")
CODE_ALPHABET = string.ascii_letters + string.digits
CODE_LENGTH = 10
# http(s) URLs in text or HTML attributes; stops at whitespace, quotes and angle brackets. A trailing
# sentence punctuation mark is not part of the URL.
URL = re.compile(r"https?://[^\s\"'<>]+")
TRAILING = ".,;:!?)]}"
# Content attributes whose URLs are rewritten (templates' ``url`` of push, ``body`` of all).
REWRITTEN = ("body", "text", "url", "uri")


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def url_hash(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()


@dataclass(frozen=True)
class UrlParts:
    host: str | None
    path: str | None
    utm: dict[str, str | None]


def split_url(url: str) -> UrlParts:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    return UrlParts(
        host=parts.hostname,
        path=parts.path or "/",
        utm={key: query.get(key) for key in UTM_KEYS},
    )


def find_urls(content: dict[str, Any]) -> list[str]:
    """The distinct URLs of rendered content, in order of appearance."""
    found: dict[str, None] = {}
    for key in REWRITTEN:
        value = content.get(key)
        if isinstance(value, str):
            for match in URL.finditer(value):
                found[_trimmed(match.group(0))] = None
    return list(found)


def _trimmed(url: str) -> str:
    while url and url[-1] in TRAILING:
        url = url[:-1]
    return url


def rewrite(content: dict[str, Any], replacement: Callable[[str], str | None]) -> dict[str, Any]:
    """``content`` with each URL replaced by ``replacement(url)`` (kept when it answers None)."""

    def one(match: re.Match[str]) -> str:
        raw = match.group(0)
        url = _trimmed(raw)
        new = replacement(url)
        return raw if new is None else new + raw[len(url) :]

    result = dict(content)
    for key in REWRITTEN:
        value = result.get(key)
        if isinstance(value, str):
            result[key] = URL.sub(one, value)
    return result


def link_ref(club_id: int, code: str) -> str:
    return f"{club_id}-{code}"


def parse_link_ref(ref: str) -> tuple[int, str] | None:
    club, _, code = ref.partition("-")
    club_id = decimal(club)
    if club_id is None or len(code) != CODE_LENGTH or not all(c in CODE_ALPHABET for c in code):
        return None
    return club_id, code


def _signature(secret: str, club_id: int, dispatch_id: int) -> str:
    digest = hmac.new(secret.encode(), f"dispatch:{club_id}:{dispatch_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:12]).decode()


def recipient_ref(secret: str, club_id: int, dispatch_id: int) -> str:
    return f"{club_id}.{dispatch_id}.{_signature(secret, club_id, dispatch_id)}"


def parse_recipient_ref(secret: str, ref: str) -> tuple[int, int] | None:
    """``(club id, dispatch id)`` of a signed recipient reference, or None when it is not one of ours."""
    parts = ref.rstrip(".").split(".")  # a mail client may take a sentence's full stop into the URL
    if len(parts) != 3:
        return None
    club_id, dispatch_id = decimal(parts[0]), decimal(parts[1])
    if club_id is None or dispatch_id is None:
        return None
    if not hmac.compare_digest(parts[2], _signature(secret, club_id, dispatch_id)):
        return None
    return club_id, dispatch_id


@dataclass(frozen=True)
class PublicUrls:
    """How public link URLs are spelled: the server's base URL and the key that signs recipients."""

    base_url: str
    secret: str

    def short(self, club_id: int, code: str, dispatch_id: int | None = None) -> str:
        url = f"{self.base_url.rstrip('/')}/s/{link_ref(club_id, code)}"
        if dispatch_id is not None:
            url += "/" + recipient_ref(self.secret, club_id, dispatch_id)
        return url

    def open_pixel(self, club_id: int, dispatch_id: int) -> str:
        return f"{self.base_url.rstrip('/')}/s/open/{recipient_ref(self.secret, club_id, dispatch_id)}.gif"

    def unsubscribe(self, club_id: int, dispatch_id: int) -> str:
        return f"{self.base_url.rstrip('/')}/s/unsubscribe/{recipient_ref(self.secret, club_id, dispatch_id)}"

    def delivery_callback(self, club_id: int, channel: str, kind: str) -> str:
        """Where the club's provider (transport ``kind``) for ``channel`` reports delivery."""
        return f"{self.base_url.rstrip('/')}/s/delivery/{club_id}/{channel}/{kind}"


def with_open_pixel(body: str, pixel_url: str) -> str:
    """An HTML body with the 1x1 open-tracking image before ``</body>`` (or at its end)."""
    tag = f'<img src="{pixel_url}" width="1" height="1" alt="" style="display:none">'
    index = body.lower().rfind("</body>")
    return body + tag if index < 0 else body[:index] + tag + body[index:]


def is_html(body: str) -> bool:
    return "<" in body and ">" in body
