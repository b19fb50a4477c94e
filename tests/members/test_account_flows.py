"""Member account flows over HTTP (issue 19): verify e-mail / MSISDN, reset and change the password.

The acceptance flow: sign up → verify the e-mail with the code from the outbox → reset the password →
sign in with the new one → the refresh token issued before the reset is refused.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from loyaltyhub.auth import permits
from loyaltyhub.db.base import utcnow
from loyaltyhub.members.account import rules
from loyaltyhub.members.account.models import MemberAccountToken
from loyaltyhub.members.models import Member, OutboxMessage
from tests.members import factories as members

APP_PERMITS = [
    permits.MEMBERS_CREATE,
    permits.MEMBERS_OAUTH,
    permits.MEMBERS_EMAILS_VERIFY,
    permits.MEMBERS_MSISDNS_VERIFY,
    permits.MEMBERS_TOKENS_CREATE,
    permits.MEMBERS_TOKENS_VERIFY,
    permits.MEMBERS_RESET_PASSWORD,
    permits.MEMBERS_OAUTH_UPDATE_PASSWORD,
]


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def app_headers(factory, club):
    return factory.headers(factory.client_token([club], APP_PERMITS))


def _url(club, path=""):
    return f"/v3/{club.slug}/members{path}"


def _messages(session, recipient, kind):
    return list(
        session.execute(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == recipient, OutboxMessage.kind == kind)
            .order_by(OutboxMessage.id)
        ).scalars()
    )


def _token_from_outbox(session, recipient, kind):
    messages = _messages(session, recipient, kind)
    assert messages, f"no {kind} message to {recipient} in the outbox"
    return re.search(r": ([A-Za-z0-9_-]{32})", messages[-1].body).group(1)


def _login(client, club, headers, email, password):
    return client.post(
        _url(club, "/oauth/token"),
        headers=headers,
        json={"grant_type": "password", "identifier_type": "email", "identifier": email, "password": password},
    )


def test_sign_up_verify_email_reset_password_and_the_old_refresh_token_is_refused(client, session, club, app_headers):
    signed_up = client.post(
        _url(club),
        headers=app_headers,
        json={
            "properties": {"first_name": "Kari", "email": "Kari@Example.com"},
            "password": "first password",
        },
    )
    assert signed_up.status_code == 201, signed_up.text
    assert signed_up.json()["email_status"] == "enabled"
    first = _login(client, club, app_headers, "kari@example.com", "first password")
    assert first.status_code == 200, first.text
    old_refresh = first.json()["refresh_token"]
    old_access = first.json()["access_token"]

    # Verify the e-mail address with the code from the outbox.
    sent = client.put(_url(club, "/channels/email/kari@example.com/send_verification"), headers=app_headers, json={})
    assert sent.status_code == 204, sent.text
    code = _token_from_outbox(session, "kari@example.com", "email_verification")
    wrong = client.put(
        _url(club, "/channels/email/kari@example.com/verify"), headers=app_headers, json={"token": "x" * 32}
    )
    assert wrong.status_code == 463 and wrong.json() == {"error": "Invalid token"}
    verified = client.put(
        _url(club, "/channels/email/kari@example.com/verify"), headers=app_headers, json={"token": code}
    )
    assert verified.status_code == 200 and verified.json() == {}
    me = client.get(_url(club, "/me"), headers={**app_headers, "Authorization": f"Bearer {old_access}"})
    assert me.json()["email_status"] == "verified"
    again = client.put(_url(club, "/channels/email/kari@example.com/verify"), headers=app_headers, json={"token": code})
    assert again.status_code == 463, "a verification code works once"

    # Forgot the password: a reset token by e-mail, checked, then used.
    requested = client.post(_url(club, "/by_email/Kari@Example.com/send_password_reset_token"), headers=app_headers)
    assert requested.status_code == 200 and requested.json() == {}
    reset_token = _token_from_outbox(session, "kari@example.com", "password_reset")
    checked = client.get(
        _url(club, f"/by_email/kari@example.com/verify_token/password_reset/{reset_token}"), headers=app_headers
    )
    assert checked.status_code == 200 and checked.json() == {"valid": True}
    reset = client.put(
        _url(club, "/by_email/kari@example.com/reset_password"),
        headers=app_headers,
        json={"password": "second password", "token": reset_token},
    )
    assert reset.status_code == 200 and reset.json() == {}

    # The new password signs in; the old one, the old refresh token and the used reset token do not.
    assert _login(client, club, app_headers, "kari@example.com", "second password").status_code == 200
    assert _login(client, club, app_headers, "kari@example.com", "first password").status_code == 461
    refused = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "refresh_token", "refresh_token": old_refresh},
    )
    assert refused.status_code == 462, refused.text
    stale = client.get(_url(club, "/me"), headers={**app_headers, "Authorization": f"Bearer {old_access}"})
    assert stale.status_code == 460
    checked_after = client.get(
        _url(club, f"/by_email/kari@example.com/verify_token/password_reset/{reset_token}"), headers=app_headers
    )
    assert checked_after.json() == {"valid": False}
    reused = client.put(
        _url(club, "/by_email/kari@example.com/reset_password"),
        headers=app_headers,
        json={"password": "third password!", "token": reset_token},
    )
    assert reused.status_code == 463 and reused.json() == {"error": "Invalid token"}


def test_sending_answers_the_same_for_unknown_addresses_and_sends_nothing(client, session, club, app_headers):
    members.member(session, club, properties={"email": "known@example.com"})
    for email in ("known@example.com", "unknown@example.com"):
        answer = client.post(_url(club, f"/by_email/{email}/send_password_reset_token"), headers=app_headers)
        assert (answer.status_code, answer.json()) == (200, {})
        verify = client.put(_url(club, f"/channels/email/{email}/send_verification"), headers=app_headers)
        assert verify.status_code == 204 and verify.content == b""
    assert len(_messages(session, "known@example.com", "password_reset")) == 1
    assert _messages(session, "unknown@example.com", "password_reset") == []
    reset = client.put(
        _url(club, "/by_email/unknown@example.com/reset_password"),
        headers=app_headers,
        json={"password": "whatever123", "token": "t" * 32},
    )
    assert reset.status_code == 463, "an unknown address answers like a wrong token"


def test_sending_is_limited_per_address_without_saying_so(client, session, club, app_headers):
    members.member(session, club, properties={"email": "often@example.com"})
    for _ in range(rules.MAX_SENDS_PER_WINDOW + 2):
        answer = client.post(_url(club, "/by_email/often@example.com/send_password_reset_token"), headers=app_headers)
        assert (answer.status_code, answer.json()) == (200, {})
    assert len(_messages(session, "often@example.com", "password_reset")) == rules.MAX_SENDS_PER_WINDOW


def test_an_expired_reset_token_is_refused(client, session, club, app_headers):
    members.member(session, club, properties={"email": "late@example.com"}, password="old password")
    client.post(_url(club, "/by_email/late@example.com/send_password_reset_token"), headers=app_headers)
    token = _token_from_outbox(session, "late@example.com", "password_reset")
    session.execute(update(MemberAccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    checked = client.get(
        _url(club, f"/by_email/late@example.com/verify_token/password_reset/{token}"), headers=app_headers
    )
    assert checked.json() == {"valid": False}
    reset = client.put(
        _url(club, "/by_email/late@example.com/reset_password"),
        headers=app_headers,
        json={"password": "new password", "token": token},
    )
    assert reset.status_code == 463


def test_a_reset_token_of_another_member_is_refused(client, session, club, app_headers):
    members.member(session, club, properties={"email": "a@example.com"})
    members.member(session, club, properties={"email": "b@example.com"})
    client.post(_url(club, "/by_email/a@example.com/send_password_reset_token"), headers=app_headers)
    token = _token_from_outbox(session, "a@example.com", "password_reset")
    reset = client.put(
        _url(club, "/by_email/b@example.com/reset_password"),
        headers=app_headers,
        json={"password": "taken over", "token": token},
    )
    assert reset.status_code == 463


def test_reset_password_errors(client, session, club, app_headers):
    members.member(session, club, properties={"email": "e@example.com"})
    url = _url(club, "/by_email/e@example.com/reset_password")
    missing = client.put(url, headers=app_headers, json={"password": "long enough"})
    assert missing.status_code == 400 and missing.json() == {"error": "`password` or `token` param is missing"}
    assert client.put(url, headers=app_headers).status_code == 400
    short = client.put(url, headers=app_headers, json={"password": "short", "token": "t"})
    assert short.status_code == 422 and "password" in short.json()["details"]
    bad_type = client.get(_url(club, "/by_email/e@example.com/verify_token/signup/abc"), headers=app_headers)
    assert bad_type.status_code == 400 and bad_type.json() == {"error": "Invalid `type`"}
    no_token = client.put(_url(club, "/channels/email/e@example.com/verify"), headers=app_headers, json={})
    assert no_token.status_code == 400 and no_token.json() == {"error": "Token missing"}


def test_msisdn_verification(client, session, club, app_headers):
    member = members.member(session, club)
    assert member.sms_status == "enabled"
    sent = client.put(
        _url(club, f"/channels/msisdn/{member.msisdn}/send_verification"),
        headers=app_headers,
        json={"for_mobile_app": True},
    )
    assert sent.status_code == 204
    token = _token_from_outbox(session, member.msisdn, "msisdn_verification")
    local = member.msisdn[2:]  # the club's country code may be left out, as everywhere else
    verified = client.put(_url(club, f"/channels/msisdn/{local}/verify"), headers=app_headers, json={"token": token})
    assert verified.status_code == 200, verified.text
    session.expire_all()
    assert session.get(Member, member.id).sms_status == "verified"


def test_update_password_needs_the_current_one_and_ends_every_session(client, session, club, app_headers):
    member = members.member(session, club, properties={"email": "me@example.com"}, password="current password")
    login = _login(client, club, app_headers, "me@example.com", "current password").json()
    other = _login(client, club, app_headers, "me@example.com", "current password").json()
    me = {**app_headers, "Authorization": f"Bearer {login['access_token']}"}
    wrong = client.put(
        _url(club, "/me/update_password"), headers=me, json={"password": "next password", "current_password": "nope"}
    )
    assert wrong.status_code == 464 and wrong.json() == {"error": "Invalid current_password"}
    short = client.put(
        _url(club, "/me/update_password"), headers=me, json={"password": "x", "current_password": "nope"}
    )
    assert short.status_code == 422
    changed = client.put(
        _url(club, "/me/update_password"),
        headers=me,
        json={"password": "next password", "current_password": "current password"},
    )
    assert changed.status_code == 200 and changed.json() == {}
    assert client.get(_url(club, "/me"), headers=me).status_code == 460
    refused = client.post(
        _url(club, "/oauth/token"),
        headers=app_headers,
        json={"grant_type": "refresh_token", "refresh_token": other["refresh_token"]},
    )
    assert refused.status_code == 462
    assert _login(client, club, app_headers, "me@example.com", "next password").status_code == 200
    assert member.id


def test_permits_are_required(client, factory, club):
    headers = factory.headers(factory.client_token([club], [permits.MEMBERS_OAUTH]))
    answer = client.post(_url(club, "/by_email/a@example.com/send_password_reset_token"), headers=headers)
    assert answer.status_code == 403
    assert answer.json() == {"error": f"Missing permit {permits.MEMBERS_TOKENS_CREATE}"}


def test_tokens_are_stored_hashed(client, session, club, app_headers):
    members.member(session, club, properties={"email": "h@example.com"})
    client.post(_url(club, "/by_email/h@example.com/send_password_reset_token"), headers=app_headers)
    token = _token_from_outbox(session, "h@example.com", "password_reset")
    stored = session.execute(select(MemberAccountToken.token_hash)).scalars().all()
    assert stored and token not in stored and all(len(value) == 64 for value in stored)
