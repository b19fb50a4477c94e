"""The X-Customer grammar (reference B.4)."""

from __future__ import annotations

import pytest

from loyaltyhub.auth.customers import CustomerHeaderError, CustomerSelector, parse_customer


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("1000941", CustomerSelector(ids=(1000941,))),
        ("1000941_1000942", CustomerSelector(ids=(1000941, 1000942))),
        ("id=1000941", CustomerSelector(ids=(1000941,))),
        ("id=1_2", CustomerSelector(ids=(1, 2))),
        ("all=all", CustomerSelector(all=True)),
        ("chain=Cats", CustomerSelector(filters={"chain": "Cats"})),
        ("chain=Cats;country=PL", CustomerSelector(filters={"chain": "Cats", "country": "PL"})),
    ],
)
def test_documented_forms(header, expected):
    assert parse_customer(header) == expected


@pytest.mark.parametrize(
    "header", ["", "abc", "id=", "id=a_b", "all=some", "chain=Cats;chain=Dogs", "planet=Mars", "id=1;chain=x", "1__2"]
)
def test_malformed_forms_are_refused(header):
    with pytest.raises(CustomerHeaderError):
        parse_customer(header)


def test_more_than_forty_ids_is_refused():
    with pytest.raises(CustomerHeaderError):
        parse_customer("_".join(str(i) for i in range(1, 42)))
