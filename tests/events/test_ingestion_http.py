"""Member events in: one member (me or by id) and in bulk; every documented error; duplicates."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from loyaltyhub.db.base import utcnow
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.events.types import CLIENT_TYPES
from tests.events.factories import body
from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def token(factory, club):
    return factory.client_token([club])


@pytest.fixture
def member(session, club):
    return members.member(session, club)


def stored(session, club) -> list[MemberEvent]:
    """The club's events sent by clients (not those loyaltyhub recorded itself, such as sign-ups)."""
    return list(
        session.execute(
            select(MemberEvent)
            .where(MemberEvent.loyalty_club_id == club.id, MemberEvent.type.in_(CLIENT_TYPES))
            .order_by(MemberEvent.id)
        )
        .scalars()
        .all()
    )


def post_member(client, factory, club, token, member_ref, payload, **headers):
    return client.post(
        f"/v3/{club.slug}/members/{member_ref}/events", json=payload, headers=factory.headers(token, **headers)
    )


def test_register_events_of_a_member_by_id(client, factory, session, club, token, member):
    payload = body(
        {"type": "app_opened", "data": {"platform": "ios"}},
        {"type": "coupon_used", "data": {"offer_id": 7}},
    )
    response = post_member(client, factory, club, token, member.id, payload, **{"X-Product-Name": "ios-app"})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["created"] == 2 and answer["duplicates"] == 0
    assert [e["status"] for e in answer["events"]] == ["created", "created"]
    rows = stored(session, club)
    assert [(r.type, r.member_id, r.source, r.data) for r in rows] == [
        ("app_opened", member.id, "ios-app", {"platform": "ios"}),
        ("coupon_used", member.id, "ios-app", {"offer_id": 7}),
    ]
    assert [r.client_event_id for r in rows] == [e["client_event_id"] for e in payload["events"]]


def test_register_events_of_the_current_member(client, factory, session, club, token, member):
    access = members.access_token(session, member)
    response = post_member(
        client, factory, club, token, "me", body({"type": "wifi_approached"}), Authorization=f"Bearer {access}"
    )
    assert response.status_code == 200, response.text
    assert [r.member_id for r in stored(session, club)] == [member.id]


def test_me_without_a_valid_member_token_is_460(client, factory, club, token):
    response = post_member(client, factory, club, token, "me", body({"type": "app_opened"}), Authorization="Bearer x")
    assert response.status_code == 460


def test_a_guest_has_no_events(client, factory, club, token):
    response = post_member(client, factory, club, token, "guest", body({"type": "app_opened"}))
    assert response.status_code == 405
    assert response.json() == {"error": "Not possible for a guest"}


def test_unknown_member_is_404(client, factory, club, token):
    response = post_member(client, factory, club, token, 999999999, body({"type": "app_opened"}))
    assert response.status_code == 404
    assert response.json() == {"error": "Member#999999999 not found"}


def test_missing_permit_is_403(client, factory, club, member):
    token = factory.client_token([club], permits=["Data:Api:MemberEvents:List"])
    response = post_member(client, factory, club, token, member.id, body({"type": "app_opened"}))
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Data:Api:MemberEvents:Create"}


def test_public_api_headers_are_required(client, club, token, member):
    response = client.post(
        f"/v3/{club.slug}/members/{member.id}/events",
        json=body({"type": "app_opened"}),
        headers={"X-Client-Authorization": token},
    )
    assert response.status_code == 470


def test_a_retried_batch_is_not_counted_twice(client, factory, session, club, token, member):
    payload = body({"type": "app_opened"}, {"type": "push_opened"})
    first = post_member(client, factory, club, token, member.id, payload).json()
    again = post_member(client, factory, club, token, member.id, payload).json()
    assert again["created"] == 0 and again["duplicates"] == 2
    assert [e["id"] for e in again["events"]] == [e["id"] for e in first["events"]]
    assert [e["status"] for e in again["events"]] == ["duplicate", "duplicate"]
    assert len(stored(session, club)) == 2


