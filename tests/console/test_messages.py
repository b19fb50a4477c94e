"""Console messages: compose (channels, audience, schedule) through the Messaging API's schema and service
(the same 422 details, next to the fields), the list, schedule/unschedule, cancel, delete and the results
(dispatches counted by status after the messaging job ran), and who may do what."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.members.groups.models import MemberGroup, MemberGroupMembership
from loyaltyhub.messaging import catalog
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.models import Dispatch, Message, Sending
from tests.conftest import bound_session
from tests.member_offers import factories as mo

SETTINGS = {
    "channels": {
        "sms": {"sender_type": "alphanumeric", "sender_value": "Storo"},
        "email": {"from_name": "Storo", "from_email": "storo@example.com"},
    }
}


@pytest.fixture
def messaging_club(club, session):  # type: ignore[no-untyped-def]
    catalog.update_settings(session, club, SETTINGS)
    session.flush()
    return club


def _errors_of(html: str, field: str) -> list[str]:
    block = re.search(rf'<ul class="field-errors" id="[^"]+" data-field="{re.escape(field)}">(.*?)</ul>', html, re.S)
    return re.findall(r'data-error="([^"]+)"', block.group(1)) if block else []


def _compose(**fields: str) -> dict[str, str]:
    return {
        "service": "campaigns",
        "name": "Black Friday",
        "channel_sms": "on",
        "sms.body": "Hi {{ member.first_name }}, 20% off today",
        "audience": "all",
        "when": "draft",
        **fields,
    }


def _local_in(days: int) -> str:
    return (datetime.now(ZoneInfo("Europe/Oslo")) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_compose_a_scheduled_message_to_a_group_then_unschedule_it(console_as, messaging_club, session):
    club = messaging_club
    member = mo.member(session, club)
    group = MemberGroup(loyalty_club_id=club.id, name="VIP")
    session.add(group)
    session.flush()
    session.add(MemberGroupMembership(loyalty_club_id=club.id, group_id=group.id, member_id=member.id))
    session.flush()
    console = console_as(club)

    form = console.get(f"/console/{club.slug}/messages/new")
    assert form.status_code == 200 and 'name="channel_sms"' in form.text and "VIP" in form.text
    assert 'name="channel_push"' not in form.text  # push is not configured for the club
    at = _local_in(2)
    created = console.post(
        f"/console/{club.slug}/messages", _compose(audience="group", group_id=str(group.id), when="at", at=at)
    )
    assert created.status_code == 303, created.text
    location = created.headers["location"]
    message_id = int(re.search(r"/messages/campaigns/(\d+)\?saved=1$", location).group(1))
    message = session.get(Message, message_id)
    assert message.loyalty_club_id == club.id and message.service == "campaigns" and message.name == "Black Friday"
    sending = session.execute(select(Sending).where(Sending.message_id == message_id)).scalar_one()
    assert sending.status == "scheduled" and sending.audience_id == group.id
    wanted = datetime.strptime(at, "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo("Europe/Oslo"))
    assert sending.scheduled_at.replace(tzinfo=UTC) == wanted.astimezone(UTC)  # the club's wall time

    page = console.get(location)
    assert page.status_code == 200 and "Black Friday" in page.text
    assert f'id="sending-{sending.id}" data-status="scheduled"' in page.text
    assert "Unschedule" in page.text
    listed = console.get(f"/console/{club.slug}/messages?service=campaigns")
    assert f'data-message-id="{message_id}"' in listed.text

    back = console.post(f"/console/{club.slug}/messages/campaigns/sendings/{sending.id}/schedule", {"when": "draft"})
    assert back.status_code == 303
    session.refresh(sending)
    assert sending.status == "draft" and sending.scheduled_at is None


def test_the_apis_422s_are_next_to_the_fields_and_nothing_is_kept(console_as, messaging_club, session):
    club = messaging_club
    console = console_as(club)
    before = session.execute(select(Message).where(Message.loyalty_club_id == club.id)).all()
    refused = console.post(
        f"/console/{club.slug}/messages",
        _compose(**{"sms.body": "Hi {{ member.shoe_size }}", "when": "at", "at": _local_in(-1)}),
    )
    assert refused.status_code == 422
    assert _errors_of(refused.text, "sms.body") == ["unknown_merge_property"]
    assert 'value="Black Friday"' in refused.text  # what was typed stays
    no_channel = console.post(f"/console/{club.slug}/messages", _compose(channel_sms="", when="now"))
    assert no_channel.status_code == 422 and _errors_of(no_channel.text, "channels") == ["blank"]
    past = console.post(f"/console/{club.slug}/messages", _compose(when="at", at=_local_in(-1)))
    assert past.status_code == 422 and _errors_of(past.text, "at") == ["in_the_past"]
    nobody = console.post(f"/console/{club.slug}/messages", _compose(audience="none", when="now"))
    assert nobody.status_code == 422
    assert _errors_of(nobody.text, "audience") == ["sending_must_have_audience_or_recipients"]
    unknown = console.post(f"/console/{club.slug}/messages", _compose(audience="none", member_ids="999999999"))
    assert unknown.status_code == 422 and _errors_of(unknown.text, "member_ids") == ["not_found"]
    bad_filter = console.post(
        f"/console/{club.slug}/messages",
        _compose(audience="filter", filter='{"type": "equal", "field": "shoe_size", "value": 1}'),
    )
    assert bad_filter.status_code == 422 and _errors_of(bad_filter.text, "filter")
    after = session.execute(select(Message).where(Message.loyalty_club_id == club.id)).all()
    assert len(after) == len(before)


@contextmanager
def _unit(connection, services) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    session = bound_session(connection, services)
    try:
        with session.begin():
            yield session
    finally:
        session.close()


def test_send_now_and_see_the_results(console_as, messaging_club, session, connection, services):
    club = messaging_club
    reached = mo.member(session, club, sms_status="enabled", email_status="disabled")
    no_address = mo.member(session, club, msisdn=None, sms_status="disabled", email_status="disabled")
    console = console_as(club)
    created = console.post(
        f"/console/{club.slug}/messages",
        _compose(service="generic", audience="none", member_ids=f"{reached.id}, {no_address.id}", when="now"),
    )
    assert created.status_code == 303, created.text
    run_messaging(lambda *, write: _unit(connection, services), "console-test", budget_seconds=5)
    page = console.get(created.headers["location"])
    sending = session.execute(
        select(Sending).join(Message, Message.id == Sending.message_id).where(Message.loyalty_club_id == club.id)
    ).scalar_one()
    counts = {}
    for status in session.execute(select(Dispatch.transmission_status).where(Dispatch.sending_id == sending.id)):
        counts[status[0]] = counts.get(status[0], 0) + 1
    assert sum(counts.values()) == 2 and counts.get("skipped") == 1
    table = re.search(rf'<table class="data results" id="results-{sending.id}">(.*?)</table>', page.text, re.S)
    assert table, page.text
    shown = dict(re.findall(r'<tr data-result="([a-z]+)"><td>[a-z]+</td><td>(\d+)</td></tr>', table.group(1)))
    assert {k: int(v) for k, v in shown.items()} == counts


def test_cancel_a_sending_in_progress_and_delete_a_message(console_as, messaging_club, session):
    club = messaging_club
    member = mo.member(session, club)
    console = console_as(club)
    created = console.post(f"/console/{club.slug}/messages", _compose(member_ids=str(member.id), when="now"))
    message_id = int(re.search(r"/(\d+)\?saved=1$", created.headers["location"]).group(1))
    sending = session.execute(select(Sending).where(Sending.message_id == message_id)).scalar_one()
    not_yet = console.post(f"/console/{club.slug}/messages/campaigns/sendings/{sending.id}/cancel")
    assert not_yet.status_code == 405  # scheduled, not in progress: the API's rule
    sending.status = "transmitting"  # as the worker leaves it mid-way
    session.flush()
    page = console.get(f"/console/{club.slug}/messages/campaigns/{message_id}")
    assert "Cancel sending" in page.text
    cancelled = console.post(f"/console/{club.slug}/messages/campaigns/sendings/{sending.id}/cancel")
    assert cancelled.status_code == 303
    session.refresh(sending)
    assert sending.status == "cancelled"
    deleted = console.post(f"/console/{club.slug}/messages/campaigns/{message_id}/delete")
    assert deleted.status_code == 303
    session.refresh(session.get(Message, message_id))
    assert session.get(Message, message_id).deleted_at is not None
    assert console.get(f"/console/{club.slug}/messages/campaigns/{message_id}").status_code == 404


def test_roles_and_services(console_as, messaging_club):
    club = messaging_club
    analyst = console_as(club, role="analyst")
    assert 'href="/console/' + club.slug + '/messages"' not in analyst.get(f"/console/{club.slug}/offers").text
    refused = analyst.get(f"/console/{club.slug}/messages")
    assert refused.status_code == 403 and "Missing permit Messages:Api:Messages:Index" in refused.text
    assert analyst.post(f"/console/{club.slug}/messages", _compose()).status_code == 403
    admin = console_as(club)
    assert admin.get(f"/console/{club.slug}/messages?service=nope").status_code == 404
    assert admin.get(f"/console/{club.slug}/messages/new?service=tenants").status_code == 200
    assert admin.post(f"/console/{club.slug}/messages", _compose(), csrf=False).status_code == 403
