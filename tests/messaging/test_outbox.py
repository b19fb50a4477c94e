"""One-time passwords and welcome messages leave through the club's e-mail transport (a real SMTP server on
127.0.0.1) or its SMS transport (a local HTTP server playing the provider), at once and outside the campaign
queue."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.members.models import OutboxMessage
from tests.members import factories as members
from tests.messaging.conftest import Api
from tests.messaging.http_provider import ProviderServer
from tests.messaging.smtp_sink import SmtpSink


def _request_code(api: Api, factory, email: str):  # type: ignore[no-untyped-def]
    headers = factory.headers(factory.client_token([api.club], [permits.MEMBERS_OAUTH]))
    return api.client.post(f"/v3/{api.club.slug}/members/otp/email", headers=headers, json={"email": email})


def test_an_otp_code_is_mailed_through_the_clubs_smtp_server(api: Api, factory, sink: SmtpSink):
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    members.member(api.session, api.club, properties={"email": "kari@example.com"})
    response = _request_code(api, factory, "kari@example.com")
    assert response.status_code == 200
    [mail] = [r for r in sink.received if r.to == "kari@example.com"]
    assert mail.message["From"] == "Infinity <infinity-mall@example.com>"
    code = re.search(r"code is (\d{4,8})\.", mail.text).group(1)
    row = api.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "otp")).scalar_one()
    assert row.sent_at is not None
    assert code not in row.body and "[removed after delivery]" in row.body, "no usable code at rest (#14)"


def test_a_refusing_server_leaves_the_code_unsent_in_the_outbox(api: Api, factory, sink: SmtpSink):
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    sink.handler.refuse = {"kari@example.com": "550 no such user"}
    members.member(api.session, api.club, properties={"email": "kari@example.com"})
    assert _request_code(api, factory, "kari@example.com").status_code == 200
    row = api.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "otp")).scalar_one()
    assert row.sent_at is None


def test_without_a_transport_the_outbox_only_logs(api: Api, factory, sink: SmtpSink):
    members.member(api.session, api.club, properties={"email": "kari@example.com"})
    assert _request_code(api, factory, "kari@example.com").status_code == 200
    assert sink.received == []


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    with ProviderServer() as running:
        yield running


def _request_sms_code(api: Api, factory, msisdn: str):  # type: ignore[no-untyped-def]
    headers = factory.headers(factory.client_token([api.club], [permits.MEMBERS_OAUTH]))
    return api.client.post(f"/v3/{api.club.slug}/members/otp/sms", headers=headers, json={"msisdn": msisdn})


def test_an_otp_code_is_texted_through_the_clubs_sms_provider(api: Api, factory, provider: ProviderServer):
    transport = {"kind": "sms_provider", "base_url": provider.url, "account_sid": "AC1", "auth_token": "tok"}
    assert api.put("/settings", {"settings": {"sms_transport": transport}}).status_code == 200
    members.member(api.session, api.club, properties={"msisdn": "4740000001"})
    assert _request_sms_code(api, factory, "+4740000001").status_code == 200
    [request] = provider.behaviour.requests
    assert request.path == "/2010-04-01/Accounts/AC1/Messages.json"
    assert request.form["To"] == "+4740000001" and request.form["From"] == "Infinity"
    code = re.search(r"(\d{4,8})", request.form["Body"]).group(1)
    row = api.session.execute(select(OutboxMessage).where(OutboxMessage.kind == "otp")).scalar_one()
    assert request.headers["Idempotency-Key"] == f"outbox-{row.id}.club-{api.club.id}@loyaltyhub"
    assert row.channel == "sms" and row.sent_at is not None
    assert code not in row.body and "[removed after delivery]" in row.body


def test_an_otp_code_through_the_sms_webhook_and_a_refusing_provider(api: Api, factory, provider: ProviderServer):
    transport = {"kind": "webhook", "url": provider.url + "/sms", "secret": "s3cret-s3cret-s3cret"}
    assert api.put("/settings", {"settings": {"sms_transport": transport}}).status_code == 200
    assert _request_sms_code(api, factory, "+4740000002").status_code == 200
    [request] = provider.behaviour.requests
    assert request.json["to"] == "4740000002" and request.json["channel"] == "sms"
    assert request.json["sender"] == {"type": "alphanumeric", "value": "Infinity"}
    # The provider refuses the next number: the code stays unsent in the outbox.
    provider.behaviour.answers = {"4740000003": (400, {"message": "Invalid number"})}
    assert _request_sms_code(api, factory, "+4740000003").status_code == 200
    rows = api.session.execute(select(OutboxMessage).order_by(OutboxMessage.id)).scalars().all()
    assert [(r.recipient, r.sent_at is not None) for r in rows] == [("4740000002", True), ("4740000003", False)]


def test_without_an_sms_transport_the_sms_outbox_only_logs(api: Api, factory, provider: ProviderServer):
    assert _request_sms_code(api, factory, "+4740000004").status_code == 200
    assert provider.behaviour.requests == []
    row = api.session.execute(select(OutboxMessage)).scalar_one()
    assert row.sent_at is not None and "[removed after delivery]" not in row.body
