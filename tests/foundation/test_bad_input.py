"""Bad input never gives a 500: every POST/PUT/PATCH route answers malformed JSON, wrong types, unknown
fields, oversized bodies and bad headers with a 4xx in the documented ``{"error": ...}`` format."""

from __future__ import annotations

import pytest

from tests.foundation.test_isolation import CLUB_PARAM, _fill, all_routes, load_builders, load_constants

WRITE_METHODS = {"POST", "PUT", "PATCH"}


def _write_calls(app):
    """The APIs' write routes. The staff console's pages take HTML forms and answer pages, not JSON:
    tests/console/test_bad_input.py sends them the same bad input. The one-click unsubscribe (``/s/...``)
    takes the form body RFC 8058 prescribes, whatever it holds: tests/messaging/test_links.py."""
    return [c for c in all_routes(app) if c.method in WRITE_METHODS and not c.path.startswith(("/console", "/s/"))]


@pytest.fixture
def club_and_headers(factory):
    club = factory.club()
    token = factory.client_token([club])
    return club, factory.headers(token, **{"X-Customer": str(club.id)})


def _url(factory, club, call):
    builders = load_builders()
    values: dict[str, object] = {CLUB_PARAM: club.slug, **load_constants()}
    for name in call.params:
        if name != CLUB_PARAM and name not in values:
            values[name] = builders[name](factory.session, club) or 1
    return _fill(call.path, values)


def _assert_error(response, call, case, expected=None):
    where = f"{call.method} {call.path} [{case}] -> {response.status_code} {response.text[:200]}"
    if expected is not None:
        assert response.status_code == expected, where
    assert 400 <= response.status_code < 500, where
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str), where
    if response.status_code == 422 and body["error"] == "Invalid parameters":
        assert isinstance(body.get("details"), dict), where


def test_malformed_json_is_400(app, client, factory, club_and_headers):
    club, headers = club_and_headers
    for call in _write_calls(app):
        response = client.request(
            call.method,
            _url(factory, club, call),
            headers={**headers, "Content-Type": "application/json"},
            content=b'{"broken": ',
        )
        _assert_error(response, call, "malformed json", 400)


@pytest.mark.parametrize("payload", [[], "text", 12, [{"a": 1}]], ids=["array", "string", "number", "objects"])
def test_wrong_body_types_are_4xx(app, client, factory, club_and_headers, payload):
    club, headers = club_and_headers
    for call in _write_calls(app):
        response = client.request(call.method, _url(factory, club, call), headers=headers, json=payload)
        _assert_error(response, call, f"body {payload!r}")


def test_unknown_fields_are_rejected(app, client, factory, club_and_headers):
    club, headers = club_and_headers
    for call in _write_calls(app):
        response = client.request(
            call.method, _url(factory, club, call), headers=headers, json={"zz_not_a_field": {"x": [1, None]}}
        )
        _assert_error(response, call, "unknown field")


def test_oversized_bodies_are_413(app, client, factory, club_and_headers, settings):
    club, headers = club_and_headers
    blob = b'{"a": "' + b"x" * (settings.max_body_bytes + 10) + b'"}'
    for call in _write_calls(app):
        response = client.request(
            call.method,
            _url(factory, club, call),
            headers={**headers, "Content-Type": "application/json"},
            content=blob,
        )
        _assert_error(response, call, "oversized", 413)


def test_bad_headers_are_4xx(app, client, factory, club_and_headers):
    club, headers = club_and_headers
    for call in _write_calls(app):
        url = _url(factory, club, call)
        bad_token = {**headers, "X-Client-Authorization": "lhc_nope_nope"}
        _assert_error(client.request(call.method, url, headers=bad_token, json={}), call, "bad client token")
        if CLUB_PARAM not in call.params:  # Customer context: X-Customer selects the clubs
            bad_customer = {**headers, "X-Customer": "id=;;;"}
            _assert_error(client.request(call.method, url, headers=bad_customer, json={}), call, "bad X-Customer")


def test_a_write_route_exists_to_walk(app):
    assert _write_calls(app), "the walk must cover at least the staff login route"