def test_the_same_client_id_twice_in_one_batch_is_stored_once(client, factory, session, club, token, member):
    key = str(uuid.uuid4())
    payload = {"events": [{"type": "app_opened", "client_event_id": key}] * 2}
    answer = post_member(client, factory, club, token, member.id, payload).json()
    assert [e["status"] for e in answer["events"]] == ["created", "duplicate"]
    assert answer["events"][0]["id"] == answer["events"][1]["id"]
    assert len(stored(session, club)) == 1


@pytest.mark.parametrize(
    ("event", "path", "symbol"),
    [
        ({"type": "nap_taken"}, ("type",), "inclusion"),
        ({"type": "offer_used", "data": {"offer_id": 1}}, ("type",), "produced_by_loyaltyhub"),
        ({"type": "coupon_used"}, ("data", "offer_id"), "blank"),
        ({"type": "coupon_used", "data": {"offer_id": "x"}}, ("data", "offer_id"), "invalid_type"),
        ({"type": "app_opened", "data": {"colour": "red"}}, ("data", "colour"), "unknown_attribute"),
        ({"type": "app_opened", "data": {"platform": "amiga"}}, ("data", "platform"), "inclusion"),
        ({"type": "geofence_approached", "data": {"geofence_id": "g", "latitude": 91}}, ("data", "latitude"), None),
        ({"type": "app_opened", "occurred_at": "2030-01-01T00:00:00Z"}, ("occurred_at",), "in_future"),
        ({"type": "app_opened", "occurred_at": "2020-01-01T00:00:00Z"}, ("occurred_at",), "too_old"),
        ({"type": "app_opened", "occurred_at": "2026-01-01T00:00:00"}, ("occurred_at",), None),
        ({"type": "app_opened", "client_event_id": ""}, ("client_event_id",), "too_short"),
        ({"type": "app_opened", "client_event_id": "a b"}, ("client_event_id",), "invalid_format"),
        ({"type": "app_opened", "member_id": 1}, ("member_id",), "unknown_attribute"),
    ],
)
def test_invalid_events_are_422_and_nothing_is_written(
    client, factory, session, club, token, member, event, path, symbol
):
    payload = body({"type": "app_opened"}, event)
    response = post_member(client, factory, club, token, member.id, payload)
    assert response.status_code == 422, response.text
    answer = response.json()
    assert answer["error"] == "Invalid parameters"
    node = answer["details"]["events"]["1"]
    for key in path:
        node = node[key]
    if symbol is not None:
        assert node[0]["error"] == symbol, node
    assert "0" not in answer["details"]["events"]
    assert stored(session, club) == []


def test_an_unknown_type_names_the_client_types(client, factory, club, token, member):
    response = post_member(client, factory, club, token, member.id, body({"type": "nap_taken"}))
    assert response.json()["details"]["events"]["0"]["type"][0]["options"]["in"] == list(CLIENT_TYPES)


def test_a_missing_client_event_id_is_blank(client, factory, club, token, member):
    response = post_member(client, factory, club, token, member.id, {"events": [{"type": "app_opened"}]})
    assert response.json()["details"]["events"]["0"]["client_event_id"][0]["error"] == "blank"


@pytest.mark.parametrize(("count", "symbol"), [(0, "too_short"), (101, "too_long")])
def test_batch_sizes(client, factory, club, token, member, count, symbol):
    payload = body(*[{"type": "app_opened"}] * count)
    response = post_member(client, factory, club, token, member.id, payload)
    assert response.status_code == 422
    assert response.json()["details"]["events"][0]["error"] == symbol


def test_occurred_at_is_kept_and_defaults_to_now(client, factory, session, club, token, member):
    earlier = (utcnow() - timedelta(days=2)).replace(microsecond=0)
    payload = body({"type": "app_opened", "occurred_at": earlier.isoformat()}, {"type": "app_opened"})
    assert post_member(client, factory, club, token, member.id, payload).status_code == 200
    first, second = stored(session, club)
    assert first.occurred_at == earlier
    assert abs(second.occurred_at - utcnow()) < timedelta(minutes=1)


# --- bulk ---------------------------------------------------------------------------------------------


def post_bulk(client, factory, club, token, payload, **headers):
    return client.post(f"/v3/{club.slug}/member_events/bulk", json=payload, headers=factory.headers(token, **headers))


