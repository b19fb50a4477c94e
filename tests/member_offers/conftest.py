"""Fixtures of the member-offers tests: a club, its app's client token, a member, a movable clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.member_offers.routes import request_now
from loyaltyhub.members.models import Member
from tests.factories import PUBLIC_HEADERS, Factory
from tests.member_offers import factories as mo


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Api:
    """Calls the member offers API as the club's app, for one member (by id) unless told otherwise."""

    client: TestClient
    session: Session
    club: LoyaltyClub
    member: Member
    token: str
    clock: Clock

    def headers(self, **extra: str) -> dict[str, str]:
        return {"X-Client-Authorization": self.token, **PUBLIC_HEADERS, **extra}

    def url(self, path: str = "", ref: str | int | None = None) -> str:
        ref = self.member.id if ref is None else ref
        return f"/v3/{self.club.slug}/members/{ref}/offers{path}"

    def use(self, offer_id: int, body: Any = None, ref: str | int | None = None, **kwargs: Any):
        headers = self.headers(**kwargs.pop("headers", {}))
        return self.client.post(self.url(f"/{offer_id}/use", ref), json=body, headers=headers, **kwargs)

    def get(self, path: str = "", ref: str | int | None = None, **kwargs: Any):
        headers = self.headers(**kwargs.pop("headers", {}))
        return self.client.get(self.url(path, ref), headers=headers, **kwargs)


NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def api(client: TestClient, session: Session, factory: Factory, clock: Clock) -> Api:
    club = factory.club()

    async def now() -> datetime:
        return clock.now

    client.app.dependency_overrides[request_now] = now
    return Api(
        client=client,
        session=session,
        club=club,
        member=mo.member(session, club),
        token=factory.client_token([club]),
        clock=clock,
    )
