"""HTTP transports (``httpx``): an SMS provider with a Twilio-style REST API, and a generic signed JSON
webhook (SMS or push).

HTTP 5xx, 429, timeouts and connection errors are transient (retried with backoff); any other 4xx is a
permanent failure carrying the provider's reason. Every request carries the dispatch's idempotency key
(``Idempotency-Key``), so a request repeated after a crash can be recognised by the provider.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Sequence
from typing import Any

import httpx

from loyaltyhub.messaging.delivery.transports import Outgoing, Report, Result

TRANSIENT_STATUSES = frozenset({408, 425, 429})


def _failure(response: httpx.Response) -> Result:
    try:
        body = response.json()
        reason = body.get("message") or body.get("error") or response.text
    except ValueError:
        reason = response.text
    reason = f"HTTP {response.status_code}: {str(reason)[:500]}"
    transient = response.status_code >= 500 or response.status_code in TRANSIENT_STATUSES
    return Result("retry" if transient else "failed", error=reason)


def _post_each(client: httpx.Client, items: Sequence[Outgoing], report: Report, request: Any) -> None:
    for index, item in enumerate(items):
        try:
            response = request(client, item)
        except httpx.TimeoutException as exc:
            result = Result("retry", error=f"timeout: {exc.__class__.__name__}")
        except httpx.TransportError as exc:
            result = Result("retry", error=f"connection failed: {exc}")
        else:
            if response.is_success:
                try:
                    provider_id = response.json().get("sid") or response.json().get("id")
                except ValueError:
                    provider_id = None
                result = Result("transmitted", provider_message_id=str(provider_id or item.key))
            else:
                result = _failure(response)
        if not report(index, result):
            return


class SmsProvider:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        c = self.config
        url = f"{c['base_url'].rstrip('/')}/2010-04-01/Accounts/{c['account_sid']}/Messages.json"

        def request(client: httpx.Client, item: Outgoing) -> httpx.Response:
            form = {
                "To": f"+{item.address}",
                "From": item.sender.get("value") or "",
                "Body": item.content.get("body") or "",
            }
            return client.post(url, data=form, headers={"Idempotency-Key": item.key})

        timeout = float(c.get("timeout_seconds", 10))
        with httpx.Client(auth=(c["account_sid"], c["auth_token"]), timeout=timeout) as client:
            _post_each(client, items, report, request)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``<timestamp>.<body>`` (a replayed body with another time fails)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


class Webhook:
    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        c = self.config

        def request(client: httpx.Client, item: Outgoing) -> httpx.Response:
            body = json.dumps(
                {
                    "id": item.key,
                    "channel": item.channel,
                    "to": item.address,
                    "sender": item.sender,
                    "content": item.content,
                },
                separators=(",", ":"),
                sort_keys=True,
            ).encode()
            timestamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                "Idempotency-Key": item.key,
                "X-Loyaltyhub-Timestamp": timestamp,
                "X-Loyaltyhub-Signature": signature(c["secret"], timestamp, body),
            }
            return client.post(c["url"], content=body, headers=headers)

        with httpx.Client(timeout=float(c.get("timeout_seconds", 10))) as client:
            _post_each(client, items, report, request)
