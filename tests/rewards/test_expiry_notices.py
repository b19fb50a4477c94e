"""The points expiration notifications policy: saved with the program (its message checked), and the expiry
job telling members their points expire soon through messaging's ``rewards_notifications`` service, as the
system actor ``job:rewards_points_expiry``; once per lot, with an injected clock across Europe/Oslo's
month end; delivered through a real SMTP server on 127.0.0.1."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Sending
from loyaltyhub.rewards.models import PointsTransaction
from loyaltyhub.rewards.points import ledger, notices
from loyaltyhub.rewards.program import service as program_service
from tests.members import factories as members
from tests.messaging.conftest import SETTINGS, make_api

EARNED = datetime(2026, 1, 10, 12, tzinfo=UTC)
# Points earned in January (validity 0 months, end of month) expire at the end of Oslo's January 31st.
EXPIRES = datetime(2026, 1, 31, 23, tzinfo=UTC)


@pytest.fixture
def club(factory):
    return factory.club(timezone="Europe/Oslo")


@pytest.fixture
def messages(client, factory, club, sink):
    caller = make_api(client, factory, club)
    settings = {**SETTINGS, "email_transport": sink.transport()}
    assert caller.put("/settings", {"settings": settings}).status_code == 200
    return caller


def message(messages, service: str = "rewards_notifications") -> int:
    body = {
        "message": {
            "name": "Points expire soon",
            "channels": [
                {
                    "type": "email",
                    "template": {
                        "type": "inline",
                        "definition": {
                            "type": "email",
                            "content": {
                                "subject": "Your points expire soon",
                                "body": "Hi {{ member.first_name }}: {{ points }} points are valid until "
                                "{{ valid_until }}",
                            },
                        },
                    },
                }
            ],
        }
    }
    response = messages.post(f"/{service}", body)
    assert response.status_code == 201, response.text
    return response.json()["message"]["id"]  # type: ignore[no-any-return]


def save_program(client, factory, club, **values):
    headers = factory.headers(factory.client_token([club]))
    return client.put(f"/v1/{club.slug}/rewards-program", json=values, headers=headers)


def participant(session, club, name, email, points, at=EARNED):
    member = members.member(session, club, properties={"first_name": name, "email": email})
    account = program_service.join(session, club.id, member.id, at)
    program = program_service.program_of(session, club.id)
    policy = program_service.policy_of(club, program)
    ledger.earn(session, account, type="grant", points=points, now=at, policy=policy)
    return member


def test_the_policy_is_saved_with_the_program_and_its_message_checked(client, factory, club, messages):
    notice = message(messages)
    generic = message(messages, service="generic")
    for policy, symbol in [
        ({"days_before": 7, "message_id": 999_999}, "not_found"),
        ({"days_before": 7, "message_id": generic}, "invalid_service"),
    ]:
        response = save_program(client, factory, club, expiration_notifications=policy)
        assert response.status_code == 422, response.text
        error = response.json()["details"]["expiration_notifications"]["message_id"][0]["error"]
        assert error == symbol
    for policy in ({"days_before": 0, "message_id": notice}, {"days_before": 7}):
        response = save_program(client, factory, club, expiration_notifications=policy)
        assert response.status_code == 422, response.text
    saved = save_program(client, factory, club, expiration_notifications={"days_before": 7, "message_id": notice})
    assert saved.status_code == 200, saved.text
    assert saved.json()["rewards_program"]["expiration_notifications"] == {"days_before": 7, "message_id": notice}
    off = save_program(client, factory, club, expiration_notifications=None)
    assert off.json()["rewards_program"]["expiration_notifications"] is None


def test_the_job_tells_each_member_once_per_lot_before_their_points_expire(
    client, factory, session, club, messages, sink, units
):
    notice = message(messages)
    saved = save_program(
        client,
        factory,
        club,
        points_validity_months=0,
        points_expire_at="end_of_month",
        expiration_notifications={"days_before": 7, "message_id": notice},
    )
    assert saved.status_code == 200, saved.text
    kari = participant(session, club, "Kari", "kari@example.com", 30)
    ola = participant(session, club, "Ola", "ola@example.com", 5)
    left = participant(session, club, "Per", "per@example.com", 8)
    program = program_service.program_of(session, club.id)
    program_service.leave(session, club, program, left.id, EARNED + timedelta(days=1))
    lots = session.scalars(select(PointsTransaction).where(PointsTransaction.member_id == kari.id)).all()
    assert [lot.expires_at for lot in lots] == [EXPIRES]

    assert notices.notify_expiring(units, EXPIRES - timedelta(days=7, seconds=1)) == 0  # not yet in the window
    assert notices.notify_expiring(units, EXPIRES - timedelta(days=7)) == 2  # Kari and Ola; Per left
    assert notices.notify_expiring(units, EXPIRES - timedelta(days=6)) == 0  # once per lot
    session.expire_all()
    sendings = session.scalars(select(Sending).where(Sending.loyalty_club_id == club.id).order_by(Sending.id)).all()
    assert [s.created_by for s in sendings] == ["job:rewards_points_expiry"] * 2
    assert [s.message_id for s in sendings] == [notice, notice]
    assert [s.recipients[0]["member_id"] for s in sendings] == [kari.id, ola.id]
    assert sendings[0].recipients[0]["properties"] == {
        "points": 30,
        "expires_at": "2026-01-31T23:00:00Z",
        # The last day they can be used, in Oslo (they expire as its February 1st begins, 23:00 UTC).
        "valid_until": "2026-01-31",
    }

    run_messaging(units, "worker-1")
    received = {r.to: r for r in sink.received}
    assert set(received) == {"kari@example.com", "ola@example.com"}
    assert "Hi Kari: 30 points are valid until 2026-01-31" in received["kari@example.com"].text

    # Points earned later that come into the window are told about on their own.
    account = ledger.lock_account(session, club.id, kari.id)
    later = EXPIRES - timedelta(days=3)
    ledger.earn(session, account, type="grant", points=4, now=later, policy=program_service.policy_of(club, program))
    assert notices.notify_expiring(units, later + timedelta(minutes=5)) == 1
    session.expire_all()
    newest = session.scalars(select(Sending).where(Sending.loyalty_club_id == club.id).order_by(Sending.id)).all()[-1]
    assert newest.recipients[0]["properties"]["points"] == 4
    # Expired points are not "about to expire".
    assert notices.notify_expiring(units, EXPIRES + timedelta(days=1)) == 0
