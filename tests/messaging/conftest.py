from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.factories import Factory

SETTINGS = {
    "channels": {
        "sms": {"sender_type": "alphanumeric", "sender_value": "Infinity"},
        "email": {"from_name": "Infinity", "from_email": "infinity-mall@example.com"},
        "push": {"android_app_id": "no.example.app", "ios_app_id": "1231452117"},
    }
}


@dataclass
class Api:
    """A Messaging API caller on one club (``X-Loyalty-Club-Slug``; every permit unless told otherwise)."""

    client: TestClient
    club: LoyaltyClub
    headers: dict[str, str]
    session: Session
    base: str = "/v1/messages"
    extra: dict[str, str] = field(default_factory=dict)

    def call(self, method: str, path: str, json: Any = None, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.request(method, self.base + path, headers=self.headers, json=json, **kw)

    def get(self, path: str = "", **kw: Any):  # type: ignore[no-untyped-def]
        return self.call("GET", path, **kw)

    def post(self, path: str = "", json: Any = None):  # type: ignore[no-untyped-def]
        return self.call("POST", path, json)

    def put(self, path: str = "", json: Any = None):  # type: ignore[no-untyped-def]
        return self.call("PUT", path, json)

    def delete(self, path: str = ""):  # type: ignore[no-untyped-def]
        return self.call("DELETE", path)


def make_api(client: TestClient, factory: Factory, club: LoyaltyClub, permits: list[str] | None = None) -> Api:
    token = factory.client_token([club], permits=permits)
    return Api(client, club, factory.headers(token, **{"X-Loyalty-Club-Slug": club.slug}), factory.session)


@pytest.fixture
def club(factory: Factory) -> LoyaltyClub:
    return factory.club()


@pytest.fixture
def api(client: TestClient, factory: Factory, club: LoyaltyClub) -> Api:
    caller = make_api(client, factory, club)
    assert caller.put("/settings", {"settings": SETTINGS}).status_code == 200
    return caller


def sms_message(body: str = "Hi {{ member.first_name }}", **extra: Any) -> dict[str, Any]:
    return {
        "message": {
            "name": "My message",
            "channels": [
                {
                    "type": "sms",
                    "sender": {"type": "alphanumeric", "value": "Infinity"},
                    "template": {"type": "inline", "definition": {"type": "plain", "content": {"body": body}}},
                }
            ],
            **extra,
        }
    }


def error_at(response, *path: str) -> list[str]:  # type: ignore[no-untyped-def]
    node = response.json()["details"]
    for key in path:
        node = node[key]
    return [item["error"] for item in (node["base"] if isinstance(node, dict) else node)]
