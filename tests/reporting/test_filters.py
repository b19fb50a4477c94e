"""The filter grammar of reference A.3: checks, error paths, cost and semantics."""

from __future__ import annotations

import pytest

from loyaltyhub.errors import ValidationFailed
from loyaltyhub.reporting.fields import BOOLEAN, ENUM, INTEGER, INTEGER_ARRAY, OBJECT, STRING, TIMESTAMP, Field
from loyaltyhub.reporting.filters import Logical, Operation, evaluate, filter_cost, parse_filter

FIELDS = {
    f.name: f
    for f in (
        Field("id", INTEGER),
        Field("gender", STRING),
        Field("age", ENUM, enum=("20-24", "25-29")),
        Field("flag", BOOLEAN),
        Field("created_at", TIMESTAMP),
        Field("group_ids", INTEGER_ARRAY),
        Field("properties", OBJECT, filterable=False),
        Field("community_id", INTEGER, via_customer_header=True),
    )
}


def details(raw):
    with pytest.raises(ValidationFailed) as caught:
        parse_filter(raw, FIELDS)
    return caught.value.body()["details"]


def test_null_filter_is_allowed():
    assert parse_filter(None, FIELDS) is None


def test_a_single_operation_may_be_the_whole_filter():
    assert parse_filter({"type": "equal", "field": "id", "value": 7}, FIELDS) == Operation("equal", "id", 7)


def test_nested_logical_nodes_parse():
    node = parse_filter(
        {
            "type": "and",
            "operations": [
                {"type": "equal", "field": "gender", "value": "woman"},
                {"type": "or", "operations": [{"type": "in", "field": "group_ids", "value": [1, 2]}]},
            ],
        },
        FIELDS,
    )
    assert isinstance(node, Logical)
    assert node.operations[1] == Logical("or", (Operation("in", "group_ids", (1, 2)),))


def test_cost_is_one_per_and_three_per_or():
    node = parse_filter(
        {
            "type": "and",
            "operations": [
                {"type": "or", "operations": [{"type": "equal", "field": "id", "value": 1}]},
                {"type": "or", "operations": [{"type": "equal", "field": "id", "value": 2}]},
            ],
        },
        FIELDS,
    )
    assert filter_cost(node) == 1 + 3 + 3
    assert filter_cost(parse_filter({"type": "equal", "field": "id", "value": 1}, FIELDS)) == 0


def test_errors_name_the_path_of_the_bad_node():
    tree = details(
        {
            "type": "and",
            "operations": [
                {"type": "equal", "field": "id", "value": 1},
                {"type": "equal", "field": "nope", "value": 1},
                {"type": "greater_than", "field": "gender", "value": "a"},
            ],
        }
    )
    operations = tree["filter"]["operations"]
    assert operations["1"]["field"][0]["error"] == "inclusion"
    assert "gender" in operations["1"]["field"][0]["options"]["in"]
    assert operations["2"]["type"][0]["error"] == "inclusion"
    assert "0" not in operations


@pytest.mark.parametrize(
    ("raw", "path", "symbol"),
    [
        ({"field": "id", "value": 1}, ("type",), "blank"),
        ({"type": "like", "field": "id", "value": 1}, ("type",), "inclusion"),
        ({"type": "and"}, ("operations",), "blank"),
        ({"type": "and", "operations": []}, ("operations",), "too_short"),
        ({"type": "equal", "field": "id"}, ("value",), "blank"),
        ({"type": "equal", "field": "id", "value": "x"}, ("value",), "invalid_type"),
        ({"type": "equal", "field": "id", "value": "\u00b2"}, ("value",), "invalid_type"),  # "²": isdigit(), no int
        ({"type": "equal", "field": "id", "value": "--5"}, ("value",), "invalid_type"),
        ({"type": "equal", "field": "age", "value": "19-21"}, ("value",), "inclusion"),
        ({"type": "equal", "field": "flag", "value": 1}, ("value",), "invalid_type"),
        ({"type": "in", "field": "id", "value": 1}, ("value",), "invalid_type"),
        ({"type": "equal", "field": "group_ids", "value": 1}, ("type",), "inclusion"),
        ({"type": "equal", "field": "properties", "value": 1}, ("field",), "not_filterable"),
        ({"type": "equal", "field": "community_id", "value": 1}, ("field",), "not_filterable"),
        ({"type": "less_than", "field": "created_at", "value": "yesterday"}, ("value",), "invalid_type"),
        ({"type": "equal", "field": "id", "value": 1, "extra": 2}, ("extra",), "unknown_attribute"),
    ],
)
def test_bad_nodes(raw, path, symbol):
    node = details(raw)["filter"]
    for key in path:
        node = node[key]
    assert node[0]["error"] == symbol


def test_in_reports_the_index_of_a_bad_element():
    tree = details({"type": "in", "field": "id", "value": [1, "x"]})
    assert tree["filter"]["value"]["1"][0]["error"] == "invalid_type"


def test_timestamps_need_an_offset():
    details({"type": "less_than", "field": "created_at", "value": "2024-01-01T00:00:00"})
    node = parse_filter({"type": "less_than", "field": "created_at", "value": "2024-01-01T00:00:00Z"}, FIELDS)
    assert node.value.tzinfo is not None


@pytest.mark.parametrize(
    ("raw", "record", "expected"),
    [
        ({"type": "equal", "field": "gender", "value": None}, {"gender": None}, True),
        ({"type": "not_equal", "field": "gender", "value": None}, {"gender": None}, False),
        ({"type": "not_equal", "field": "gender", "value": "man"}, {"gender": None}, True),
        ({"type": "in", "field": "group_ids", "value": [2, 5]}, {"group_ids": [1, 2]}, True),
        ({"type": "in", "field": "group_ids", "value": [5]}, {"group_ids": [1, 2]}, False),
        ({"type": "not_in", "field": "group_ids", "value": [5]}, {"group_ids": [1, 2]}, True),
        ({"type": "not_in", "field": "group_ids", "value": [2]}, {"group_ids": [1, 2]}, False),
        ({"type": "greater_than", "field": "id", "value": 3}, {"id": None}, False),
    ],
)
def test_semantics(raw, record, expected):
    assert evaluate(parse_filter(raw, FIELDS), record) is expected
