"""Inputs found by fuzzing (schemathesis) that used to answer 500."""

from __future__ import annotations


def test_nul_character_in_external_ids_filter_is_422_not_500(client, factory):
    club = factory.club()
    response = client.get(
        f"/v3/{club.slug}/stores",
        params=[("external_ids", "ok"), ("external_ids", "M\x00x")],
        headers=factory.headers(factory.client_token([club])),
    )
    assert response.status_code == 422
    assert response.json() == {
        "error": "Invalid parameters",
        "details": {"external_ids": [{"error": "invalid", "options": {}}]},
    }


def test_huge_store_id_is_422_not_500(client, factory):
    club = factory.club()
    headers = factory.headers(factory.client_token([club]))
    for method in ("GET", "PATCH", "DELETE"):
        response = client.request(
            method,
            f"/v3/{club.slug}/stores/19954109996858171457536",
            headers=headers,
            json={} if method == "PATCH" else None,
        )
        assert response.status_code == 422, method
        assert response.json()["error"] == "Invalid parameters"