def test_bulk_registers_events_of_many_members(client, factory, session, club, token):
    people = [members.member(session, club) for _ in range(3)]
    payload = body(*[{"type": "app_opened", "member_id": m.id} for m in people for _ in range(2)])
    response = post_bulk(client, factory, club, token, payload, **{"X-Product-Name": "crm-sync"})
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 6
    rows = stored(session, club)
    assert sorted({r.member_id for r in rows}) == sorted(m.id for m in people)
    assert {r.source for r in rows} == {"crm-sync"}


def test_bulk_of_1000_events(client, factory, session, club, token, member):
    payload = body(*[{"type": "link_clicked", "member_id": member.id, "data": {"url": "https://x.test"}}] * 1000)
    response = post_bulk(client, factory, club, token, payload)
    assert response.status_code == 200, response.text
    assert response.json()["created"] == 1000
    count = session.execute(
        select(func.count()).where(MemberEvent.loyalty_club_id == club.id, MemberEvent.type == "link_clicked")
    ).scalar_one()
    assert count == 1000


def test_bulk_over_1000_is_422(client, factory, club, token, member):
    payload = body(*[{"type": "app_opened", "member_id": member.id}] * 1001)
    response = post_bulk(client, factory, club, token, payload)
    assert response.status_code == 422
    assert response.json()["details"]["events"][0]["error"] == "too_long"


def test_bulk_with_a_member_of_another_club_is_refused_whole(client, factory, session, club, token, member):
    stranger = members.member(session, factory.club())
    payload = body({"type": "app_opened", "member_id": member.id}, {"type": "app_opened", "member_id": stranger.id})
    response = post_bulk(client, factory, club, token, payload)
    assert response.status_code == 422
    assert response.json()["details"] == {"events": {"1": {"member_id": [{"error": "not_found", "options": {}}]}}}
    assert stored(session, club) == []


def test_bulk_member_id_is_required(client, factory, club, token):
    response = post_bulk(client, factory, club, token, body({"type": "app_opened"}))
    assert response.status_code == 422
    assert response.json()["details"]["events"]["0"]["member_id"][0]["error"] == "blank"


def test_bulk_needs_the_create_permit(client, factory, club, member):
    token = factory.client_token([club], permits=["Data:Api:MemberEvents:List"])
    response = post_bulk(client, factory, club, token, body({"type": "app_opened", "member_id": member.id}))
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Data:Api:MemberEvents:Create"}


def test_bulk_with_a_staff_user_token(client, factory, session, club, member):
    user = factory.user_token([club])
    response = client.post(
        f"/v3/{club.slug}/member_events/bulk",
        json=body({"type": "app_opened", "member_id": member.id}),
        headers={"Authorization": f"Bearer {user}"},
    )
    assert response.status_code == 200, response.text
    assert stored(session, club)[0].source is None


def test_loyaltyhub_records_sign_ups_itself(session, club, member):
    (signed_up,) = session.execute(
        select(MemberEvent).where(MemberEvent.loyalty_club_id == club.id, MemberEvent.member_id == member.id)
    ).scalars()
    assert (signed_up.type, signed_up.source, signed_up.data) == (
        "member_signed_up",
        "loyaltyhub",
        {"optin_channel": "android-app"},
    )


def test_bulk_retry_after_a_partial_duplicate(client, factory, session, club, token, member):
    first = body({"type": "app_opened", "member_id": member.id})
    post_bulk(client, factory, club, token, first)
    payload = {"events": [*first["events"], *body({"type": "app_opened", "member_id": member.id})["events"]]}
    answer = post_bulk(client, factory, club, token, payload).json()
    assert [e["status"] for e in answer["events"]] == ["duplicate", "created"]
    assert len(stored(session, club)) == 2


def test_client_event_ids_are_per_club(client, factory, session, club, token, member):
    other = factory.club()
    other_member = members.member(session, other)
    payload = body({"type": "app_opened", "member_id": member.id})
    assert post_bulk(client, factory, club, token, payload).json()["created"] == 1
    payload["events"][0]["member_id"] = other_member.id
    other_token = factory.client_token([other])
    assert post_bulk(client, factory, other, other_token, payload).json()["created"] == 1
