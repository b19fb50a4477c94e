"""Tenant isolation, proved by walking every registered route.

With a token of club A (every permit), each route is called:
- with club B's slug → 401 (the client token is not valid there);
- with club A's slug and ids of club B's records → 404, exactly as if they did not exist;
- on Customer-context routes (``/v1/reporting/...``) with ``X-Customer`` naming club B → 403,
  and with ``X-Customer`` of club A but ids of club B's records → 404.
Ids come from builders each domain registers in ``tests/<domain>/isolation.py`` (``BUILDERS``: path
param name → function creating such a record in a club). New routes are picked up automatically; a
route with a path parameter nobody registered fails the walk.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy.orm import Session

import tests
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.http.routing import api_routes

PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-z]+)?}")
CLUB_PARAM = "loyalty_club_slug"
# Routes outside tenant data: global auth endpoints.
# Not tenant data: identity, permits, sign-in, the API docs and the operations endpoints. The staff
# console's pages take a session cookie, not API credentials: tests/console/test_isolation.py walks them.
UNSCOPED_PREFIXES = (
    "/v1/me",
    "/v1/permits",
    "/v1/users/",
    "/docs",
    "/redoc",
    "/healthz",
    "/readyz",
    "/metrics",
    "/console",
)


def load_builders() -> dict[str, Callable[[Session, LoyaltyClub], int | None]]:
    builders: dict[str, Callable[[Session, LoyaltyClub], int | None]] = {}
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            isolation = importlib.import_module(f"tests.{module.name}.isolation")
        except ModuleNotFoundError:
            continue
        builders.update(isolation.BUILDERS)
    return builders


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    params: tuple[str, ...]


def all_routes(app) -> list[Call]:
    return [
        Call(method, info.path, tuple(PARAM.findall(info.path)))
        for info in api_routes(app)
        for method in sorted(info.methods - {"HEAD", "OPTIONS"})
    ]


def tenant_routes(app) -> list[Call]:
    return [call for call in all_routes(app) if not call.path.startswith(UNSCOPED_PREFIXES)]


def _fill(path: str, values: dict[str, object]) -> str:
    return PARAM.sub(lambda m: str(values[m.group(1)]), path)


def _send(client, call: Call, url: str, headers: dict[str, str]):
    body = {} if call.method in ("POST", "PUT", "PATCH") else None
    return client.request(call.method, url, headers=headers, json=body)


@pytest.fixture
def two_clubs(factory):
    club_a = factory.club()
    club_b = factory.club()
    token_a = factory.client_token([club_a])
    return club_a, club_b, token_a


def test_every_path_parameter_has_a_builder(app):
    builders = load_builders()
    unknown = {
        (call.path, name)
        for call in tenant_routes(app)
        for name in call.params
        if name != CLUB_PARAM and name not in builders
    }
    assert not unknown, f"register these path params in tests/<domain>/isolation.py: {sorted(unknown)}"


def test_another_clubs_slug_is_refused(app, client, factory, two_clubs):
    _club_a, club_b, token_a = two_clubs
    builders = load_builders()
    failures = []
    for call in tenant_routes(app):
        if CLUB_PARAM not in call.params:
            continue
        values: dict[str, object] = {CLUB_PARAM: club_b.slug}
        for name in call.params:
            if name != CLUB_PARAM:
                values[name] = builders[name](factory.session, club_b) or 1
        response = _send(client, call, _fill(call.path, values), factory.headers(token_a))
        if response.status_code != 401:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures


def test_another_clubs_ids_are_not_found(app, client, factory, two_clubs):
    club_a, club_b, token_a = two_clubs
    builders = load_builders()
    failures = []
    for call in tenant_routes(app):
        id_params = [name for name in call.params if name != CLUB_PARAM]
        if not id_params:
            continue
        values: dict[str, object] = {CLUB_PARAM: club_a.slug}
        skip = False
        for name in id_params:
            built = builders[name](factory.session, club_b)
            if built is None:  # a global resource (e.g. a place): nothing tenant-owned to hide
                skip = True
            values[name] = built
        if skip:
            continue
        headers = factory.headers(token_a, **({} if CLUB_PARAM in call.params else {"X-Customer": str(club_a.id)}))
        response = _send(client, call, _fill(call.path, values), headers)
        if response.status_code != 404:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures


def test_customer_context_naming_another_club_is_forbidden(app, client, factory, two_clubs):
    club_a, club_b, token_a = two_clubs
    builders = load_builders()
    failures = []
    for call in tenant_routes(app):
        if CLUB_PARAM in call.params:
            continue
        values = {name: builders[name](factory.session, club_a) or 1 for name in call.params}
        headers = factory.headers(token_a, **{"X-Customer": str(club_b.id)})
        response = _send(client, call, _fill(call.path, values), headers)
        if response.status_code != 403:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures
