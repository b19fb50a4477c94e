"""A rule's ``data_conditions``: the reporting filter grammar (reference A.3, :mod:`loyaltyhub.reporting.filters`)
over the event and its member.

The fields a condition may name, per event type:

* ``data.<key>``: each key of the type's ``data`` schema (the one ``/member_events/types`` serves), typed from
  it (integers, strings, enums, booleans; a number is compared as a number but written as an integer);
* ``member.<field>``: the filterable fields of the ``members`` report that a member's reporting snapshot holds
  (``member.gender``, ``member.age``, ``member.group_ids``, ``member.marketing_via_email``...), read when the
  pair is judged;
* ``source``: the product that sent the event.

So ``{"type": "and", "operations": [{"type": "equal", "field": "data.url", "value": "https://..."},
{"type": "in", "field": "member.age", "value": ["20-24", "25-29"]}]}``. Checked when the rule is saved
(422 naming the bad node under ``data_conditions``), evaluated in memory when a pair is judged (the parsed
tree is cached per rule text), with the grammar's semantics (:func:`loyaltyhub.reporting.filters.evaluate`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from functools import lru_cache
from typing import Any

from loyaltyhub.events.types import EVENT_TYPES
from loyaltyhub.members.events import SNAPSHOT_FIELDS
from loyaltyhub.reporting.fields import (
    BOOLEAN,
    ENUM,
    INTEGER,
    INTEGER_ARRAY,
    OBJECT,
    STRING,
    STRING_ARRAY,
    Field,
)
from loyaltyhub.reporting.filters import Node, evaluate, parse_filter
from loyaltyhub.reporting.reports.members import MEMBER_FIELDS

SOURCE = Field("source", STRING, "The product that sent the event (X-Product-Name); loyaltyhub for its own")
_SCALARS = {"integer": INTEGER, "number": INTEGER, "string": STRING, "boolean": BOOLEAN}


def _member_fields() -> dict[str, Field]:
    return {
        f"member.{field.name}": replace(field, name=f"member.{field.name}")
        for field in MEMBER_FIELDS
        if field.name in SNAPSHOT_FIELDS and field.filterable and not field.via_customer_header and field.type != OBJECT
    }


def _data_field(key: str, schema: dict[str, Any]) -> Field | None:
    options = [s for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
    if len(options) != 1:
        return None
    option = options[0]
    name, description = f"data.{key}", schema.get("description") or option.get("description") or ""
    if "enum" in option:
        return Field(name, ENUM, description, enum=tuple(option["enum"]))
    if option.get("type") == "array":
        items = option.get("items", {}).get("type")
        kind = {"integer": INTEGER_ARRAY, "string": STRING_ARRAY}.get(items)
        return Field(name, kind, description) if kind else None
    kind = _SCALARS.get(option.get("type", ""))
    return Field(name, kind, description) if kind else None


@lru_cache(maxsize=64)
def fields_for(event_type: str) -> dict[str, Field]:
    """What a condition of a rule on ``event_type`` may name."""
    fields: dict[str, Field] = {"source": SOURCE, **_member_fields()}
    kind = EVENT_TYPES.get(event_type)
    if kind is not None:
        for key, schema in kind.schema().get("properties", {}).items():
            field = _data_field(key, schema)
            if field is not None:
                fields[field.name] = field
    return fields


def parse(event_type: str, raw: Any) -> Node | None:
    """The condition tree, or 422 (``ValidationFailed``) naming every bad node under ``data_conditions``."""
    return parse_filter(raw, fields_for(event_type), ("data_conditions",))


@lru_cache(maxsize=4096)
def _cached(event_type: str, text: str) -> Node | None:
    return parse(event_type, json.loads(text))


def compiled(event_type: str, raw: Any) -> Node | None:
    """The parsed tree of a saved rule's conditions (cached: rules are judged far more often than saved)."""
    if raw is None:
        return None
    return _cached(event_type, json.dumps(raw, sort_keys=True))


def holds(node: Node | None, *, source: str | None, member: dict[str, Any], data: dict[str, Any]) -> bool:
    if node is None:
        return True
    record: dict[str, Any] = {"source": source}
    record.update((f"member.{key}", value) for key, value in member.items())
    record.update((f"data.{key}", value) for key, value in data.items())
    return evaluate(node, record)
