"""Row writers: CSV (RFC 4180 via the ``csv`` module) and NDJSON (one JSON object per line).

Values are rendered the same way in both formats: times in ISO 8601 with offset (UTC as ``Z``),
dates in ISO 8601. CSV adds: arrays and objects as JSON text, booleans as ``true``/``false``,
null as an empty field.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import IO, Any, Protocol

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
EXTENSIONS = {"csv": "csv", "ndjson": "ndjson"}


def iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


_ENCODER = json.JSONEncoder(default=json_default, ensure_ascii=False, separators=(",", ":"))


def dumps(value: Any) -> str:
    return _ENCODER.encode(value)


def csv_cell(value: Any) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is float:  # the common cases first: this runs once per cell
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return value
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return json_default(value)
    if isinstance(value, Enum):
        return csv_cell(value.value)
    return dumps(value)


class RowWriter(Protocol):
    def write(self, row: dict[str, Any]) -> None: ...

    def close(self) -> None: ...


class CsvWriter:
    """CSV with a header row. The header is ``columns`` or, when not known up front, the first row's keys;
    a later row's unknown keys are an error (a half-shaped file is worse than a failed job)."""

    def __init__(self, out: IO[str], columns: Iterable[str] | None = None) -> None:
        self._out = out
        self._writer = csv.writer(out, dialect="excel", lineterminator="\r\n")
        self._columns: list[str] | None = None
        if columns is not None:
            self._start(list(columns))

    def _start(self, columns: list[str]) -> None:
        self._columns = columns
        self._known = set(columns)
        self._writer.writerow(columns)

    def write(self, row: dict[str, Any]) -> None:
        if self._columns is None:
            self._start(list(row))
        assert self._columns is not None
        if not self._known.issuperset(row):
            unknown = sorted(set(row) - self._known)
            raise ValueError(f"row has columns not in the header: {', '.join(unknown)}")
        self._writer.writerow([csv_cell(row.get(column)) for column in self._columns])

    def close(self) -> None:
        """Nothing to finish: a query without rows and without known columns gives an empty file."""


class NdjsonWriter:
    def __init__(self, out: IO[str], columns: Iterable[str] | None = None) -> None:
        self._out = out

    def write(self, row: dict[str, Any]) -> None:
        self._out.write(dumps(row))
        self._out.write("\n")

    def close(self) -> None:
        pass


def writer_for(fmt: str, out: IO[str], columns: Iterable[str] | None = None) -> RowWriter:
    if fmt == "csv":
        return CsvWriter(out, columns)
    if fmt == "ndjson":
        return NdjsonWriter(out, columns)
    raise ValueError(f"unknown export format {fmt!r}")
