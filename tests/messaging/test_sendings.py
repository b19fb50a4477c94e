"""Sendings: create, show, update, cancel, dispatches and members; the nine statuses' editable and
cancellable rules (405 with the vendor's messages); schedules in the club's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from loyaltyhub.messaging.models import Dispatch, Sending
from loyaltyhub.messaging.rules import STATUSES
from tests.members import factories as members
from tests.messaging.conftest import Api, error_at, sms_message


@pytest.fixture
def message_id(api: Api) -> int:
    return api.post("/generic", sms_message()).json()["message"]["id"]  # type: ignore[no-any-return]


def _sending(api: Api, message_id: int, body: dict) -> dict:  # type: ignore[type-arg]
    response = api.post(f"/generic/{message_id}/sendings", {"sending": body})
    assert response.status_code == 201, response.text
    return response.json()["sending"]  # type: ignore[no-any-return]


def test_create_show_and_schedule_kinds(api: Api, message_id: int):
    draft = _sending(api, message_id, {"audience": {"type": "inline", "conditions": []}, "draft": True})
    assert draft["status"] == "draft" and draft["scheduled_at"] is None and draft["editable"] is True
    immediate = _sending(api, message_id, {"schedule": {"type": "immediate"}, "recipients": [{"msisdn": "4740485124"}]})
    assert immediate["status"] == "scheduled" and immediate["scheduled_with"] == {"type": "immediate"}
    relative = _sending(
        api, message_id, {"schedule": {"type": "relative", "in": "5 minutes"}, "recipients": [{"msisdn": "4740485124"}]}
    )
    at = datetime.fromisoformat(relative["scheduled_at"])
    assert timedelta(minutes=4) < at - datetime.now(UTC) <= timedelta(minutes=5)
    shown = api.get(f"/generic/sendings/{relative['id']}")
    assert shown.status_code == 200 and shown.json()["sending"] == relative
    assert api.get("/generic/sendings/999999").json() == {"error": "Sending not found"}


def test_absolute_time_without_offset_is_in_the_clubs_timezone(api: Api, message_id: int):
    # The club is in Europe/Oslo: noon in Oslo on a winter day is 11:00 UTC.
    year = datetime.now(UTC).year + 1
    sending = _sending(
        api,
        message_id,
        {"schedule": {"type": "absolute", "at": f"{year}-01-15T12:00:00"}, "recipients": [{"msisdn": "4740485124"}]},
    )
    assert datetime.fromisoformat(sending["scheduled_at"]) == datetime(year, 1, 15, 11, 0, tzinfo=UTC)
    past = api.post(
        f"/generic/{message_id}/sendings",
        {
            "sending": {
                "schedule": {"type": "absolute", "at": "2020-10-18T10:59:32.340Z"},
                "recipients": [{"msisdn": "4740485124"}],
            }
        },
    )
    assert error_at(past, "sending", "schedule", "at") == ["in_the_past"]


def test_schedule_errors(api: Api, message_id: int):
    recipients = [{"msisdn": "4740485124"}]
    absolute = api.post(
        f"/generic/{message_id}/sendings", {"sending": {"schedule": {"type": "absolute"}, "recipients": recipients}}
    )
    assert error_at(absolute, "sending", "schedule", "at") == ["blank"]
    relative = api.post(
        f"/generic/{message_id}/sendings",
        {"sending": {"schedule": {"type": "relative", "in": "soon"}, "recipients": recipients}},
    )
    assert error_at(relative, "sending", "schedule", "in") == ["invalid_format"]


def test_a_scheduled_sending_must_have_audience_or_recipients(api: Api, message_id: int):
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"schedule": {"type": "immediate"}}})
    assert response.status_code == 422
    assert error_at(response, "sending") == ["sending_must_have_audience_or_recipients"]


def test_audience_reference_and_conditions(api: Api, message_id: int):
    group = members.group(api.session, api.club)
    sending = _sending(api, message_id, {"audience": {"type": "reference", "id": group.id}, "draft": True})
    assert sending["audience_id"] == group.id
    # The docs' example #2 writes an inline audience with an id: it names a group too.
    assert _sending(api, message_id, {"audience": {"type": "inline", "id": group.id}})["audience_id"] == group.id
    missing = api.post(
        f"/generic/{message_id}/sendings", {"sending": {"audience": {"type": "reference", "id": 999999}}}
    )
    assert error_at(missing, "sending", "audience", "id") == ["not_found"]
    conditions = {
        "type": "inline",
        "conditions": [
            {"condition_group": "member_properties", "field": "first_name", "operator": "match", "value": "Piotr"}
        ],
    }
    assert _sending(api, message_id, {"audience": conditions})["audience"]["conditions"][0]["field"] == "first_name"
    bad_field = {"type": "inline", "conditions": [{"field": "shoe_size", "operator": "equal", "value": 1}]}
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"audience": bad_field}})
    assert error_at(response, "sending", "audience", "conditions", "operations", "0", "field") == ["inclusion"]
    bad_operator = {"type": "inline", "conditions": [{"field": "gender", "operator": "like", "value": "x"}]}
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"audience": bad_operator}})
    assert error_at(response, "sending", "audience", "conditions", "0", "operator") == ["inclusion"]
    grammar = {"type": "inline", "filter": {"type": "equal", "field": "marketing_via_sms", "value": True}}
    assert _sending(api, message_id, {"audience": grammar})["audience"]["filter"]["field"] == "marketing_via_sms"


def test_recipient_rules(api: Api, message_id: int):
    member = members.member(api.session, api.club)
    sending = _sending(
        api,
        message_id,
        {"recipients": [{"member_id": member.id, "msisdn": "ignored", "properties": {"first_name": "Piotr"}}]},
    )
    assert sending["recipients"] == [
        {
            "member_id": member.id,
            "msisdn": None,
            "email": None,
            "app_token": None,
            "properties": {"first_name": "Piotr"},
        }
    ]
    # An SMS message needs an msisdn of a recipient that is not a member.
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"recipients": [{"email": "jan@example.com"}]}})
    assert error_at(response, "sending", "recipients", "0") == ["identifier_required"]
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"recipients": [{"member_id": 999999}]}})
    assert error_at(response, "sending", "recipients", "0", "member_id") == ["not_found"]
    response = api.post(f"/generic/{message_id}/sendings", {"sending": {"recipients": [{"msisdn": "12"}]}})
    assert error_at(response, "sending", "recipients", "0", "msisdn") == ["invalid_msisdn"]


def test_update_is_partial_and_can_unschedule(api: Api, message_id: int):
    sending = _sending(api, message_id, {"schedule": {"type": "immediate"}, "recipients": [{"msisdn": "4740485124"}]})
    url = f"/generic/sendings/{sending['id']}"
    unscheduled = api.put(url, {"sending": {"schedule": None}})
    assert unscheduled.status_code == 200
    assert unscheduled.json()["sending"]["status"] == "draft"
    assert unscheduled.json()["sending"]["recipients"] == sending["recipients"]
    cleared = api.put(url, {"sending": {"recipients": []}}).json()["sending"]
    assert cleared["recipients"] == []
    rescheduled = api.put(url, {"sending": {"schedule": {"type": "immediate"}}})
    assert error_at(rescheduled, "sending") == ["sending_must_have_audience_or_recipients"]
    assert api.get(url).json()["sending"]["status"] == "draft"  # nothing written


def _force_status(api: Api, sending_id: int, status: str) -> None:
    row = api.session.get(Sending, sending_id)
    assert row is not None
    row.status = status
    api.session.flush()


@pytest.mark.parametrize("status", STATUSES)
def test_editable_and_cancellable_by_status(api: Api, message_id: int, status: str):
    sending = _sending(api, message_id, {"draft": True, "recipients": [{"msisdn": "4740485124"}]})
    _force_status(api, sending["id"], status)
    url = f"/generic/sendings/{sending['id']}"
    updated = api.put(url, {"sending": {"properties": {"a": 1}}})
    if status in ("draft", "scheduled"):
        assert updated.status_code == 200
    else:
        assert updated.status_code == 405
        assert updated.json() == {"error": "Sending is not editable - execution process has started or finished"}
    cancelled = api.put(url + "/cancel")
    if status in ("preparing", "prepared", "transmitting"):
        assert cancelled.status_code == 200 and cancelled.json()["sending"]["status"] == "cancelled"
    else:
        assert cancelled.status_code == 405
        assert cancelled.json() == {"error": "Sending is not cancellable - execution is not in progress"}


def test_cancel_stops_the_remaining_dispatches(api: Api, message_id: int):
    sending = _sending(api, message_id, {"draft": True, "recipients": [{"msisdn": "4740485124"}]})
    _force_status(api, sending["id"], "transmitting")
    for n, status in enumerate(("transmitted", "pending", "retrying")):
        api.session.add(
            Dispatch(
                loyalty_club_id=api.club.id,
                sending_id=sending["id"],
                recipient_key=f"sms:47404851{n:02d}",
                channel="sms",
                address=f"47404851{n:02d}",
                transmission_status=status,
            )
        )
    api.session.flush()
    assert api.put(f"/generic/sendings/{sending['id']}/cancel").status_code == 200
    listed = api.get(f"/generic/sendings/{sending['id']}/dispatches").json()["dispatches"]
    assert sorted(d["transmission_status"] for d in listed) == ["cancelled", "cancelled", "transmitted"]
    assert {d["msisdn"] for d in listed} == {"4740485100", "4740485101", "4740485102"}
    only = api.get(f"/generic/sendings/{sending['id']}/dispatches", params={"transmission_status": "transmitted"})
    assert [d["msisdn"] for d in only.json()["dispatches"]] == ["4740485100"]
    by_msisdn = api.get(f"/generic/sendings/{sending['id']}/dispatches", params={"msisdn": "4740485101"})
    assert by_msisdn.json()["pagination_info"]["total_count"] == 1


def test_dispatch_members(api: Api, message_id: int):
    sending = _sending(api, message_id, {"draft": True, "recipients": [{"msisdn": "4740485124"}]})
    member = members.member(api.session, api.club)
    api.session.add(
        Dispatch(
            loyalty_club_id=api.club.id,
            sending_id=sending["id"],
            recipient_key=f"member:{member.id}",
            member_id=member.id,
            channel="sms",
            address=member.msisdn,
            transmission_status="transmitted",
        )
    )
    api.session.flush()
    response = api.get(f"/generic/sendings/{sending['id']}/dispatches/members")
    assert response.status_code == 200
    assert response.json()["dispatch_members"] == [
        {
            "member_id": member.id,
            "dispatches_count": 1,
            "transmission_status": "transmitted",
            "delivery_status": "unknown",
        }
    ]
    bad = api.get(f"/generic/sendings/{sending['id']}/dispatches", params={"transmission_status": "nonsense"})
    assert bad.status_code == 422


def test_message_not_found_for_a_new_sending(api: Api):
    response = api.post("/generic/999999/sendings", {"sending": {"draft": True}})
    assert response.status_code == 404 and response.json() == {"error": "Message not found"}
