"""Fixtures of the rewards tests: a club with a program, its app's token, a signed-in participant and a
movable clock (the routes' ``request_now``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.identity.tokens import issue_tokens
from loyaltyhub.members.models import Member
from loyaltyhub.rewards.dependencies import request_now
from tests.factories import PUBLIC_HEADERS, Factory
from tests.rewards import factories as rw

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@dataclass
class Clock:
    now: datetime

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


@dataclass
class Api:
    """Calls the rewards API of one club: as its app (client token), as a signed-in member (``me``)."""

    client: TestClient
    session: Session
    club: LoyaltyClub
    token: str
    clock: Clock

    def headers(self, member_token: str | None = None, **extra: str) -> dict[str, str]:
        headers = {"X-Client-Authorization": self.token, **PUBLIC_HEADERS, **extra}
        if member_token:
            headers["Authorization"] = f"Bearer {member_token}"
        return headers

    def member(self, points: int = 0, joined: bool = True, **fields: Any) -> tuple[Member, str]:
        """A member (with a member access token), a participant with ``points`` unless ``joined=False``."""
        if joined:
            row = rw.participant(self.session, self.club, self.clock.now, points=points, **fields)
        else:
            row = rw.member(self.session, self.club, **fields)
        token = issue_tokens(self.session, row, access_ttl_seconds=3600, refresh_ttl_seconds=7200).access_token
        return row, token

    def me(self, method: str, path: str, member_token: str | None, **kwargs: Any):
        headers = self.headers(member_token, **kwargs.pop("headers", {}))
        return self.client.request(
            method, f"/v3/{self.club.slug}/members/me/rewards-program{path}", headers=headers, **kwargs
        )

    def v1(self, method: str, path: str, **kwargs: Any):
        headers = self.headers(**kwargs.pop("headers", {}))
        return self.client.request(method, f"/v1/{self.club.slug}{path}", headers=headers, **kwargs)

    def v3(self, method: str, path: str, **kwargs: Any):
        headers = self.headers(**kwargs.pop("headers", {}))
        return self.client.request(method, f"/v3/{self.club.slug}{path}", headers=headers, **kwargs)

    def status(self, member_id: int | str, **params: Any) -> dict[str, Any]:
        response = self.v3("GET", f"/members/{member_id}/rewards-program/status", params=params)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def api(client: TestClient, session: Session, factory: Factory, clock: Clock) -> Api:
    club = factory.club()
    rw.program(session, club, points_validity_months=12, points_expire_at="end_of_month")

    async def now() -> datetime:
        return clock.now

    client.app.dependency_overrides[request_now] = now
    return Api(client=client, session=session, club=club, token=factory.client_token([club]), clock=clock)
