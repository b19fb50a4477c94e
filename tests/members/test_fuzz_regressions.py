"""Inputs found by fuzzing (schemathesis) that used to answer 500."""

from __future__ import annotations

import pytest

from tests.members import factories as members


@pytest.fixture
def club(factory):
    return factory.club()


@pytest.fixture
def headers(factory, club):
    return factory.headers(factory.client_token([club]))


def test_member_list_with_ids_beyond_bigint_is_422(client, club, headers):
    response = client.get(
        f"/v3/{club.slug}/members", params={"ids": [1402, -82944338407949662473420800]}, headers=headers
    )
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["ids"]


def test_member_list_page_beyond_any_offset_is_422(client, club, headers):
    response = client.get(f"/v3/{club.slug}/members", params={"page_no": 2**62}, headers=headers)
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["page_no"]


def test_member_and_group_ids_beyond_bigint_are_422(client, session, club, headers):
    group = members.group(session, club)
    too_big = 2**63
    for method, path in [
        ("GET", f"/members/{too_big}"),
        ("DELETE", f"/members/{too_big}"),
        ("GET", f"/members/groups/{too_big}"),
        ("DELETE", f"/members/groups/{group.id}/members/{too_big}"),
    ]:
        response = client.request(method, f"/v3/{club.slug}{path}", headers=headers)
        assert response.status_code == 422, (method, path, response.text)


def test_group_member_ids_beyond_bigint_are_422_at_the_item(client, session, club, headers):
    group = members.group(session, club)
    response = client.post(
        f"/v3/{club.slug}/members/groups/{group.id}/members", json={"member_ids": [1, 2**64]}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["details"] == {
        "member_ids": {"1": [{"error": "less_or_equal_to", "options": {"count": 2**63 - 1}}]}
    }


def test_nul_character_in_a_group_name_is_422(client, club, headers):
    response = client.post(f"/v3/{club.slug}/members/groups", json={"name": "VIP\x00"}, headers=headers)
    assert response.status_code == 422
    assert response.json()["details"] == {"name": [{"error": "invalid", "options": {}}]}


def test_member_ref_of_unicode_digits_is_404_not_500(client, club, headers):
    """``"²".isdigit()`` is true but ``int("²")`` fails: only ASCII digits are a member id."""
    response = client.get(f"/v3/{club.slug}/members/%C2%B2/offers", headers=headers)
    assert response.status_code == 404
    assert response.json() == {"error": "Member ² not found"}
