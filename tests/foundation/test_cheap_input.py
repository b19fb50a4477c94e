"""Issue #14, defect 3: cheap input that answered 500 (and closed the client's keep-alive connection).
Each now gets a 4xx in the house format; the walks cover every route, so a new one is checked too."""

from __future__ import annotations

import re

import pytest

from loyaltyhub.http.input_guard import MAX_JSON_DEPTH
from tests.foundation.test_isolation import load_builders, load_constants
from tests.member_offers import factories as mo
from tests.members import factories as members

PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)}")
EDGES = ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+01:00")
OUT_OF_RANGE = [{"error": "out_of_range", "options": {"min": "0001-01-01T00:00:00Z", "max": "9999-12-31T23:59:59Z"}}]


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]), **{"X-Customer": str(club.id)})


def operations(client, session, club):
    """(method, path, url) of every documented operation, its ids filled with records of ``club``."""
    builders = load_builders()
    values: dict[str, object] = {"loyalty_club_slug": club.slug, **load_constants()}
    for path, methods in client.get("/openapi.json").json()["paths"].items():
        for name in PARAM.findall(path):
            if name not in values:
                values[name] = builders[name](session, club) or 1
        url = PARAM.sub(lambda m: str(values[m.group(1)]), path)
        for method, operation in methods.items():
            yield method.upper(), path, url, operation


def test_a_json_body_nested_1000_deep_is_400_on_every_write_route(client, session, club, headers):
    failures, walked = [], 0
    for body in ("[" * 1000 + "]" * 1000, '{"a":' * 1000 + "1" + "}" * 1000):
        for method, path, url, operation in operations(client, session, club):
            content = operation.get("requestBody", {}).get("content", {})
            if method not in ("POST", "PUT", "PATCH") or (content and "application/json" not in content):
                continue  # upload parts take raw bytes and refuse a JSON body before parsing it
            walked += 1
            response = client.request(
                method, url, content=body, headers={**headers, "Content-Type": "application/json"}
            )
            expected = {"error": f"JSON nested too deeply (at most {MAX_JSON_DEPTH} levels)"}
            if (response.status_code, response.json()) != (400, expected):
                failures.append((method, path, response.status_code, response.text[:120]))
    assert walked > 20 and not failures, failures


def test_a_body_nested_within_the_limit_is_judged_as_usual(client, club, headers):
    nested: object = 1
    for _ in range(MAX_JSON_DEPTH - 2):
        nested = {"a": nested}
    response = client.post(f"/v3/{club.slug}/stores", json={"name": "Shop", "extras": nested}, headers=headers)
    assert response.status_code != 400 and response.status_code < 500


def test_non_ascii_digits_in_any_query_parameter_are_never_a_500(client, session, club, headers):
    failures = []
    for method, path, url, operation in operations(client, session, club):
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "query":
                continue
            body = {} if method in ("POST", "PUT", "PATCH") else None
            response = client.request(method, url, params={parameter["name"]: "²"}, headers=headers, json=body)
            if response.status_code >= 500:
                failures.append((method, path, parameter["name"], response.status_code))
    assert not failures, failures


@pytest.mark.parametrize("extra", [{}, {"collection_ids": "1"}])
def test_offers_grouped_by_collection_without_collection(client, session, club, headers, extra):
    offer = mo.offer(session, club)
    params = {"group_by": "collection_id", "without_collection": "true", **extra}
    response = client.get(f"/v3/{club.slug}/offers/grouped", params=params, headers=headers)
    assert response.status_code == 200, response.text
    groups = response.json()["groups"]
    assert [[o["id"] for o in g["offers"]] for g in groups] == ([] if extra else [[offer.id]])


@pytest.mark.parametrize("edge", EDGES)
def test_timestamps_beyond_the_utc_range_are_422_at_the_field(client, session, club, headers, edge):
    offer = mo.offer(session, club)
    member = members.member(session, club)
    for field in ("visible_since", "visible_until", "usable_since", "usable_until"):
        response = client.patch(f"/v3/{club.slug}/offers/{offer.id}", json={field: edge}, headers=headers)
        assert (response.status_code, response.json()["details"]) == (422, {field: OUT_OF_RANGE})
    banned = client.patch(f"/v3/{club.slug}/members/{member.id}", json={"banned_until": edge}, headers=headers)
    assert (banned.status_code, banned.json()["details"]) == (422, {"banned_until": OUT_OF_RANGE})
    for report in ("members", "offers_usages_history"):
        query = client.post("/v1/reporting/query", json={"report": report, "from": edge}, headers=headers)
        assert (query.status_code, query.json()["details"]) == (422, {"from": OUT_OF_RANGE})
    wall = "9999-12-31T12:00:00"  # a wall time read in a club's timezone: not every zone can hold it
    query = client.post("/v1/reporting/query", json={"report": "members", "to": wall}, headers=headers)
    assert (query.status_code, query.json()["details"]) == (422, {"to": OUT_OF_RANGE})
    filtered = client.post(
        "/v1/reporting/query",
        json={"report": "members", "filter": {"type": "greater_than", "field": "created_at", "value": edge}},
        headers=headers,
    )
    assert filtered.status_code == 422 and "filter" in filtered.json()["details"]


def test_the_ends_of_the_range_themselves_are_accepted(client, session, club, headers):
    offer = mo.offer(session, club)
    body = {"visible_since": "0001-01-01T00:00:00Z", "visible_until": "9999-12-31T23:59:59Z"}
    assert client.patch(f"/v3/{club.slug}/offers/{offer.id}", json=body, headers=headers).status_code == 200


def test_an_organization_id_beyond_any_integer_selects_nothing(client, factory, club):
    headers = factory.headers(factory.client_token([club]), **{"X-Customer": "organization_id=99999999999999999999"})
    response = client.post("/v1/reporting/query", json={"report": "members"}, headers=headers)
    assert response.status_code == 403
    assert response.json() == {"error": "X-Customer selects no loyalty club you can access"}


def test_an_in_filter_over_the_parameter_limit_is_422(client, club, headers):
    body = {"report": "members", "filter": {"type": "in", "field": "id", "value": list(range(1, 70_001))}}
    response = client.post("/v1/reporting/query", json=body, headers=headers)
    assert response.status_code == 422
    assert response.json()["details"] == {
        "filter": {"value": [{"error": "too_long", "options": {"max_length": 10_000}}]}
    }
    body["filter"]["value"] = list(range(1, 10_001))
    assert client.post("/v1/reporting/query", json=body, headers=headers).status_code == 200
