"""Field types of report declarations and the values each type accepts in filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from loyaltyhub.instants import representable

INTEGER = "integer"
STRING = "string"
ENUM = "enum"
BOOLEAN = "boolean"
TIMESTAMP = "timestamp"
INTEGER_ARRAY = "array[integer]"
STRING_ARRAY = "array[string]"
OBJECT = "object"

INTEGER_TEXT = re.compile(r"-?[0-9]{1,18}")
"""An integer written as text that a filter accepts for an integer field (ASCII digits: ``"²"`` passes
``str.isdigit()`` and is no integer; at most 18 digits: a 64-bit column holds it)."""

ORDERED_TYPES = frozenset({INTEGER, TIMESTAMP})
ARRAY_TYPES = frozenset({INTEGER_ARRAY, STRING_ARRAY})

# How metadata names the types (the vendor's spelling).
TYPE_LABELS = {
    INTEGER: "Integer",
    STRING: "String",
    ENUM: "Enum",
    BOOLEAN: "Boolean",
    TIMESTAMP: "Timestamp",
    INTEGER_ARRAY: "Array[Integer]",
    STRING_ARRAY: "Array[String]",
    OBJECT: "Object",
}


@dataclass(frozen=True)
class Field:
    """One field of a report: its type, whether filters may use it, and its enum values."""

    name: str
    type: str
    description: str = ""
    filterable: bool = True
    enum: tuple[str, ...] | None = None
    via_customer_header: bool = False
    array_backed: bool = False  # a scalar per event, stored as the event's list (e.g. usage collection ids)

    def metadata(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": TYPE_LABELS[self.type],
            "filterable": self.filterable and not self.via_customer_header,
            "description": self.description,
        }
        if self.via_customer_header:
            data["filterable_via"] = "X-Customer"
        if self.enum is not None:
            data["values"] = list(self.enum)
        return data


def element_type(field_type: str) -> str:
    return {INTEGER_ARRAY: INTEGER, STRING_ARRAY: STRING}.get(field_type, field_type)


def coerce(field: Field, value: Any) -> tuple[bool, Any]:
    """``(ok, python value)`` for one scalar filter value of ``field`` (arrays: one element)."""
    kind = element_type(field.type)
    if kind == INTEGER:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if not ok and isinstance(value, str) and INTEGER_TEXT.fullmatch(value):
            return True, int(value)  # place ids are documented as strings and integers alike
        return ok, value
    if kind == BOOLEAN:
        return isinstance(value, bool), value
    if kind == ENUM:
        return isinstance(value, str) and (field.enum is None or value in field.enum), value
    if kind == STRING:
        if isinstance(value, int) and not isinstance(value, bool):
            return True, str(value)
        return isinstance(value, str), value
    if kind == TIMESTAMP:
        if not isinstance(value, str):
            return False, value
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False, value
        return parsed.tzinfo is not None and representable(parsed), parsed
    return False, value


def expected_label(field: Field) -> str:
    kind = element_type(field.type)
    return {TIMESTAMP: "ISO 8601 timestamp with offset"}.get(kind, kind)
