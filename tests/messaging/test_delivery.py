"""Preparing and transmitting sendings, end to end through a real SMTP server on 127.0.0.1: the audience,
the marketing consent rule, the channel choice, skipped recipients with their reason, exactly one e-mail
per recipient, retries of transient errors and failures with the server's reason, cancel."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from loyaltyhub.events.models import MemberEvent
from loyaltyhub.members.groups import service as groups
from loyaltyhub.messaging.delivery.prepare import prepare_due
from loyaltyhub.messaging.delivery.transmit import transmit_batch
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Dispatch, Sending
from tests.members import factories as members
from tests.messaging.conftest import Api
from tests.messaging.smtp_sink import SmtpSink

CONSENT = {"email_marketing": {"status": True}}


def email_message(service: str = "campaigns", body: str = "Hei {{ member.first_name }} {{ code }}") -> dict:  # type: ignore[type-arg]
    return {
        "message": {
            "name": "Offer",
            "channels": [
                {
                    "type": "email",
                    "template": {
                        "type": "inline",
                        "definition": {
                            "type": "email",
                            "content": {"subject": "News for {{ member.first_name }}", "body": body},
                        },
                    },
                },
                {
                    "type": "sms",
                    "template": {"type": "inline", "definition": {"type": "plain", "content": {"body": "sms"}}},
                },
            ],
        }
    }


def _member(api: Api, n: int, *, email: bool = True, consent: bool = True, msisdn: bool = True):  # type: ignore[no-untyped-def]
    properties = {"first_name": f"Name{n}", "email": f"m{n}@example.com" if email else None}
    member = members.member(api.session, api.club, properties=properties, consents=CONSENT if consent else {})
    if not msisdn:
        member.sms_status = "barred"  # an MSISDN that cannot be used
        api.session.flush()
    return member


def _schedule(api: Api, message_id: int, sending: dict, service: str = "campaigns") -> int:  # type: ignore[type-arg]
    response = api.post(
        f"/{service}/{message_id}/sendings", {"sending": {"schedule": {"type": "immediate"}, **sending}}
    )
    assert response.status_code == 201, response.text
    return response.json()["sending"]["id"]  # type: ignore[no-any-return]


def _dispatches(api: Api, sending_id: int) -> list[Dispatch]:
    api.session.expire_all()
    return list(api.session.execute(select(Dispatch).where(Dispatch.sending_id == sending_id)).scalars())


def test_each_member_dispatch_is_recorded_as_the_members_sending_dispatched_event(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    group = members.group(api.session, api.club)
    reached = [_member(api, n) for n in range(3)]
    groups.add_members(api.session, api.club, group, [m.id for m in reached])
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(
        api,
        message_id,
        {"audience": {"type": "reference", "id": group.id}, "recipients": [{"email": "guest@example.com"}]},
    )
    run_messaging(units, "worker-1")
    assert len(sink.received) == 4
    recorded = api.session.execute(
        select(MemberEvent.member_id, MemberEvent.data, MemberEvent.source).where(
            MemberEvent.type == "sending_dispatched"
        )
    ).all()
    # One per member reached (the guest address has no member), with the sending and channel.
    assert sorted(r.member_id for r in recorded) == sorted(m.id for m in reached)
    assert {(r.data["sending_id"], r.data["channel"], r.source) for r in recorded} == {
        (sending_id, "email", "loyaltyhub")
    }


def test_a_campaign_reaches_each_consenting_member_once(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    group = members.group(api.session, api.club)
    consenting = [_member(api, n) for n in range(30)]
    no_consent = [_member(api, 100 + n, consent=False) for n in range(5)]
    no_address = [_member(api, 200 + n, email=False, consent=False, msisdn=False) for n in range(3)]
    groups.add_members(api.session, api.club, group, [m.id for m in consenting + no_consent + no_address])
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(
        api,
        message_id,
        {
            "audience": {"type": "reference", "id": group.id},
            # A member both in the audience and inline is reached once, with the inline properties.
            "recipients": [
                {"member_id": consenting[0].id, "properties": {"code": "VIP"}},
                {"email": "guest@example.com"},
            ],
            "properties": {"code": "X1"},
        },
    )
    run_messaging(units, "worker-1")
    received = Counter(r.to for r in sink.received)
    expected = {m.email for m in consenting} | {"guest@example.com"}
    assert set(received) == expected and set(received.values()) == {1}
    first = next(r for r in sink.received if r.to == consenting[0].email)
    assert first.message["Subject"] == "News for Name0"
    assert "Hei Name0 VIP" in first.text
    other = next(r for r in sink.received if r.to == consenting[1].email)
    assert "Hei Name1 X1" in other.text

    rows = _dispatches(api, sending_id)
    by_status = Counter(d.transmission_status for d in rows)
    # Members without consent have an SMS address but no SMS marketing consent either.
    assert by_status == {"transmitted": 31, "skipped": 8}
    reasons = Counter(d.skip_reason for d in rows if d.transmission_status == "skipped")
    assert reasons == {"no_marketing_consent": 5, "no_address": 3}
    sending = api.get(f"/campaigns/sendings/{sending_id}").json()["sending"]
    assert sending["status"] == "transmitted" and sending["dispatches_count"] == 39
    assert sending["skipped_count"] == 8 and sending["members_count"] == 38
    assert all(d.provider_message_id and d.attempts == 1 for d in rows if d.transmission_status == "transmitted")
    # Running again sends nothing more.
    run_messaging(units, "worker-2")
    assert len(sink.received) == 31


def test_a_non_marketing_message_reaches_members_without_consent(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    member = _member(api, 1, consent=False)
    message_id = api.post("/generic", email_message("generic")).json()["message"]["id"]
    _schedule(api, message_id, {"recipients": [{"member_id": member.id}]}, service="generic")
    run_messaging(units, "w")
    assert [r.to for r in sink.received] == [member.email]


def test_channel_preference_of_the_sending(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    member = _member(api, 1, consent=False)
    message_id = api.post("/generic", email_message("generic")).json()["message"]["id"]
    sending_id = _schedule(
        api, message_id, {"recipients": [{"member_id": member.id}], "channels_preference": ["sms"]}, service="generic"
    )
    run_messaging(units, "w")
    [dispatch] = _dispatches(api, sending_id)
    # No SMS transport configured: the SMS dispatch fails with that reason; no e-mail is sent.
    assert dispatch.channel == "sms" and dispatch.transmission_status == "failed"
    assert "no sms transport" in (dispatch.error or "")
    assert sink.received == []


def test_a_sending_without_anyone_to_reach_is_skipped(api: Api, units):  # type: ignore[no-untyped-def]
    member = _member(api, 1, email=False, consent=False, msisdn=False)
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(api, message_id, {"recipients": [{"member_id": member.id}]})
    prepare_due(units, "w")
    assert api.get(f"/campaigns/sendings/{sending_id}").json()["sending"]["status"] == "skipped"


def test_transient_errors_are_retried_and_permanent_ones_fail_with_the_reason(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    sink.handler.refuse = {"m1@example.com": "450 mailbox busy", "m2@example.com": "550 no such user"}
    recipients = [_member(api, n) for n in (1, 2, 3)]
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(api, message_id, {"recipients": [{"member_id": m.id} for m in recipients]})
    run_messaging(units, "w")
    rows = {d.address: d for d in _dispatches(api, sending_id)}
    assert rows["m3@example.com"].transmission_status == "transmitted"
    assert rows["m2@example.com"].transmission_status == "failed" and "550" in (rows["m2@example.com"].error or "")
    busy = rows["m1@example.com"]
    assert busy.transmission_status == "retrying" and busy.next_attempt_at is not None and "450" in (busy.error or "")
    assert api.get(f"/campaigns/sendings/{sending_id}").json()["sending"]["status"] == "transmitting"
    # The mailbox frees up; the retry is due.
    sink.handler.refuse = {}
    busy.next_attempt_at = busy.created_at
    api.session.flush()
    run_messaging(units, "w")
    again = {d.address: d for d in _dispatches(api, sending_id)}["m1@example.com"]
    assert again.transmission_status == "transmitted" and again.attempts == 2
    assert api.get(f"/campaigns/sendings/{sending_id}").json()["sending"]["status"] == "transmitted"
    assert Counter(r.to for r in sink.received) == {"m1@example.com": 1, "m3@example.com": 1}


def test_an_unreachable_server_is_retried(api: Api, units):  # type: ignore[no-untyped-def]
    from tests.messaging.smtp_sink import free_port

    api.put(
        "/settings", {"settings": {"email_transport": {"host": "127.0.0.1", "port": free_port(), "security": "none"}}}
    )
    member = _member(api, 1)
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(api, message_id, {"recipients": [{"member_id": member.id}]})
    run_messaging(units, "w")
    [dispatch] = _dispatches(api, sending_id)
    assert dispatch.transmission_status == "retrying" and "connection failed" in (dispatch.error or "")


def test_cancel_midway_stops_delivery(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    recipients = [_member(api, n) for n in range(12)]
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    sending_id = _schedule(api, message_id, {"recipients": [{"member_id": m.id} for m in recipients]})
    prepare_due(units, "w")
    assert transmit_batch(units, "w", size=5) == 5
    assert api.put(f"/campaigns/sendings/{sending_id}/cancel").status_code == 200
    assert transmit_batch(units, "w", size=5) == 0
    rows = _dispatches(api, sending_id)
    assert Counter(d.transmission_status for d in rows) == {"transmitted": 5, "cancelled": 7}
    assert len(sink.received) == 5
    sending = api.session.get(Sending, sending_id)
    assert sending is not None and sending.status == "cancelled"


def test_an_inline_audience_by_conditions(api: Api, sink: SmtpSink, units):  # type: ignore[no-untyped-def]
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    piotr = members.member(
        api.session, api.club, properties={"first_name": "Piotr", "email": "p@example.com"}, consents=CONSENT
    )
    members.member(api.session, api.club, properties={"first_name": "Kari", "email": "k@example.com"}, consents=CONSENT)
    message_id = api.post("/campaigns", email_message()).json()["message"]["id"]
    conditions = [
        {"condition_group": "member_properties", "field": "first_name", "operator": "match", "value": "Piotr"}
    ]
    sending_id = _schedule(api, message_id, {"audience": {"type": "inline", "conditions": conditions}})
    run_messaging(units, "w")
    assert [r.to for r in sink.received] == [piotr.email]
    grammar = {"type": "and", "operations": [{"type": "equal", "field": "marketing_via_email", "value": True}]}
    second = _schedule(api, message_id, {"audience": {"type": "inline", "filter": grammar}})
    run_messaging(units, "w")
    assert sorted(r.to for r in sink.received) == ["k@example.com", "p@example.com", "p@example.com"]
    assert {d.transmission_status for d in _dispatches(api, second)} == {"transmitted"}
    assert len(_dispatches(api, sending_id)) == 1
