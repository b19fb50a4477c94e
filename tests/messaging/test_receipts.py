"""Delivery receipts: an SMS sent through a local HTTP server playing the provider (Twilio-style) carries
loyaltyhub's status callback; the provider's signed callback then records the dispatch's delivery status
(delivered, or undelivered with the provider's reason), once, and a member's delivery is the member event
``sending_delivered``. The same for the signed JSON webhook transport."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from loyaltyhub.events.models import MemberEvent
from loyaltyhub.messaging import receipts
from loyaltyhub.messaging.delivery.signing import signature
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.links import PublicUrls
from loyaltyhub.messaging.models import Dispatch
from tests.members import factories as members
from tests.messaging.conftest import Api, sms_message
from tests.messaging.http_provider import ProviderServer

TOKEN = "auth-token-1"
SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as running:
        yield running


@pytest.fixture
def urls(settings) -> PublicUrls:  # type: ignore[no-untyped-def]
    return PublicUrls(settings.links_base_url, settings.secret_key)


def _dispatches(api: Api, sending_id: int) -> dict[str, Dispatch]:
    api.session.expire_all()
    rows = api.session.execute(select(Dispatch).where(Dispatch.sending_id == sending_id)).scalars()
    return {d.address or "": d for d in rows}


def _send_sms(api: Api, provider: ProviderServer, units, urls: PublicUrls, recipients: list) -> int:  # type: ignore[no-untyped-def,type-arg]
    transport = {"kind": "sms_provider", "base_url": provider.url, "account_sid": "AC1", "auth_token": TOKEN}
    assert api.put("/settings", {"settings": {"sms_transport": transport}}).status_code == 200
    message_id = api.post("/generic", sms_message("Hi")).json()["message"]["id"]
    sending = {"schedule": {"type": "immediate"}, "recipients": recipients}
    sending_id: int = api.post(f"/generic/{message_id}/sendings", {"sending": sending}).json()["sending"]["id"]
    run_messaging(units, "w", urls=urls)
    return sending_id


def _callback(api: Api, url: str, form: dict[str, str], token: str = TOKEN):  # type: ignore[no-untyped-def]
    """The provider's status callback, signed as the provider signs it, posted to the URL it was given."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Twilio-Signature": receipts.twilio_signature(token, url, list(form.items())),
    }
    return api.client.post(urlsplit(url).path, data=form, headers=headers)


