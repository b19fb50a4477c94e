"""HTTP transports (``httpx``): an SMS provider with a Twilio-style REST API, and a generic signed JSON
webhook (SMS or push).

HTTP 5xx, 429, timeouts and connection errors are transient (retried with backoff); any other 4xx is a
permanent failure carrying the provider's reason. Every request carries the dispatch's idempotency key
(``Idempotency-Key``), so a request repeated after a crash can be recognised by the provider.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Awaitable, Sequence
from typing import Any

import httpx

from loyaltyhub.messaging.delivery.signing import signature
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


def _outcome(response: httpx.Response, item: Outgoing) -> Result:
    if not response.is_success:
        return _failure(response)
    try:
        provider_id = response.json().get("sid") or response.json().get("id")
    except ValueError:
        provider_id = None
    return Result("transmitted", provider_message_id=str(provider_id or item.key))


DEFAULT_CONCURRENCY = 8
"""Requests in flight at once per batch (``concurrency`` in the transport's configuration)."""


class _HttpTransport:
    """POSTs one request per item, ``concurrency`` at a time, over keep-alive connections. ``pooled`` (the
    transmitting job): the client stays open in the delivery loop for the next batch."""

    def __init__(self, config: dict[str, Any], *, pooled: bool = False) -> None:
        self.config = config
        self.pooled = pooled

    def request(self, client: httpx.AsyncClient, item: Outgoing) -> Awaitable[httpx.Response]:
        raise NotImplementedError

    def client(self) -> httpx.AsyncClient:
        concurrency = int(self.config.get("concurrency", DEFAULT_CONCURRENCY))
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        return httpx.AsyncClient(timeout=float(self.config.get("timeout_seconds", 10)), limits=limits, **self.auth())

    def auth(self) -> dict[str, Any]:
        return {}

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        asyncio.run(self.send_async(items, report))

    async def send_async(self, items: Sequence[Outgoing], report: Report) -> None:
        if not items:
            return
        from loyaltyhub.messaging.delivery import lanes

        if self.pooled:
            key = ("http", type(self).__name__, json.dumps(self.config, sort_keys=True, default=str))
            client = lanes.POOLS.get(key)
            if client is None or client.is_closed:
                client = lanes.POOLS[key] = self.client()
        else:
            client = self.client()

        async def send_one(index: int, item: Outgoing) -> bool:
            try:
                result = _outcome(await self.request(client, item), item)
            except httpx.TimeoutException as exc:
                result = Result("retry", error=f"timeout: {exc.__class__.__name__}")
            except httpx.TransportError as exc:
                result = Result("retry", error=f"connection failed: {exc}")
            return report(index, result)

        try:
            await lanes.run_lanes(items, int(self.config.get("concurrency", DEFAULT_CONCURRENCY)), send_one)
        finally:
            if not self.pooled:
                await client.aclose()


class SmsProvider(_HttpTransport):
    def auth(self) -> dict[str, Any]:
        return {"auth": (self.config["account_sid"], self.config["auth_token"])}

    def request(self, client: httpx.AsyncClient, item: Outgoing) -> Awaitable[httpx.Response]:
        c = self.config
        url = f"{c['base_url'].rstrip('/')}/2010-04-01/Accounts/{c['account_sid']}/Messages.json"
        form = {
            "To": f"+{item.address}",
            "From": item.sender.get("value") or "",
            "Body": item.content.get("body") or "",
        }
        if c.get("status_callback"):
            form["StatusCallback"] = c["status_callback"]
        return client.post(url, data=form, headers={"Idempotency-Key": item.key})


class Webhook(_HttpTransport):
    def request(self, client: httpx.AsyncClient, item: Outgoing) -> Awaitable[httpx.Response]:
        c = self.config
        payload: dict[str, Any] = {
            "id": item.key,
            "channel": item.channel,
            "to": item.address,
            "sender": item.sender,
            "content": item.content,
        }
        if c.get("status_callback"):
            payload["status_callback"] = c["status_callback"]
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": item.key,
            "X-Loyaltyhub-Timestamp": timestamp,
            "X-Loyaltyhub-Signature": signature(c["secret"], timestamp, body),
        }
        return client.post(c["url"], content=body, headers=headers)


# --- Firebase Cloud Messaging, HTTP v1 API ------------------------------------------------------------

FCM_TRANSIENT = frozenset({"UNAVAILABLE", "INTERNAL", "QUOTA_EXCEEDED"})
_FCM_TOKENS: dict[str, str] = {}
"""The last access token fetched from each token URL, kept across batches (it lives about an hour; a 401
fetches a new one)."""


