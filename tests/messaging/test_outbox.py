"""One-time passwords and welcome messages leave through the club's e-mail transport (a real SMTP server on
127.0.0.1), at once and outside the campaign queue."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from loyaltyhub.auth import permits
from loyaltyhub.members.models import OutboxMessage
from tests.members import factories as members
from tests.messaging.conftest import Api
from tests.messaging.smtp_sink import SmtpSink


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


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
