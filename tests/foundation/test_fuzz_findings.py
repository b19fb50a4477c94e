"""Fuzz findings handled for every route: input no column can store is a 422 with the details tree, never a
500; a 405 names every method of the path."""

from __future__ import annotations

from loyaltyhub.http.input_guard import MAX_BIGINT

TOO_BIG = MAX_BIGINT + 1


def test_integer_path_param_beyond_bigint_is_422_at_the_param(client, factory):
    club = factory.club()
    response = client.get(f"/v3/{club.slug}/stores/{TOO_BIG}", headers=factory.headers(factory.client_token([club])))
    assert response.status_code == 422
    assert response.json() == {
        "error": "Invalid parameters",
        "details": {"store_id": [{"error": "less_or_equal_to", "options": {"count": MAX_BIGINT}}]},
    }


def test_page_number_whose_offset_overflows_is_422(client, factory):
    club = factory.club()
    response = client.get(
        f"/v3/{club.slug}/stores", params={"page_no": MAX_BIGINT}, headers=factory.headers(factory.client_token([club]))
    )
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["page_no"]


def test_nul_character_in_a_path_param_is_422(client, factory):
    club = factory.club()
    response = client.get("/v3/club%00x/stores", headers=factory.headers(factory.client_token([club])))
    assert response.status_code == 422
    assert response.json()["details"] == {"loyalty_club_slug": [{"error": "invalid", "options": {}}]}


def test_unpaired_surrogate_in_a_json_body_is_422_at_its_path(client, factory):
    club = factory.club()
    response = client.post(
        f"/v3/{club.slug}/stores",
        content=b'{"name": "ok", "tags": ["fine", "bad \\ud800"]}',
        headers={**factory.headers(factory.client_token([club])), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.json()["details"] == {"tags": {"1": [{"error": "invalid", "options": {}}]}}


def test_text_search_with_many_digits_is_not_refused(client, factory):
    """Only parameters declared as integers are bounded: a long card number is a fine search text."""
    club = factory.club()
    response = client.get(
        f"/v3/{club.slug}/members",
        params={"search": "99999999999999999999"},
        headers=factory.headers(factory.client_token([club])),
    )
    assert response.status_code == 200


def test_unicode_digits_in_an_integer_param_are_left_to_validation(client, factory):
    """``²`` matches ``\\d`` but is no integer: the guard must not choke on it (it used to 500)."""
    club = factory.club()
    response = client.get(
        f"/v3/{club.slug}/stores", params={"page_no": "²"}, headers=factory.headers(factory.client_token([club]))
    )
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["page_no"]


def test_405_names_every_method_of_the_path(client, factory):
    """GET and POST of one path are two routes; the Allow header of a 405 names both (found by fuzzing)."""
    club = factory.club()
    response = client.request(
        "OPTIONS", f"/v3/{club.slug}/members", headers=factory.headers(factory.client_token([club]))
    )
    assert response.status_code == 405
    assert response.json() == {"error": "Method not allowed"}
    assert response.headers["Allow"] == "GET, POST"
