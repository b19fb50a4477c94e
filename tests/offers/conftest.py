from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.factories import Factory


@dataclass
class Api:
    """A management API caller on one club (client token with every permit unless told otherwise)."""

    client: TestClient
    club: LoyaltyClub
    headers: dict[str, str]
    session: Session

    @property
    def base(self) -> str:
        return f"/v3/{self.club.slug}/offers"

    def get(self, path: str = "", **kw):  # type: ignore[no-untyped-def]
        return self.client.get(self.base + path, headers=self.headers, **kw)

    def post(self, path: str = "", json=None, **kw):  # type: ignore[no-untyped-def]
        return self.client.post(self.base + path, headers=self.headers, json=json, **kw)

    def patch(self, path: str, json=None):  # type: ignore[no-untyped-def]
        return self.client.patch(self.base + path, headers=self.headers, json=json)

    def put(self, path: str, json=None):  # type: ignore[no-untyped-def]
        return self.client.put(self.base + path, headers=self.headers, json=json)

    def delete(self, path: str):  # type: ignore[no-untyped-def]
        return self.client.delete(self.base + path, headers=self.headers)


@pytest.fixture
def club(factory: Factory) -> LoyaltyClub:
    return factory.club(languages=["en", "pl", "no"], default_language="en")


@pytest.fixture
def api(client: TestClient, factory: Factory, club: LoyaltyClub, session: Session) -> Api:
    return Api(client, club, factory.headers(factory.client_token([club])), session)
