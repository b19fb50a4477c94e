"""Member events out: list with filters and pages, show, and the event types schema."""

from __future__ import annotations

from datetime import timedelta

import pytest

from loyaltyhub.db.base import utcnow
from tests.events import factories
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def test_list_newest_first_with_filters(client, session, club, headers):
    ola, kari = members.member(session, club), members.member(session, club)
    now = utcnow()
    old = factories.event(session, club, member=ola, occurred_at=now - timedelta(days=3))
    mid = factories.event(session, club, member=kari, type="push_opened", occurred_at=now - timedelta(days=2))
    new = factories.event(
        session, club, member=ola, type="push_opened", occurred_at=now - timedelta(days=1), source="web"
    )

    def ids(**params):
        response = client.get(f"/v3/{club.slug}/member_events", params=params, headers=headers)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["events"] if e["source"] != "loyaltyhub"]

    assert ids() == [new.id, mid.id, old.id]
    assert ids(sort_direction="asc") == [old.id, mid.id, new.id]
    assert ids(member_ids=str(ola.id)) == [new.id, old.id]
    assert ids(types="push_opened") == [new.id, mid.id]
    assert ids(types="push_opened,app_opened", member_ids=f"{ola.id},{kari.id}") == [new.id, mid.id, old.id]
    assert ids(source="web") == [new.id]
    window = {"occurred_from": (now - timedelta(days=2, hours=1)).isoformat(), "occurred_to": now.isoformat()}
    assert ids(**window) == [new.id, mid.id]


def test_list_pages(client, session, club, headers):
    member = members.member(session, club)
    for _ in range(3):
        factories.event(session, club, member=member)
    params = {"per_page": 2, "page_no": 2, "types": "app_opened"}
    response = client.get(f"/v3/{club.slug}/member_events", params=params, headers=headers)
    answer = response.json()
    assert len(answer["events"]) == 1
    assert answer["pagination_info"]["total_count"] == 3 and answer["pagination_info"]["total_pages"] == 2


@pytest.mark.parametrize(
    ("params", "key"),
    [
        ({"member_ids": "x"}, "member_ids"),
        ({"occurred_from": "yesterday"}, "occurred_from"),
        ({"occurred_from": "2026-01-01T00:00:00"}, "occurred_from"),
        ({"sort_direction": "up"}, "sort_direction"),
        ({"per_page": 101}, "per_page"),
    ],
)
def test_invalid_list_parameters_are_422(client, club, headers, params, key):
    response = client.get(f"/v3/{club.slug}/member_events", params=params, headers=headers)
    assert response.status_code == 422
    assert key in response.json()["details"]


def test_list_needs_the_list_permit(client, factory, club):
    token = factory.client_token([club], permits=["Data:Api:MemberEvents:Create"])
    response = client.get(f"/v3/{club.slug}/member_events", headers=factory.headers(token))
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Data:Api:MemberEvents:List"}


def test_show(client, session, club, headers):
    event = factories.event(session, club, type="coupon_used", data={"offer_id": 3})
    response = client.get(f"/v3/{club.slug}/member_events/{event.id}", headers=headers)
    assert response.status_code == 200
    shown = response.json()
    assert shown["type"] == "coupon_used" and shown["data"] == {"offer_id": 3}
    assert shown["member_id"] == event.member_id and shown["client_event_id"] == event.client_event_id
    assert shown["occurred_at"].endswith("Z")


def test_show_unknown_is_404(client, club, headers):
    response = client.get(f"/v3/{club.slug}/member_events/987654321", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"error": "MemberEvent#987654321 not found"}


def test_unknown_club_is_404(client, factory):
    token = factory.client_token(is_global=True)
    response = client.get("/v3/no-such-club/member_events", headers=factory.headers(token))
    assert response.status_code == 404


def test_event_types_schema(client, club, headers):
    response = client.get(f"/v3/{club.slug}/member_events/types", headers=headers)
    assert response.status_code == 200
    types = {t["type"]: t for t in response.json()["event_types"]}
    achievement = {
        "app_opened",
        "coupon_used",
        "link_clicked",
        "email_opened",
        "push_opened",
        "wifi_approached",
        "geofence_approached",
        "beacon_approached",
        "consent_granted",
    }
    assert achievement <= set(types)
    assert {name for name, t in types.items() if t["produced_by"] == "client"} == achievement
    assert {"member_signed_up", "offer_used", "points_earned", "sending_opened"} <= set(types)
    # What messaging and receipts record, with the data rules' conditions can name.
    for name in ("sending_opened", "sending_clicked"):
        assert types[name]["produced_by"] == "loyaltyhub"
        assert set(types[name]["schema"]["properties"]) == {"sending_id", "channel", "url"}
        assert types[name]["schema"]["required"] == ["sending_id"]
    assert set(types["receipt_accepted"]["schema"]["properties"]) == {"receipt_id", "amount"}
    coupon = types["coupon_used"]["schema"]
    assert coupon["required"] == ["offer_id"] and coupon["additionalProperties"] is False
    assert types["coupon_used"]["description"] == "Member used some coupon"
