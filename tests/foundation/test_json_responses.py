"""The app's JSON answers (orjson) are the bytes the standard library would give, or better."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from loyaltyhub.http.responses import DataResponse, JSONResponse


def _standard(content: object) -> bytes:
    return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()


def test_the_same_bytes_as_the_standard_library_for_plain_data() -> None:
    content = {"offers": [{"id": 1, "name": "Kaffe på huset", "usage": None, "liked": True}], "total": 2.5}
    assert JSONResponse(content).body == _standard(content)


def test_integer_keys_are_written_as_strings() -> None:
    assert json.loads(JSONResponse({1: "a", "b": {2: 3}}).body) == {"1": "a", "b": {"2": 3}}


def test_an_integer_beyond_64_bits_falls_back_to_the_standard_library() -> None:
    content = {"big": 2**70, "list": [-(2**65)]}
    assert JSONResponse(content).body == _standard(content)
    assert json.loads(DataResponse(content).body) == content


def test_data_answers_convert_decimals_and_times_as_before() -> None:
    moment = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
    body = json.loads(
        DataResponse({"sum": Decimal("12"), "avg": Decimal("2.5"), "at": moment, "on": date(2026, 12, 1)}).body
    )
    assert body == {"sum": 12, "avg": 2.5, "at": "2026-12-01T09:30:00+00:00", "on": "2026-12-01"}
