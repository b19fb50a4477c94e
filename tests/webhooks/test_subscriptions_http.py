"""Webhook subscriptions CRUD, the event types, the deliveries list and log, redelivery: every error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from loyaltyhub.app import create_app
from loyaltyhub.webhooks.catalog import EVENT_TYPES
from loyaltyhub.webhooks.models import WebhookDelivery
from tests.webhooks import factories


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def url(club, rest=""):
    return f"/v3/{club.slug}/webhooks{rest}"


def create(client, club, headers, **body):
    payload = {"url": "https://hooks.example.com/in", "event_types": ["member.created"], **body}
    return client.post(url(club, "/subscriptions"), json=payload, headers=headers)


def test_create_show_list_update_delete(client, club, headers):
    response = create(client, club, headers, description="CRM", event_types=["member.created", "offer.updated"])
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["secret"].startswith("whsec_") and len(created["secret_token"]) >= 32
    assert created["active"] is True and created["payload_version"] == "standard"
    assert created["event_types"] == ["member.created", "offer.updated"]
    shown = client.get(url(club, f"/subscriptions/{created['id']}"), headers=headers).json()
    assert shown == created
    listed = client.get(url(club, "/subscriptions"), headers=headers).json()
    assert [s["id"] for s in listed["subscriptions"]] == [created["id"]]
    assert listed["pagination_info"]["total_count"] == 1
    patched = client.patch(
        url(club, f"/subscriptions/{created['id']}"), json={"active": False, "description": None}, headers=headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["active"] is False and patched.json()["description"] is None
    # a GET body can be sent back as a PATCH
    again = client.patch(url(club, f"/subscriptions/{created['id']}"), json=patched.json(), headers=headers)
    assert again.status_code == 200, again.text
    assert client.delete(url(club, f"/subscriptions/{created['id']}"), headers=headers).status_code == 204
    gone = client.get(url(club, f"/subscriptions/{created['id']}"), headers=headers)
    assert gone.status_code == 404
    assert gone.json() == {"error": f"WebhookSubscription#{created['id']} not found"}


@pytest.mark.parametrize(
    ("body", "path", "symbol"),
    [
        ({"url": "ftp://x.example.com"}, ("url",), "invalid_target"),
        ({"url": ""}, ("url",), "too_short"),
        ({"event_types": []}, ("event_types",), "too_short"),
        ({"event_types": ["member.exploded"]}, ("event_types", "0"), "inclusion"),
        (
            {"payload_version": "members_v2", "event_types": ["offer.created"]},
            ("event_types", "0"),
            "not_a_member_event",
        ),
        ({"payload_version": "v3"}, ("payload_version",), "inclusion"),
        ({"secret": "mine"}, ("secret",), "unknown_attribute"),
    ],
)
def test_invalid_subscriptions_are_422(client, club, headers, body, path, symbol):
    response = create(client, club, headers, **body)
    assert response.status_code == 422, response.text
    node = response.json()["details"]
    for key in path:
        node = node[key]
    assert node[0]["error"] == symbol


def test_update_errors(client, club, headers):
    created = create(client, club, headers).json()
    target = url(club, f"/subscriptions/{created['id']}")
    response = client.patch(target, json={"event_types": ["nope"]}, headers=headers)
    assert response.status_code == 422
    response = client.patch(target, json={"secret": "whsec_other", "description": "x"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["details"]["secret"][0]["error"] == "read_only"
    response = client.patch(target, json={}, headers=headers)
    assert response.status_code == 422


def test_private_targets_are_refused_unless_allowed(settings, engine, connection, services, factory, club, headers):
    from fastapi.testclient import TestClient

    from tests.conftest import bound_session

    strict = settings.model_copy(update={"webhook_allow_private_targets": False})
    app = create_app(
        strict,
        engine=engine,
        services=services,
        session_factory=lambda _write: bound_session(connection, services),
        start_background_jobs=False,
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        for target in ("https://127.0.0.1/in", "https://10.1.2.3/in", "https://[::1]/in", "https://localhost/in"):
            response = create(client, club, headers, url=target)
            assert response.status_code == 422, target
            assert response.json()["details"]["url"][0]["error"] == "invalid_target"
        response = create(client, club, headers, url="http://hooks.example.com/in")
        assert response.json()["details"]["url"][0]["options"] == {"reason": "must use https"}
        assert create(client, club, headers, url="https://hooks.example.com/in").status_code == 201


def test_permits(client, factory, club):
    token = factory.client_token([club], permits=["Webhooks:Api:Subscriptions:List"])
    response = create(client, club, factory.headers(token))
    assert response.status_code == 403
    assert response.json() == {"error": "Missing permit Webhooks:Api:Subscriptions:Create"}
    token = factory.client_token([club], permits=["Webhooks:Api:Subscriptions:Create"])
    response = client.get(url(club, "/subscriptions"), headers=factory.headers(token))
    assert response.json() == {"error": "Missing permit Webhooks:Api:Subscriptions:List"}


def test_event_types(client, club, headers):
    answer = client.get(url(club, "/event_types"), headers=headers).json()
    assert [t["type"] for t in answer["event_types"]] == list(EVENT_TYPES)
    assert answer["trackable_resources"] == ["member", "offer", "offer_grant", "member_offer_use", "trigger_rule"]


def test_deliveries_list_show_and_redeliver(client, session, club, headers):
    delivery = factories.delivery(session, club)
    listed = client.get(url(club, f"/subscriptions/{delivery.subscription_id}/deliveries"), headers=headers)
    assert listed.status_code == 200
    (row,) = listed.json()["deliveries"]
    assert row["status"] == "pending" and row["event_type"] == "offer.created"
    assert row["webhook_id"] == f"evt_{delivery.event_id}"
    filtered = client.get(
        url(club, f"/subscriptions/{delivery.subscription_id}/deliveries"),
        params={"status": "delivered"},
        headers=headers,
    )
    assert filtered.json()["deliveries"] == []
    bad = client.get(
        url(club, f"/subscriptions/{delivery.subscription_id}/deliveries"), params={"status": "lost"}, headers=headers
    )
    assert bad.status_code == 422
    shown = client.get(url(club, f"/deliveries/{delivery.id}"), headers=headers).json()
    assert shown["log"] == [] and shown["attempts"] == 0
    delivery.status = "dropped"
    session.flush()
    redone = client.post(url(club, f"/deliveries/{delivery.id}/redeliver"), headers=headers)
    assert redone.status_code == 200, redone.text
    assert redone.json()["status"] == "pending"


def test_redeliver_to_a_disabled_subscription_is_422(client, session, club, headers):
    delivery = factories.delivery(session, club)
    client.patch(url(club, f"/subscriptions/{delivery.subscription_id}"), json={"active": False}, headers=headers)
    status = session.execute(select(WebhookDelivery.status).where(WebhookDelivery.id == delivery.id)).scalar_one()
    assert status == "cancelled"  # disabling cancels what was pending
    response = client.post(url(club, f"/deliveries/{delivery.id}/redeliver"), headers=headers)
    assert response.status_code == 422
    assert response.json() == {"error": "Webhook subscription is disabled"}


def test_unknown_delivery_is_404(client, club, headers):
    response = client.get(url(club, "/deliveries/99999999"), headers=headers)
    assert response.status_code == 404
    assert response.json() == {"error": "WebhookDelivery#99999999 not found"}
