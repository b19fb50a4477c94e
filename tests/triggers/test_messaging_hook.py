"""The messaging hook: a rule sends the club's message to the event's member, as a system actor
(``rule:<id>``) holding only the permits of that sending. End to end through HTTP and a real SMTP server on
127.0.0.1: event in, the rule's delay, the pair judged, the sending made (its creator the rule), prepared
and transmitted; the rule's limit and frequency, and the marketing consent of a marketing message."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from loyaltyhub.events import routes as event_routes
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Dispatch, Sending
from loyaltyhub.triggers.queue import process_due
from tests.members import factories as members
from tests.messaging.conftest import SETTINGS, Api, make_api

NOW = datetime.fromisoformat("2026-03-30T12:00:00+02:00")
CONSENT = {"email_marketing": {"status": True}}


@pytest.fixture
def club(factory):
    return factory.club(timezone="Europe/Oslo")


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


@pytest.fixture
def clocked(app):
    app.dependency_overrides[event_routes.request_now] = lambda: NOW
    yield app
    app.dependency_overrides.clear()


@pytest.fixture
def api(client, factory, club, sink) -> Api:
    caller = make_api(client, factory, club)
    settings = {**SETTINGS, "email_transport": sink.transport()}
    assert caller.put("/settings", {"settings": settings}).status_code == 200
    return caller


def email_message(api: Api, service: str = "generic") -> int:
    body = {
        "message": {
            "name": "Thanks",
            "channels": [
                {
                    "type": "email",
                    "template": {
                        "type": "inline",
                        "definition": {
                            "type": "email",
                            "content": {
                                "subject": "Hi {{ member.first_name }}",
                                "body": "You did {{ event.type }} on {{ event.data.platform }} ({{ code }})",
                            },
                        },
                    },
                }
            ],
        }
    }
    response = api.post(f"/{service}", body)
    assert response.status_code == 201, response.text
    return response.json()["message"]["id"]  # type: ignore[no-any-return]


def rule_body(message_id: int, **values):
    return {
        "event_type": "app_opened",
        "name": {"value": "Thank for opening the app", "translations": {}},
        "hook_type": "messaging",
        "options": {"messaging": {"message_id": message_id, "properties": {"code": "WELCOME5"}}},
        **values,
    }


def create_rule(client, club, headers, body):
    response = client.post(f"/v3/{club.slug}/triggerer/rules", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def send(client, club, headers, member, *occurred, data=None):
    events = [
        {"type": "app_opened", "client_event_id": str(uuid.uuid4()), "occurred_at": at, "data": data or {}}
        for at in occurred
    ]
    response = client.post(f"/v3/{club.slug}/members/{member.id}/events", json={"events": events}, headers=headers)
    assert response.status_code == 200, response.text


def judge(sessions, now) -> int:
    total = 0
    while (judged := process_due(sessions.write, now=now)) > 0:
        total += judged
    return total


def executions(client, club, headers, rule):
    response = client.get(f"/v3/{club.slug}/triggerer/rules/{rule['id']}/executions", headers=headers)
    assert response.status_code == 200, response.text
    return sorted(response.json()["executions"], key=lambda e: e["id"])


def test_a_rule_sends_the_message_to_the_member_after_its_delay_once_per_day(
    client, clocked, session, sessions, units, club, headers, api, sink
):
    message_id = email_message(api)
    rule = create_rule(
        client,
        club,
        headers,
        rule_body(message_id, limit=2, frequency={"limit": 1, "timespan": "day"}, hook_delayed_by_seconds=60),
    )
    member = members.member(session, club, properties={"first_name": "Kari", "email": "kari@example.com"})
    # Two events on the same Oslo day, one the next day.
    send(
        client,
        club,
        headers,
        member,
        "2026-03-28T09:00:00+01:00",
        "2026-03-28T11:00:00+01:00",
        data={"platform": "ios"},
    )
    assert judge(sessions, NOW + timedelta(seconds=30)) == 0  # the rule's delay has not passed
    assert judge(sessions, NOW + timedelta(seconds=61)) == 2
    fired, skipped = executions(client, club, headers, rule)
    assert (fired["status"], skipped["status"], skipped["reason"]) == ("fired", "skipped", "frequency")
    sending_id = fired["result"]["sending_id"]
    assert fired["result"]["message_id"] == message_id

    # The sending is the rule's: made by rule:<id>, to the member, scheduled now.
    shown = api.get(f"/generic/sendings/{sending_id}").json()["sending"]
    assert shown["created_by"] == f"rule:{rule['id']}"
    assert shown["status"] == "scheduled" and [r["member_id"] for r in shown["recipients"]] == [member.id]

    run_messaging(units, "worker-1")
    (received,) = sink.received
    assert received.to == "kari@example.com" and received.message["Subject"] == "Hi Kari"
    assert "You did app_opened on ios (WELCOME5)" in received.text
    session.expire_all()
    (dispatch,) = session.execute(select(Dispatch).where(Dispatch.sending_id == sending_id)).scalars()
    assert dispatch.transmission_status == "transmitted" and dispatch.member_id == member.id

    # The next day: fires again (limit 2); the day after: the limit is reached.
    send(client, club, headers, member, "2026-03-29T09:00:00+02:00", "2026-03-30T09:00:00+02:00")
    assert judge(sessions, NOW + timedelta(seconds=61)) == 2
    statuses = [(e["status"], e["reason"]) for e in executions(client, club, headers, rule)]
    assert statuses == [("fired", None), ("skipped", "frequency"), ("fired", None), ("skipped", "limit")]
    run_messaging(units, "worker-1")
    assert [r.to for r in sink.received] == ["kari@example.com"] * 2
    made = session.execute(select(Sending.created_by).where(Sending.loyalty_club_id == club.id)).scalars().all()
    assert made == [f"rule:{rule['id']}"] * 2


def test_a_marketing_message_reaches_only_members_who_consent(
    client, clocked, session, sessions, units, club, headers, api, sink
):
    message_id = email_message(api, service="campaigns")
    rule = create_rule(client, club, headers, rule_body(message_id))
    consenting = members.member(session, club, properties={"email": "yes@example.com"}, consents=CONSENT)
    refusing = members.member(session, club, properties={"email": "no@example.com"})
    for member in (consenting, refusing):
        send(client, club, headers, member, "2026-03-30T09:00:00+02:00")
    assert judge(sessions, NOW + timedelta(seconds=1)) == 2
    # The rule fired for both (it made the sendings); the sending's consent rule decided who is reached.
    assert [e["status"] for e in executions(client, club, headers, rule)] == ["fired", "fired"]
    run_messaging(units, "worker-1")
    assert [r.to for r in sink.received] == ["yes@example.com"]
    session.expire_all()
    skipped = session.execute(
        select(Dispatch.member_id, Dispatch.skip_reason).where(Dispatch.transmission_status == "skipped")
    ).all()
    assert [tuple(s) for s in skipped] == [(refusing.id, "no_marketing_consent")]


def test_a_deleted_message_fails_the_hook_in_the_log(client, clocked, session, sessions, club, headers, api):
    message_id = email_message(api)
    rule = create_rule(client, club, headers, rule_body(message_id))
    member = members.member(session, club, properties={"email": "kari@example.com"})
    assert api.delete(f"/generic/{message_id}").status_code == 200
    send(client, club, headers, member, "2026-03-30T09:00:00+02:00")
    assert judge(sessions, NOW + timedelta(seconds=1)) == 1
    (failed,) = executions(client, club, headers, rule)
    assert (failed["status"], failed["reason"], failed["result"]) == ("failed", "Message not found", None)
    assert session.execute(select(Sending.id).where(Sending.loyalty_club_id == club.id)).all() == []


def test_the_messaging_options_are_checked_when_the_rule_is_saved(client, club, headers, api, factory):
    message_id = email_message(api)
    deleted = email_message(api)
    assert api.delete(f"/generic/{deleted}").status_code == 200
    other_club = factory.club()
    other_api = make_api(client, factory, other_club)
    assert other_api.put("/settings", {"settings": SETTINGS}).status_code == 200
    foreign = email_message(other_api)
    otp = api.post(
        "/otp",
        {
            "message": {
                "channels": [
                    {
                        "type": "sms",
                        "template": {"type": "inline", "definition": {"type": "plain", "content": {"body": "x"}}},
                    }
                ]
            }
        },
    )
    assert otp.status_code == 201, otp.text
    cases = [
        ({}, ("message_id",), "blank"),
        ({"messaging": {"message_id": "1"}}, ("message_id",), "invalid_type"),
        ({"messaging": {"message_id": deleted}}, ("message_id",), "not_found"),
        ({"messaging": {"message_id": foreign}}, ("message_id",), "not_found"),
        ({"messaging": {"message_id": otp.json()["message"]["id"]}}, ("message_id",), "system_service"),
        ({"messaging": {"message_id": message_id, "to": "x"}}, ("to",), "unknown_attribute"),
        ({"messaging": {"message_id": message_id, "properties": [1]}}, ("properties",), "invalid_type"),
    ]
    for options, path, symbol in cases:
        body = {**rule_body(message_id), "options": options}
        response = client.post(f"/v3/{club.slug}/triggerer/rules", json=body, headers=headers)
        assert response.status_code == 422, (options, response.text)
        node = response.json()["details"]["options"]["messaging"]
        for key in path:
            node = node[key]
        assert node[0]["error"] == symbol, (options, response.text)
    created = create_rule(client, club, headers, rule_body(message_id))
    assert created["hook_type"] == "messaging" and created["options"]["messaging"]["message_id"] == message_id