def test_sms_delivery_receipts_through_the_providers_status_callback(api: Api, provider, units, urls):  # type: ignore[no-untyped-def]
    member = members.member(api.session, api.club, properties={"msisdn": "4740000001"})
    sending_id = _send_sms(api, provider, units, urls, [{"member_id": member.id}, {"msisdn": "4740000002"}])
    requests = {r.form["To"]: r for r in provider.behaviour.requests}
    callback = requests["+4740000001"].form["StatusCallback"]
    assert callback == urls.delivery_callback(api.club.id, "sms", "sms_provider")
    rows = _dispatches(api, sending_id)
    first, second = rows["4740000001"], rows["4740000002"]
    assert first.delivery_status == "unknown" and first.provider_message_id

    # An intermediate status changes nothing; "delivered" is recorded with the member event, once.
    sent = {"MessageSid": first.provider_message_id, "MessageStatus": "sent", "AccountSid": "AC1"}
    assert _callback(api, callback, sent).status_code == 204
    assert _dispatches(api, sending_id)["4740000001"].delivery_status == "unknown"
    delivered = {**sent, "MessageStatus": "delivered"}
    for _ in range(2):  # the provider repeats its callbacks
        assert _callback(api, callback, delivered).status_code == 204
    row = _dispatches(api, sending_id)["4740000001"]
    assert row.delivery_status == "delivered" and row.delivery_reported_at is not None and row.delivery_error is None
    events = api.session.execute(
        select(MemberEvent.member_id, MemberEvent.data).where(MemberEvent.type == "sending_delivered")
    ).all()
    assert [(e.member_id, e.data["sending_id"], e.data["channel"]) for e in events] == [(member.id, sending_id, "sms")]

    # Undelivered, with the provider's error code; a later "delivered" does not overwrite the first final status.
    failed = {"MessageSid": second.provider_message_id, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _callback(api, callback, failed).status_code == 204
    assert _callback(api, callback, {**failed, "MessageStatus": "delivered", "ErrorCode": ""}).status_code == 204
    row = _dispatches(api, sending_id)["4740000002"]
    assert row.delivery_status == "undelivered" and row.delivery_error == "undelivered: error 30003"
    shown = api.get(f"/generic/sendings/{sending_id}/dispatches?delivery_status=undelivered").json()
    assert [d["id"] for d in shown["dispatches"]] == [second.id]


def test_an_sms_callback_must_be_signed_with_the_clubs_token(api: Api, provider, units, urls, factory):  # type: ignore[no-untyped-def]
    sending_id = _send_sms(api, provider, units, urls, [{"msisdn": "4740000003"}])
    dispatch = _dispatches(api, sending_id)["4740000003"]
    callback = urls.delivery_callback(api.club.id, "sms", "sms_provider")
    delivered = {"MessageSid": dispatch.provider_message_id or "", "MessageStatus": "delivered"}
    forged = _callback(api, callback, delivered, token="another-token")
    assert forged.status_code == 403 and forged.json()["error"] == "Invalid signature"
    # Another club's callback URL (that club has no SMS provider) reaches nothing.
    other = factory.club()
    elsewhere = urls.delivery_callback(other.id, "sms", "sms_provider")
    assert _callback(api, elsewhere, delivered).status_code == 404
    # An unknown message of the club.
    assert _callback(api, callback, {**delivered, "MessageSid": "SM-unknown"}).status_code == 404
    assert _callback(api, callback, {"MessageStatus": "delivered"}).status_code == 422
    assert _dispatches(api, sending_id)["4740000003"].delivery_status == "unknown"


def _webhook_callback(api: Api, url: str, payload: object, secret: str = SECRET, at: int | None = None):  # type: ignore[no-untyped-def]
    body = json.dumps(payload).encode()
    timestamp = str(at if at is not None else int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Loyaltyhub-Timestamp": timestamp,
        "X-Loyaltyhub-Signature": signature(secret, timestamp, body),
    }
    return api.client.post(urlsplit(url).path, content=body, headers=headers)


def test_webhook_delivery_receipts(api: Api, provider, units, urls):  # type: ignore[no-untyped-def]
    transport = {"kind": "webhook", "url": provider.url + "/sms", "secret": SECRET}
    assert api.put("/settings", {"settings": {"sms_transport": transport}}).status_code == 200
    message_id = api.post("/generic", sms_message("Hi")).json()["message"]["id"]
    recipients = [{"msisdn": "4740000004"}, {"msisdn": "4740000005"}]
    sending = {"schedule": {"type": "immediate"}, "recipients": recipients}
    sending_id = api.post(f"/generic/{message_id}/sendings", {"sending": sending}).json()["sending"]["id"]
    run_messaging(units, "w", urls=urls)
    sent = {r.json["to"]: r.json for r in provider.behaviour.requests}
    callback = sent["4740000004"]["status_callback"]
    assert callback == urls.delivery_callback(api.club.id, "sms", "webhook")

    ok = _webhook_callback(api, callback, {"id": sent["4740000004"]["id"], "status": "delivered"})
    assert ok.status_code == 204, ok.text
    refused = {"id": sent["4740000005"]["id"], "status": "failed", "reason": "handset unreachable"}
    assert _webhook_callback(api, callback, refused).status_code == 204
    assert _webhook_callback(api, callback, {**refused, "reason": "again"}).status_code == 204
    rows = _dispatches(api, sending_id)
    assert rows["4740000004"].delivery_status == "delivered"
    assert (rows["4740000005"].delivery_status, rows["4740000005"].delivery_error) == (
        "undelivered",
        "handset unreachable",
    )

    # Forged, replayed long after, malformed, another club's key: refused, nothing changes.
    assert _webhook_callback(api, callback, refused, secret="x" * 20).status_code == 403
    assert _webhook_callback(api, callback, refused, at=int(time.time()) - 3600).status_code == 403
    bad = _webhook_callback(api, callback, {"id": sent["4740000004"]["id"], "status": "lost"})
    assert bad.status_code == 422 and "status" in bad.json()["details"]
    other_key = sent["4740000004"]["id"].replace(f"club-{api.club.id}@", f"club-{api.club.id + 1}@")
    assert _webhook_callback(api, callback, {"id": other_key, "status": "failed"}).status_code == 404
    assert _dispatches(api, sending_id)["4740000004"].delivery_status == "delivered"
