"""The messages history: management ``GET /v1/messages_history`` (parameters ``type``, ``member_id``,
paging) and the member's ``GET /v1/members/me/messages_history`` (``types``, ``distinct``), with the
documented model: the content as sent (merge properties applied, links shortened, HTML stripped)."""

from __future__ import annotations

import pytest

from loyaltyhub.auth.permits import app_permits
from loyaltyhub.messaging.jobs import run_messaging
from loyaltyhub.messaging.links import PublicUrls
from tests.members import factories as members
from tests.messaging.conftest import Api, make_api

CONSENT = {"email_marketing": {"status": True}}


def message(campaign_id: int | None = 31) -> dict:  # type: ignore[type-arg]
    email = {
        "subject": "Hi {{ member.first_name }}",
        "body": "<p>Hei <b>{{ member.first_name }}</b></p> https://e.example/x",
    }
    return {
        "message": {
            "name": "News",
            "campaign_id": campaign_id,
            "channels": [
                {
                    "type": "email",
                    "sender": {"from_email": "club@example.com", "from_name": "The Club"},
                    "template": {"type": "inline", "definition": {"type": "email", "content": email}},
                },
                {
                    "type": "sms",
                    "sender": {"type": "alphanumeric", "value": "Club"},
                    "template": {"type": "inline", "definition": {"type": "plain", "content": {"body": "SMS"}}},
                },
            ],
        }
    }


@pytest.fixture
def sent(api: Api, units, sink, settings):  # type: ignore[no-untyped-def]
    """Two sendings to the same two members (e-mail), one to a guest address; one SMS to a third member."""
    api.put("/settings", {"settings": {"email_transport": sink.transport()}})
    people = [
        members.member(
            api.session, api.club, properties={"first_name": f"P{n}", "email": f"h{n}@example.com"}, consents=CONSENT
        )
        for n in range(2)
    ]
    message_id = api.post("/campaigns", message()).json()["message"]["id"]
    for _ in range(2):
        response = api.post(
            f"/campaigns/{message_id}/sendings",
            {"sending": {"schedule": {"type": "immediate"}, "recipients": [{"member_id": p.id} for p in people]}},
        )
        assert response.status_code == 201, response.text
    run_messaging(units, "w", urls=PublicUrls(settings.links_base_url, settings.secret_key))
    return people


def test_management_history_lists_what_was_sent(api: Api, sent, client):  # type: ignore[no-untyped-def]
    response = client.get("/v1/messages_history", headers=api.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["pagination_info"]["total_count"] == 4 and len(body["messages"]) == 4
    first = body["messages"][0]
    assert first["type"] == "email" and first["subject"].startswith("Hi P")
    assert first["content"].startswith("Hei P") and "<" not in first["content"]  # HTML stripped
    assert "/s/" in first["content"] and "https://e.example/x" not in first["content"]  # the link as sent
    assert (first["from_address"], first["from_name"]) == ("club@example.com", "The Club")
    assert first["email"] in {p.email for p in sent} and first["campaign_id"] == "31"
    assert first["loyalty_club_id"] == api.club.id and isinstance(first["sending_id"], str)
    assert first["id"] and first["message_id"] and first["transmitted_at"]

    one = client.get("/v1/messages_history", params={"member_id": sent[0].id}, headers=api.headers).json()
    assert {m["member_id"] for m in one["messages"]} == {sent[0].id} and len(one["messages"]) == 2
    none = client.get("/v1/messages_history", params={"type": "sms"}, headers=api.headers).json()
    assert none["messages"] == []
    both = client.get("/v1/messages_history", params=[("type", "sms"), ("type", "email")], headers=api.headers)
    assert len(both.json()["messages"]) == 4
    paged = client.get("/v1/messages_history", params={"per_page": 3, "page_no": 2}, headers=api.headers).json()
    assert len(paged["messages"]) == 1


def test_management_history_errors(api: Api, client, factory):  # type: ignore[no-untyped-def]
    assert client.get("/v1/messages_history", params={"type": "fax"}, headers=api.headers).status_code == 422
    assert client.get("/v1/messages_history", params={"per_page": 101}, headers=api.headers).status_code == 422
    assert client.get("/v1/messages_history", params={"member_id": 0}, headers=api.headers).status_code == 422
    limited = make_api(client, factory, api.club, permits=["Messages:Api:Messages:Index"])
    response = client.get("/v1/messages_history", headers=limited.headers)
    assert response.status_code == 403 and "BL:Api:MessagesHistory:List" in response.json()["error"]
    headers = {k: v for k, v in api.headers.items() if k != "X-Loyalty-Club-Slug"}
    assert client.get("/v1/messages_history", headers=headers).status_code == 470
    assert client.get("/v1/messages_history").status_code in (401, 470)


def test_member_history_of_the_signed_in_member(api: Api, sent, client, factory):  # type: ignore[no-untyped-def]
    app = factory.client_token([api.club], app_permits())
    bearer = members.access_token(api.session, sent[0])
    headers = factory.headers(app, **{"X-Loyalty-Club-Slug": api.club.slug, "Authorization": f"Bearer {bearer}"})
    response = client.get("/v1/members/me/messages_history", headers=headers)
    assert response.status_code == 200, response.text
    messages = response.json()["messages"]
    assert len(messages) == 2 and {m["member_id"] for m in messages} == {sent[0].id}
    assert len({m["sending_id"] for m in messages}) == 2
    distinct = client.get("/v1/members/me/messages_history", params={"distinct": "true"}, headers=headers).json()
    assert len(distinct["messages"]) == 2  # one dispatch per member and sending already
    only_sms = client.get("/v1/members/me/messages_history", params={"types": "sms"}, headers=headers).json()
    assert only_sms["messages"] == []
    # Errors: a bad member token (460), no member token (460), an app without the permit (403).
    garbage = {**headers, "Authorization": "Bearer lhm_garbage_garbage"}
    assert client.get("/v1/members/me/messages_history", headers=garbage).status_code == 460
    anonymous = {k: v for k, v in headers.items() if k != "Authorization"}
    assert client.get("/v1/members/me/messages_history", headers=anonymous).status_code == 460
    weak = factory.client_token([api.club], ["BL:Api:Members:OAuth"])
    weak_headers = {**headers, "X-Client-Authorization": weak}
    assert client.get("/v1/members/me/messages_history", headers=weak_headers).status_code == 403
    assert client.get("/v1/members/me/messages_history", params={"types": "fax"}, headers=headers).status_code == 422
