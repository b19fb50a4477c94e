"""Inputs found by fuzzing (schemathesis) that used to answer 500."""

from __future__ import annotations


def test_position_beyond_its_32_bit_column_is_422(api):
    response = api.post("/collections", json={"title": {"en": "x"}, "position": 36028797018963967})
    assert response.status_code == 422
    assert response.json()["details"]["position"][0]["error"] == "less_or_equal_to"


def test_nul_in_a_collection_file_is_422(api):
    response = api.post(
        "/collections", json={"title": {"en": "x"}, "files": [{"kind": "image", "url": "https://x.example/\x00.png"}]}
    )
    assert response.status_code == 422
    assert response.json()["details"] == {"files": {"0": {"url": [{"error": "invalid", "options": {}}]}}}


def test_collection_id_beyond_bigint_is_422(api):
    response = api.get("/collections/98321312829717358837760")
    assert response.status_code == 422
    assert list(response.json()["details"]) == ["collection_id"]


def test_a_new_collection_after_one_at_the_last_position_is_created_last(api):
    """The next position after 2^31-1 used to overflow the INTEGER column (500 on PostgreSQL)."""
    first = api.post("/collections", json={"title": {"en": "first"}, "position": 2**31 - 1})
    assert first.status_code == 201, first.text
    second = api.post("/collections", json={"title": {"en": "second"}})
    assert second.status_code == 201, second.text
    assert second.json()["position"] == 2**31 - 1
    listed = [c["id"] for c in api.get("/collections").json()["collections"]]
    assert listed[-2:] == [first.json()["id"], second.json()["id"]]
