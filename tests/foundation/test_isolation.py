"""Tenant isolation, proved by walking every registered route.

With a token of club A (every permit), each route is called:
- with club B's slug → 401 (the client token is not valid there);
- with club A's slug and ids of club B's records → 404, exactly as if they did not exist;
- on Customer-context routes (``/v1/reporting/...``) with ``X-Customer`` naming club B → 403,
  and with ``X-Customer`` of club A but ids of club B's records → 404;
- on member routes (``{member_ref}``), with a member app's token of club A (every permit but
  ``BL:Api:Members:ActAs``) and member A0's Bearer token, on member A1's id → 403; with a garbage
  Bearer token on any member reference → 460.
Ids come from builders each domain registers in ``tests/<domain>/isolation.py`` (``BUILDERS``: path
param name → function creating such a record in a club) and, for path parameters that are not record ids
(the Messaging API's ``{service_name}``), ``CONSTANTS`` (param name → the value to use). New routes are
picked up automatically; a route with a path parameter nobody registered fails the walk.
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
from loyaltyhub.auth.permits import app_permits
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.http.routing import api_routes
from tests.members import factories as members

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
    # Short links, the open pixel and the one-click unsubscribe take no credentials: the URL is the
    # capability (a random link code, a signed recipient); tests/messaging/test_links.py checks that one
    # club's references reach nothing of another club.
    "/s/",
)


def _isolation_modules() -> list:
    modules = []
    for module in pkgutil.iter_modules(tests.__path__):
        if not module.ispkg:
            continue
        try:
            modules.append(importlib.import_module(f"tests.{module.name}.isolation"))
        except ModuleNotFoundError:
            continue
    return modules


def load_builders() -> dict[str, Callable[[Session, LoyaltyClub], int | str | None]]:
    builders: dict[str, Callable[[Session, LoyaltyClub], int | str | None]] = {}
    for isolation in _isolation_modules():
        builders.update(isolation.BUILDERS)
    return builders


def load_constants() -> dict[str, str]:
    """Path parameters that name no record (the same value in every club)."""
    constants: dict[str, str] = {}
    for isolation in _isolation_modules():
        constants.update(getattr(isolation, "CONSTANTS", {}))
    return constants


def load_same_as_unknown() -> tuple[set[tuple[str, str]], dict[str, object]]:
    """Routes that answer another club's identifier like one nobody has (``SAME_AS_UNKNOWN``: they must
    not tell whether an identifier exists, so no 404), and the ``UNKNOWN`` values to compare with."""
    routes: set[tuple[str, str]] = set()
    unknown: dict[str, object] = {}
    for isolation in _isolation_modules():
        routes |= getattr(isolation, "SAME_AS_UNKNOWN", set())
        unknown.update(getattr(isolation, "UNKNOWN", {}))
    return routes, unknown


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
        if name != CLUB_PARAM and name not in builders and name not in load_constants()
    }
    assert not unknown, f"register these path params in tests/<domain>/isolation.py: {sorted(unknown)}"


def test_another_clubs_slug_is_refused(app, client, factory, two_clubs):
    _club_a, club_b, token_a = two_clubs
    builders, constants = load_builders(), load_constants()
    failures = []
    for call in tenant_routes(app):
        if CLUB_PARAM not in call.params:
            continue
        values: dict[str, object] = {CLUB_PARAM: club_b.slug}
        for name in call.params:
            if name in constants:
                values[name] = constants[name]
            elif name != CLUB_PARAM:
                values[name] = builders[name](factory.session, club_b) or 1
        response = _send(client, call, _fill(call.path, values), factory.headers(token_a))
        if response.status_code != 401:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures


def test_another_clubs_ids_are_not_found(app, client, factory, two_clubs):
    club_a, club_b, token_a = two_clubs
    builders, constants = load_builders(), load_constants()
    same_as_unknown, unknown = load_same_as_unknown()
    failures = []
    for call in tenant_routes(app):
        id_params = [name for name in call.params if name != CLUB_PARAM and name not in constants]
        if not id_params:
            continue
        values: dict[str, object] = {CLUB_PARAM: club_a.slug, **constants}
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
        if (call.method, call.path) in same_as_unknown:
            unknown_values = {**values, **{name: unknown[name] for name in id_params}}
            expected = _send(client, call, _fill(call.path, unknown_values), headers)
            if (response.status_code, response.content) != (expected.status_code, expected.content) or (
                response.status_code >= 500
            ):
                failures.append((call.method, call.path, response.status_code, response.text[:200]))
            continue
        if response.status_code != 404:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures


def test_customer_context_naming_another_club_is_forbidden(app, client, factory, two_clubs):
    club_a, club_b, token_a = two_clubs
    builders, constants = load_builders(), load_constants()
    failures = []
    for call in tenant_routes(app):
        if CLUB_PARAM in call.params:
            continue
        values = {
            name: constants[name] if name in constants else builders[name](factory.session, club_a) or 1
            for name in call.params
        }
        headers = factory.headers(token_a, **{"X-Customer": str(club_b.id)})
        response = _send(client, call, _fill(call.path, values), headers)
        if response.status_code != 403:
            failures.append((call.method, call.path, response.status_code, response.text[:200]))
    assert not failures, failures


MEMBER_PARAM = "member_ref"


def test_member_tokens_act_only_as_their_member(app, client, factory):
    club = factory.club()
    app_token = factory.client_token([club], app_permits())
    a0, a1 = members.member(factory.session, club), members.member(factory.session, club)
    as_a0 = {"Authorization": f"Bearer {members.access_token(factory.session, a0)}"}
    garbage = {"Authorization": "Bearer lhm_garbage_garbage"}
    builders = load_builders()
    failures, walked = [], 0
    for call in tenant_routes(app):
        if MEMBER_PARAM not in call.params:
            continue
        walked += 1
        values: dict[str, object] = {CLUB_PARAM: club.slug, MEMBER_PARAM: a1.id}
        for name in call.params:
            if name not in values:
                values[name] = builders[name](factory.session, club) or 1
        url = _fill(call.path, values)
        expected = [(url, as_a0, 403), (url, {}, 403), (url, garbage, 460)]
        for ref in ("guest", "me"):
            expected.append((_fill(call.path, {**values, MEMBER_PARAM: ref}), garbage, 460))
        for target, sent, status in expected:
            response = _send(client, call, target, factory.headers(app_token, **sent))
            if response.status_code != status:
                failures.append((call.method, target, sent, status, response.status_code, response.text[:200]))
    assert walked, "no member route was walked"
    assert not failures, failures
