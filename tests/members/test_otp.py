"""One-time passwords are limited in rate and in attempts."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from loyaltyhub.auth import permits
from loyaltyhub.members import outbox
from loyaltyhub.members.identity import otp
from loyaltyhub.members.models import OutboxMessage
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))


def test_sending_is_rate_limited_per_destination(client, session, club, headers):
    member = members.member(session, club)
    url = f"/v3/{club.slug}/members/otp/sms"
    for _ in range(otp.MAX_SENDS_PER_WINDOW):
        assert client.post(url, headers=headers, json={"msisdn": member.msisdn}).status_code == 200
    limited = client.post(url, headers=headers, json={"msisdn": member.msisdn})
    assert limited.status_code == 429
    assert limited.json()["retry_after"] > 0
    assert int(limited.headers["Retry-After"]) == limited.json()["retry_after"]
    other = members.member(session, club)
    assert client.post(url, headers=headers, json={"msisdn": other.msisdn}).status_code == 200


def test_too_many_wrong_codes_kill_the_code(client, session, club, headers):
    member = members.member(session, club)
    assert (
        client.post(f"/v3/{club.slug}/members/otp/sms", headers=headers, json={"msisdn": member.msisdn}).status_code
        == 200
    )
    message = session.execute(select(OutboxMessage).where(OutboxMessage.recipient == member.msisdn)).scalar_one()
    code = re.search(r"\d{6}", message.body).group(0)
    wrong = "000000" if code != "000000" else "111111"
    login = {"grant_type": "password", "identifier_type": "msisdn", "identifier": member.msisdn}
    for _ in range(otp.MAX_ATTEMPTS):
        response = client.post(
            f"/v3/{club.slug}/members/oauth/token", headers=headers, json={**login, "password": wrong}
        )
        assert response.status_code == 461
    late = client.post(f"/v3/{club.slug}/members/oauth/token", headers=headers, json={**login, "password": code})
    assert late.status_code == 461, "the right code no longer works after too many wrong ones"


def test_invalid_msisdn_for_otp_is_422(client, club, headers):
    response = client.post(f"/v3/{club.slug}/members/otp/sms", headers=headers, json={"msisdn": "12"})
    assert response.status_code == 422
    assert response.json()["details"] == {"msisdn": [{"error": "invalid_msisdn", "options": {}}]}


def test_a_pluggable_sender_receives_the_message(app_with, services, session, club, headers):
    delivered = []
    app = app_with(replace(services, outbox_sender=delivered.append))
    member = members.member(session, club, properties={"email": "kari@example.com"})
    with TestClient(app) as client:
        response = client.post(
            f"/v3/{club.slug}/members/otp/email", headers=headers, json={"email": "kari@example.com"}
        )
    assert response.status_code == 200
    assert [m.recipient for m in delivered] == ["kari@example.com"]
    assert delivered[0].member_id == member.id and delivered[0].sent_at is not None


def test_a_delivered_code_is_not_kept_at_rest(app_with, services, session, club, headers):
    """Issue #14, defect 5: once a sender took the message, the stored body no longer holds the code."""
    seen = []
    app = app_with(replace(services, outbox_sender=lambda message: seen.append(message.body)))
    members.member(session, club, properties={"email": "kari@example.com"})
    with TestClient(app) as client:
        response = client.post(
            f"/v3/{club.slug}/members/otp/email", headers=headers, json={"email": "kari@example.com"}
        )
    assert response.status_code == 200
    code = re.search(r"code is (\d{6})\.", seen[0]).group(1)
    stored = session.execute(select(OutboxMessage.body).where(OutboxMessage.kind == "otp")).scalar_one()
    assert code not in stored
    assert stored == seen[0].replace(code, outbox.REMOVED)


def test_without_a_gateway_the_row_keeps_the_code_for_a_developer(client, session, club, headers):
    member = members.member(session, club)
    assert (
        client.post(f"/v3/{club.slug}/members/otp/sms", headers=headers, json={"msisdn": member.msisdn}).status_code
        == 200
    )
    stored = session.execute(select(OutboxMessage.body).where(OutboxMessage.recipient == member.msisdn)).scalar_one()
    assert re.search(r"code is \d{6}\.", stored), "the log sender delivers nothing: the row is the only copy"


def test_a_failing_sender_leaves_the_message_unsent_in_the_outbox(app_with, services, session, club, headers):
    def broken(message):
        raise ConnectionError("gateway down")

    app = app_with(replace(services, outbox_sender=broken))
    member = members.member(session, club)
    with TestClient(app) as client:
        response = client.post(f"/v3/{club.slug}/members/otp/sms", headers=headers, json={"msisdn": member.msisdn})
    assert response.status_code == 200
    unsent = session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.sent_at.is_(None))
    ).scalar_one()
    assert unsent == 1
    body = session.execute(select(OutboxMessage.body).where(OutboxMessage.sent_at.is_(None))).scalar_one()
    assert not re.search(r"\d{6}", body), "an undelivered code is not kept either (nothing retries it)"


def test_a_retried_request_with_the_same_key_sends_no_second_code(client, session, club, headers):
    member = members.member(session, club)
    retry = {**headers, "Idempotency-Key": "otp-1"}
    for _ in range(2):
        assert (
            client.post(f"/v3/{club.slug}/members/otp/sms", headers=retry, json={"msisdn": member.msisdn}).status_code
            == 200
        )
    sent = session.execute(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.recipient == member.msisdn)
    ).scalar_one()
    assert sent == 1