def _fcm_failure(response: httpx.Response) -> Result:
    """FCM's error body: ``{"error": {"code", "message", "status", "details": [{"errorCode": ...}]}}``."""
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    codes = [d.get("errorCode") for d in error.get("details") or [] if isinstance(d, dict) and d.get("errorCode")]
    code = codes[0] if codes else error.get("status") or ""
    reason = f"HTTP {response.status_code} {code}: {str(error.get('message') or response.text)[:500]}".replace(
        " :", ":"
    )
    transient = response.status_code >= 500 or response.status_code in TRANSIENT_STATUSES or code in FCM_TRANSIENT
    return Result("retry" if transient else "failed", error=reason)


def fcm_message(item: Outgoing) -> dict[str, Any]:
    """The HTTP v1 ``message`` of a rendered push: notification title/body/image, the link and the data
    (FCM data values are strings)."""
    content = item.content
    notification = {"title": content.get("subject") or "", "body": content.get("body") or ""}
    if content.get("image_url"):
        notification["image"] = content["image_url"]
    data = {str(k): v if isinstance(v, str) else json.dumps(v) for k, v in (content.get("data") or {}).items()}
    link = content.get("url") or content.get("uri")
    if link:
        data["url"] = str(link)
    # FCM has no idempotency key. A push resent after a worker crash carries the same collapse key as the
    # first: the device replaces the notification it shows instead of adding a second one, and an app
    # handling the data can drop a key it has seen.
    key = collapse_key(item.key)
    data["dispatch_key"] = key
    return {
        "token": item.address,
        "notification": notification,
        "data": data,
        "android": {"notification": {"tag": key}},
        "apns": {"headers": {"apns-collapse-id": key}},
    }


COLLAPSE_KEY_BYTES = 64
"""APNs refuses an ``apns-collapse-id`` longer than 64 bytes."""


def collapse_key(key: str) -> str:
    """The dispatch's idempotency key as a notification's collapse key: itself, or its SHA-256 (64 hex
    characters) when it is longer than APNs allows."""
    if len(key.encode()) <= COLLAPSE_KEY_BYTES:
        return key
    return hashlib.sha256(key.encode()).hexdigest()


class FcmPush:
    """Push through FCM's HTTP v1 API: ``POST {base_url}/v1/projects/{project_id}/messages:send`` with an
    OAuth 2 bearer token, either configured (``access_token``) or fetched from ``token_url`` (a metadata
    server or token service answering ``{"access_token", "expires_in"}``, e.g. GCP's workload identity);
    a 401 fetches a new one once. FCM has no idempotency key: a dispatch resent after a crash carries the
    same collapse key (:func:`fcm_message`), so the device shows it once (docs/decisions/messaging.md)."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = config
        self.token: str | None = config.get("access_token") or _FCM_TOKENS.get(config.get("token_url") or "")

    def _fetch_token(self, client: httpx.Client) -> str | None:
        url = self.config.get("token_url")
        if not url:
            return self.token
        response = client.get(url, headers={"Metadata-Flavor": "Google"})
        response.raise_for_status()
        token = _FCM_TOKENS[url] = str(response.json()["access_token"])
        return token

    def send(self, items: Sequence[Outgoing], report: Report) -> None:
        c = self.config
        url = (
            f"{c.get('base_url', 'https://fcm.googleapis.com').rstrip('/')}/v1/projects/{c['project_id']}/messages:send"
        )
        with httpx.Client(timeout=float(c.get("timeout_seconds", 10))) as client:
            if self.token is None:
                try:
                    self.token = self._fetch_token(client)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    for index in range(len(items)):
                        if not report(index, Result("retry", error=f"FCM token: {exc}")):
                            return
                    return
            for index, item in enumerate(items):
                result = self._send_one(client, url, item)
                if not report(index, result):
                    return

    def _send_one(self, client: httpx.Client, url: str, item: Outgoing) -> Result:
        body = {"message": fcm_message(item)}
        for attempt in (1, 2):
            try:
                response = client.post(url, json=body, headers={"Authorization": f"Bearer {self.token}"})
            except httpx.TimeoutException as exc:
                return Result("retry", error=f"timeout: {exc.__class__.__name__}")
            except httpx.TransportError as exc:
                return Result("retry", error=f"connection failed: {exc}")
            if response.status_code == 401 and attempt == 1 and self.config.get("token_url"):
                try:
                    self.token = self._fetch_token(client)
                except (httpx.HTTPError, ValueError, KeyError) as exc:
                    return Result("retry", error=f"FCM token: {exc}")
                continue
            if response.is_success:
                try:
                    name = response.json().get("name")
                except ValueError:
                    name = None
                return Result("transmitted", provider_message_id=str(name or item.key))
            return _fcm_failure(response)
        return Result("failed", error="FCM refused the access token")
