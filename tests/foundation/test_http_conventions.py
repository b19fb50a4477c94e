"""Error bodies, the 422 details tree and page-based pagination (reference B.5, B.7)."""

from __future__ import annotations

import pytest

from loyaltyhub.errors import details_tree
from loyaltyhub.http.errors import symbol_for
from loyaltyhub.http.pagination import Page


def test_details_tree_mirrors_the_payload_with_indexes_as_strings():
    tree = details_tree(
        [
            (("member", "name"), "too_short", {"min_length": 0}),
            (("member", "name"), "invalid_format", {"format": "/[A-Z][a-z]+/"}),
            (("member", "msisdns", 0), "invalid_msisdn", {}),
            (("member", "msisdns", 2), "blank", {}),
        ]
    )
    assert tree == {
        "member": {
            "name": [
                {"error": "too_short", "options": {"min_length": 0}},
                {"error": "invalid_format", "options": {"format": "/[A-Z][a-z]+/"}},
            ],
            "msisdns": {"0": [{"error": "invalid_msisdn", "options": {}}], "2": [{"error": "blank", "options": {}}]},
        }
    }


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        ({"type": "missing"}, ("blank", {})),
        ({"type": "extra_forbidden"}, ("unknown_attribute", {})),
        ({"type": "greater_than_equal", "ctx": {"ge": 1}}, ("greater_or_equal_to", {"number": 1})),
        ({"type": "literal_error", "ctx": {"expected": "'asc' or 'desc'"}}, ("inclusion", {"in": ["asc", "desc"]})),
        ({"type": "int_parsing"}, ("invalid_type", {"expected": "integer"})),
        ({"type": "invalid_msisdn", "ctx": {}}, ("invalid_msisdn", {})),
    ],
)
def test_pydantic_errors_map_to_documented_symbols(error, expected):
    assert symbol_for(error) == expected


def test_validation_errors_through_http(client):
    response = client.post("/v1/users/oauth/token", json={"grant_type": "magic", "extra": 1})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "Invalid parameters"
    assert body["details"]["grant_type"] == [{"error": "inclusion", "options": {"in": ["password"]}}]
    assert body["details"]["email"] == [{"error": "blank", "options": {}}]
    assert body["details"]["extra"] == [{"error": "unknown_attribute", "options": {}}]


def test_unknown_route_and_method_answer_in_error_format(client):
    missing = client.get("/v1/nothing-here")
    assert missing.status_code == 404 and missing.json() == {"error": "Not found"}
    wrong = client.delete("/v1/users/oauth/token")
    assert wrong.status_code == 405 and "error" in wrong.json()


@pytest.mark.parametrize(
    ("total", "page_no", "per_page", "expected"),
    [
        (0, 1, 100, dict(total_pages=0, next_page=None, prev_page=None, is_last_page=True, is_out_of_range=False)),
        (250, 1, 100, dict(total_pages=3, next_page=2, prev_page=None, is_last_page=False, is_out_of_range=False)),
        (250, 3, 100, dict(total_pages=3, next_page=None, prev_page=2, is_last_page=True, is_out_of_range=False)),
        (200, 2, 100, dict(total_pages=2, next_page=None, prev_page=1, is_last_page=True, is_out_of_range=False)),
        (200, 3, 100, dict(total_pages=2, next_page=None, prev_page=2, is_last_page=True, is_out_of_range=True)),
        (200, 9, 100, dict(total_pages=2, next_page=None, prev_page=None, is_last_page=True, is_out_of_range=True)),
    ],
)
def test_pagination_info_at_the_edges(total, page_no, per_page, expected):
    info = Page(page_no=page_no, per_page=per_page).info(total).model_dump()
    assert info["total_count"] == total and info["current_page"] == page_no
    assert info["is_first_page"] == (page_no == 1)
    for key, value in expected.items():
        assert info[key] == value, key
