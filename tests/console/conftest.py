"""Fixtures of the console tests: staff users signed in through the console's own sign-in form."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from loyaltyhub.auth.service import create_user
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.console.sessions import LOGIN_COOKIE, SESSION_COOKIE
from tests.factories import Factory

PASSWORD = "correct horse battery"
_n = itertools.count(1)
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no CSRF field in the page"
    return found.group(1)


@dataclass
class Console:
    """A browser-like client of the console, signed in as one staff user."""

    client: TestClient
    email: str
    csrf: str = ""

    def get(self, url: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self.client.get(url, follow_redirects=False, **kw)

    def post(self, url: str, data: dict[str, Any] | list[tuple[str, str]] | None = None, csrf: bool = True, **kw: Any):  # type: ignore[no-untyped-def]
        fields: list[tuple[str, str]] = list(data.items()) if isinstance(data, dict) else list(data or [])
        if csrf:
            fields.append(("csrf_token", self.csrf))
        return self.client.post(
            url,
            content="&".join(f"{_q(k)}={_q(str(v))}" for k, v in fields),
            headers={"Content-Type": "application/x-www-form-urlencoded", **kw.pop("headers", {})},
            follow_redirects=False,
            **kw,
        )


def _q(value: str) -> str:
    from urllib.parse import quote_plus

    return quote_plus(value)


def sign_in(client: TestClient, email: str, password: str = PASSWORD, next_url: str = "/console"):  # type: ignore[no-untyped-def]
    page = client.get(f"/console/login?next={next_url}")
    assert page.status_code == 200, page.text
    nonce = client.cookies.get(LOGIN_COOKIE)
    assert nonce and csrf_of(page.text) == nonce
    return client.post(
        "/console/login",
        data={"email": email, "password": password, "csrf_token": nonce, "next": next_url},
        follow_redirects=False,
    )


@pytest.fixture
def staff_user(factory: Factory) -> Callable[..., str]:
    def make(*clubs: LoyaltyClub, role: str = "admin", organization: str | None = None) -> str:
        email = f"staff{next(_n)}@example.com"
        create_user(
            factory.session,
            email=email,
            password=PASSWORD,
            role=role,
            club_slugs=[c.slug for c in clubs],
            organization=organization,
        )
        return email

    return make


@pytest.fixture
def console_as(app: FastAPI, staff_user: Callable[..., str]) -> Callable[..., Console]:
    """``console_as(club, role="analyst")``: a new client signed in as a new user of that role."""
    clients: list[TestClient] = []

    def make(*clubs: LoyaltyClub, role: str = "admin") -> Console:
        email = staff_user(*clubs, role=role)
        client = TestClient(app, raise_server_exceptions=False)
        clients.append(client)
        response = sign_in(client, email)
        assert response.status_code == 303, response.text
        assert client.cookies.get(SESSION_COOKIE)
        console = Console(client, email)
        target = f"/console/{clubs[0].slug}/messages" if clubs else "/console/clubs"
        console.csrf = csrf_of(console.get(target).text)
        return console

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def club(factory: Factory) -> LoyaltyClub:
    return factory.club(languages=["en", "no"], default_language="en")
