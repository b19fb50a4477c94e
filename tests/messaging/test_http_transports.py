"""SMS through a local HTTP server playing the provider (Twilio-style REST API), push through the signed
webhook: 5xx and timeouts are retried, 4xx fail with the provider's reason."""

from __future__ import annotations

import hmac
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from loyaltyhub.messaging.delivery.signing import signature
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Dispatch
from tests.messaging.conftest import Api, sms_message
from tests.messaging.http_provider import ProviderServer

SECRET = "s3cret-s3cret-s3cret"


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as running:
        yield running


def _dispatches(api: Api, sending_id: int) -> dict[str, Dispatch]:
    api.session.expire_all()
    rows = api.session.execute(select(Dispatch).where(Dispatch.sending_id == sending_id)).scalars()
    return {d.address or "": d for d in rows}


def test_sms_through_the_provider_with_retries_and_failures(api: Api, provider: ProviderServer, units):  # type: ignore[no-untyped-def]
    transport = {
        "kind": "sms_provider",
        "base_url": provider.url,
        "account_sid": "AC1",
        "auth_token": "tok",
        "timeout_seconds": 2.0,  # generous: a loaded CI machine answers slowly too
    }
    assert api.put("/settings", {"settings": {"sms_transport": transport}}).status_code == 200
    shown = api.get("/settings").json()["settings"]["sms_transport"]
    assert shown["account_sid"] == "AC1" and "auth_token" not in shown
    provider.behaviour.answers = {
        "+4740000002": (503, {"message": "Service unavailable"}),
        "+4740000003": (400, {"code": 21211, "message": "Invalid 'To' Phone Number"}),
        "+4740000004": 4.0,  # past the client's timeout
    }
    message_id = api.post("/generic", sms_message("Hi {{ name }}")).json()["message"]["id"]
    recipients = [{"msisdn": f"474000000{n}", "properties": {"name": f"R{n}"}} for n in (1, 2, 3, 4)]
    response = api.post(
        f"/generic/{message_id}/sendings", {"sending": {"schedule": {"type": "immediate"}, "recipients": recipients}}
    )
    sending_id = response.json()["sending"]["id"]
    run_messaging(units, "w")
    rows = _dispatches(api, sending_id)
    assert rows["4740000001"].transmission_status == "transmitted"
    assert rows["4740000001"].provider_message_id.startswith("SM")  # type: ignore[union-attr]
    assert rows["4740000002"].transmission_status == "retrying" and "HTTP 503" in (rows["4740000002"].error or "")
    assert rows["4740000003"].transmission_status == "failed"
    assert rows["4740000003"].error == "HTTP 400: Invalid 'To' Phone Number"
    assert rows["4740000004"].transmission_status == "retrying" and "timeout" in (rows["4740000004"].error or "")
    first = next(r for r in provider.behaviour.requests if r.form["To"] == "+4740000001")
    assert first.path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert first.form == {"To": "+4740000001", "From": "Infinity", "Body": "Hi R1"}
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.headers["Idempotency-Key"] == f"dispatch-{rows['4740000001'].id}.club-{api.club.id}@loyaltyhub"
    # The provider recovers: the retries go through.
    provider.behaviour.answers = {"+4740000003": (400, {"message": "Invalid 'To' Phone Number"})}
    for address in ("4740000002", "4740000004"):
        rows[address].next_attempt_at = rows[address].created_at
    api.session.flush()
    run_messaging(units, "w")
    rows = _dispatches(api, sending_id)
    assert {a: d.transmission_status for a, d in rows.items()} == {
        "4740000001": "transmitted",
        "4740000002": "transmitted",
        "4740000003": "failed",
        "4740000004": "transmitted",
    }
    assert rows["4740000002"].attempts == 2
    assert api.get(f"/generic/sendings/{sending_id}").json()["sending"]["status"] == "transmitted"


def test_push_through_the_signed_webhook(api: Api, provider: ProviderServer, units):  # type: ignore[no-untyped-def]
    transport = {"kind": "webhook", "url": provider.url + "/push", "secret": SECRET}
    assert api.put("/settings", {"settings": {"push_transport": transport}}).status_code == 200
    body = {
        "message": {
            "channels": [
                {
                    "type": "push",
                    "template": {
                        "type": "inline",
                        "definition": {
                            "type": "push",
                            "content": {"subject": "Hi", "body": "Hei {{ name }}", "url": "app://x"},
                        },
                    },
                }
            ]
        }
    }
    message_id = api.post("/generic", body).json()["message"]["id"]
    recipients = [{"app_token": "tok-1", "properties": {"name": "Piotr"}}]
    sending_id = api.post(
        f"/generic/{message_id}/sendings", {"sending": {"schedule": {"type": "immediate"}, "recipients": recipients}}
    ).json()["sending"]["id"]
    run_messaging(units, "w")
    [request] = provider.behaviour.requests
    assert request.json["to"] == "tok-1" and request.json["content"] == {
        "subject": "Hi",
        "body": "Hei Piotr",
        "url": "app://x",
    }
    expected = signature(SECRET, request.headers["X-Loyaltyhub-Timestamp"], request.body)
    assert hmac.compare_digest(request.headers["X-Loyaltyhub-Signature"], expected)
    assert _dispatches(api, sending_id)["tok-1"].transmission_status == "transmitted"


def test_transport_settings_are_checked(api: Api):
    bad = api.put(
        "/settings", {"settings": {"push_transport": {"kind": "webhook", "url": "ftp://x", "secret": "short"}}}
    )
    assert bad.status_code == 422
