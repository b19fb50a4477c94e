"""CSV and NDJSON as analysts open them: the csv module, polars, and one JSON object per line."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

import polars as pl
import pytest

from loyaltyhub.exports.formats import CsvWriter, NdjsonWriter, csv_cell, iso
from tests.exports.fakes import COLUMNS, item


def render_csv(rows: list[dict], columns: list[str] | None = None) -> str:
    out = io.StringIO(newline="")
    writer = CsvWriter(out, columns)
    for row in rows:
        writer.write(row)
    writer.close()
    return out.getvalue()


def test_times_are_iso_8601_with_offset_and_utc_as_z() -> None:
    assert iso(datetime(2024, 3, 31, 0, 30, tzinfo=UTC)) == "2024-03-31T00:30:00Z"
    oslo_summer = timezone(timedelta(hours=2))
    assert iso(datetime(2024, 3, 31, 3, 0, tzinfo=oslo_summer)) == "2024-03-31T03:00:00+02:00"


def test_cells_render_null_empty_booleans_lowercase_and_structures_as_json_text() -> None:
    assert csv_cell(None) == ""
    assert csv_cell(True) == "true"
    assert csv_cell(False) == "false"
    assert csv_cell([1, 2]) == "[1,2]"
    assert csv_cell({"a": {"b": "ø"}}) == '{"a":{"b":"ø"}}'
    assert csv_cell(7) == 7


def test_csv_has_a_header_and_rfc_4180_quoting_that_the_csv_module_reads_back() -> None:
    rows = [item(7, n) for n in range(4)]
    text = render_csv(rows, COLUMNS)

    assert text.startswith(",".join(COLUMNS) + "\r\n")
    assert '"Ann ""the"" Analyst"' in text  # quotes doubled inside a quoted field
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["name"] for r in parsed] == [r["name"] for r in rows]  # commas, quotes, newlines survive
    assert parsed[1]["tags"] == "[1,2]"
    assert json.loads(parsed[0]["properties"]) == {"k": 0, "nested": {"x": "y"}}
    assert parsed[0]["joined_at"] == "2024-03-31T00:30:00Z"
    assert parsed[0]["note"] == ""


def test_csv_round_trips_through_polars_with_the_right_types() -> None:
    rows = [item(7, n) for n in range(6)]
    frame = pl.read_csv(io.StringIO(render_csv(rows, COLUMNS)), try_parse_dates=True)

    assert frame.height == 6
    assert frame.schema["id"] == pl.Int64
    assert frame.schema["active"] == pl.Boolean
    assert frame.schema["score"] == pl.Float64
    assert frame.schema["name"] == pl.String
    assert isinstance(frame.schema["joined_at"], pl.Datetime)
    assert frame["joined_at"].dt.convert_time_zone("UTC").to_list() == [r["joined_at"] for r in rows]
    assert frame["id"].to_list() == [r["id"] for r in rows]
    assert frame["active"].to_list() == [r["active"] for r in rows]
    assert [json.loads(v) for v in frame["tags"].to_list()] == [r["tags"] for r in rows]
    assert frame["note"].null_count() == 6


def test_without_known_columns_the_first_row_sets_the_header_and_a_stray_key_is_an_error() -> None:
    assert render_csv([{"a": 1, "b": 2}]).splitlines()[0] == "a,b"
    with pytest.raises(ValueError, match="not in the header: c"):
        render_csv([{"a": 1}, {"a": 2, "c": 3}])


def test_a_missing_key_is_an_empty_cell() -> None:
    assert render_csv([{"a": 1}], ["a", "b"]).splitlines() == ["a,b", "1,"]


def test_ndjson_is_one_json_object_per_line() -> None:
    out = io.StringIO()
    writer = NdjsonWriter(out)
    rows = [item(7, n) for n in range(3)]
    for row in rows:
        writer.write(row)
    lines = out.getvalue().splitlines()

    assert len(lines) == 3
    first = json.loads(lines[0])
    assert first["joined_at"] == "2024-03-31T00:30:00Z"
    assert first["tags"] == [0, 1] and first["note"] is None and first["active"] is True
    assert json.loads(lines[2])["name"] == "line\nbreak"
