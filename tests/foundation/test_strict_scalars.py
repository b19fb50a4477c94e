"""An integer of a request body is a JSON integer: ``true``, ``"3"``, ``1.5`` and ``2.0`` are 422
``invalid_type`` (pydantic's lax mode would store ``true`` as 1 and ``"3"`` as 3); a boolean is a JSON
boolean (lax mode would take ``1``, ``"yes"`` and ``"off"``). Query and path parameters are text by
nature and keep their lax parsing."""

from __future__ import annotations

from typing import Any

import pytest

from loyaltyhub.auth.schemas import StrictModel
from tests.members import factories as members

NOT_INTEGERS = [True, False, "3", 1.5, 2.0]
INVALID_INTEGER = [{"error": "invalid_type", "options": {"expected": "integer"}}]
NOT_BOOLEANS = [1, 0, "true", "yes", "off"]
INVALID_BOOLEAN = [{"error": "invalid_type", "options": {"expected": "boolean"}}]


def _request_bodies() -> list[type[StrictModel]]:
    found: list[type[StrictModel]] = []
    todo: list[type[StrictModel]] = [StrictModel]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def _lax_nodes(schema: Any, kind: str, path: str = "") -> list[str]:
    """Paths of ``kind`` nodes (``int``, ``bool``) in a pydantic core schema that are not strict."""
    if isinstance(schema, list):
        return [p for i, item in enumerate(schema) for p in _lax_nodes(item, kind, f"{path}[{i}]")]
    if not isinstance(schema, dict):
        return []
    here = [path or "."] if schema.get("type") == kind and not schema.get("strict") else []
    return here + [p for key, value in schema.items() for p in _lax_nodes(value, kind, f"{path}.{key}")]


@pytest.mark.parametrize(("kind", "strict_type"), [("int", "StrictInt"), ("bool", "StrictBool")])
def test_every_integer_and_boolean_of_every_request_body_is_strict(app, kind, strict_type):
    # ``app``: create_app has imported every router, hence every request body.
    bodies = _request_bodies()
    assert len(bodies) > 20  # the walk really found the domains' bodies
    lax = {cls.__qualname__: paths for cls in bodies if (paths := _lax_nodes(cls.__pydantic_core_schema__, kind))}
    assert lax == {}, f"use pydantic.{strict_type} (or an alias built on it) in request bodies"


@pytest.fixture
def club(factory):
    return factory.club(languages=["en"], default_language="en")


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


@pytest.mark.parametrize("value", NOT_INTEGERS, ids=repr)
def test_offer_integers(client, club, headers, value):
    base = f"/v3/{club.slug}/offers"
    response = client.post(base, headers=headers, json={"name": {"en": "x"}, "stock": value})
    assert (response.status_code, response.json()["details"]) == (422, {"stock": INVALID_INTEGER})
    created = client.post(base, headers=headers, json={"name": {"en": "x"}, "stock": 5}).json()
    response = client.patch(f"{base}/{created['id']}", headers=headers, json={"collection_ids": [value]})
    assert (response.status_code, response.json()["details"]) == (422, {"collection_ids": {"0": INVALID_INTEGER}})
    response = client.patch(
        f"{base}/{created['id']}", headers=headers, json={"periodic_usage": {"timespan": "day", "limit": value}}
    )
    assert (response.status_code, response.json()["details"]) == (422, {"periodic_usage": {"limit": INVALID_INTEGER}})


@pytest.mark.parametrize("value", NOT_INTEGERS, ids=repr)
def test_member_integers(client, session, club, headers, value):
    member = members.member(session, club)
    response = client.patch(f"/v3/{club.slug}/members/{member.id}", headers=headers, json={"favorite_stores": [value]})
    assert (response.status_code, response.json()["details"]) == (422, {"favorite_stores": {"0": INVALID_INTEGER}})
    group = members.group(session, club)
    response = client.post(
        f"/v3/{club.slug}/members/groups/{group.id}/members", headers=headers, json={"member_ids": [value]}
    )
    assert (response.status_code, response.json()["details"]) == (422, {"member_ids": {"0": INVALID_INTEGER}})


@pytest.mark.parametrize("value", NOT_BOOLEANS, ids=repr)
def test_offer_booleans(client, club, headers, value):
    base = f"/v3/{club.slug}/offers"
    response = client.post(
        base, headers=headers, json={"name": {"en": "x"}, "usage_authorization_token_required": value}
    )
    assert (response.status_code, response.json()["details"]) == (
        422,
        {"usage_authorization_token_required": INVALID_BOOLEAN},
    )
    response = client.post(base, headers=headers, json={"name": {"en": "x"}, "read_more": {"enabled": value}})
    assert (response.status_code, response.json()["details"]) == (422, {"read_more": {"enabled": INVALID_BOOLEAN}})
    assert client.post(base, headers=headers, json={"name": {"en": "x"}, "read_more": {"enabled": False}}).is_success


def test_integer_query_parameters_still_parse_from_text(client, club, headers):
    response = client.get(f"/v3/{club.slug}/offers/collections", headers=headers, params={"per_page": "2"})
    assert response.status_code == 200, response.text
    assert response.json()["pagination_info"]["per_page"] == 2
