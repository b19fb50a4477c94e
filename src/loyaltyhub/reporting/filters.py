"""The filter grammar of reference A.3: parse and check a JSON tree, count its cost, compile it to SQL.

Logical nodes ``{"type": "and"|"or", "operations": [...]}``; operation nodes
``{"type": <op>, "field": <name>, "value": <value>}``. ``equal``/``not_equal`` with ``null`` mean
IS NULL / IS NOT NULL; ``in``/``not_in`` on an array field match when any element is shared (or none).
Errors name the path of the bad node inside the request body (under ``filter``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, String, and_, false, not_, or_, true

from loyaltyhub.errors import ValidationFailed, details_tree
from loyaltyhub.reporting.fields import ARRAY_TYPES, OBJECT, ORDERED_TYPES, Field, coerce, expected_label

LOGICAL_COSTS = {"and": 1, "or": 3}
COMPARISONS = ("greater_than", "greater_or_equal_to", "less_than", "less_or_equal_to")
OPERATIONS = ("equal", "not_equal", *COMPARISONS, "in", "not_in")
NODE_TYPES = (*LOGICAL_COSTS, *OPERATIONS)
MAX_DEPTH = 8
MAX_NODES = 200
MAX_VALUES = 10_000
"""Values of all ``in``/``not_in`` lists of one filter together: each is a bind parameter, and PostgreSQL
takes at most 65,535 per statement (70,000 values were a 500, issue #14)."""

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Logical:
    type: str
    operations: tuple[Node, ...]


@dataclass(frozen=True)
class Operation:
    type: str
    field: str
    value: Any


Node = Logical | Operation


class ArrayColumn(Protocol):
    """How a source exposes an array field: conditions instead of a column."""

    def any_of(self, values: list[Any]) -> ColumnElement[bool]: ...


Resolver = Callable[[str], "ColumnElement[Any] | ArrayColumn"]


class _Errors:
    def __init__(self) -> None:
        self.items: list[tuple[Path, str, dict[str, Any]]] = []

    def add(self, path: Path, symbol: str, **options: Any) -> None:
        self.items.append((path, symbol, options))


def parse_filter(raw: Any, fields: Mapping[str, Field], path: Path = ("filter",)) -> Node | None:
    """Check ``raw`` against the report's fields; raise 422 naming every bad node."""
    if raw is None:
        return None
    errors = _Errors()
    counter = [0, 0]  # nodes, values of in/not_in lists
    node = _parse(raw, fields, path, errors, 0, counter)
    if errors.items:
        raise ValidationFailed(details_tree(errors.items))
    return node


def _parse(raw: Any, fields: Mapping[str, Field], path: Path, errors: _Errors, depth: int, counter: list[int]) -> Any:
    counter[0] += 1
    if counter[0] > MAX_NODES:
        errors.add(path, "too_long", max_nodes=MAX_NODES)
        return None
    if not isinstance(raw, dict):
        errors.add(path, "invalid_type", expected="object")
        return None
    kind = raw.get("type")
    if kind is None:
        errors.add((*path, "type"), "blank")
        return None
    if kind not in NODE_TYPES:
        errors.add((*path, "type"), "inclusion", **{"in": list(NODE_TYPES)})
        return None
    if kind in LOGICAL_COSTS:
        allowed = {"type", "operations"}
        for key in sorted(set(raw) - allowed):
            errors.add((*path, key), "unknown_attribute")
        if depth >= MAX_DEPTH:
            errors.add(path, "too_deep", max_depth=MAX_DEPTH)
            return None
        operations = raw.get("operations")
        if operations is None:
            errors.add((*path, "operations"), "blank")
            return None
        if not isinstance(operations, list):
            errors.add((*path, "operations"), "invalid_type", expected="array")
            return None
        if not operations:
            errors.add((*path, "operations"), "too_short", min_length=1)
            return None
        children = [
            _parse(child, fields, (*path, "operations", index), errors, depth + 1, counter)
            for index, child in enumerate(operations)
        ]
        return Logical(kind, tuple(children))
    for key in sorted(set(raw) - {"type", "field", "value"}):
        errors.add((*path, key), "unknown_attribute")
    name = raw.get("field")
    if name is None:
        errors.add((*path, "field"), "blank")
        return None
    field = fields.get(name) if isinstance(name, str) else None
    if field is None:
        errors.add((*path, "field"), "inclusion", **{"in": sorted(n for n, f in fields.items() if _filterable(f))})
        return None
    if not _filterable(field):
        errors.add((*path, "field"), "not_filterable")
        return None
    if "value" not in raw:
        errors.add((*path, "value"), "blank")
        return None
    value = raw["value"]
    value_path = (*path, "value")
    is_array = field.type in ARRAY_TYPES
    if kind in ("in", "not_in"):
        if not isinstance(value, list):
            errors.add(value_path, "invalid_type", expected="array")
            return None
        counter[1] += len(value)
        if counter[1] > MAX_VALUES:
            errors.add(value_path, "too_long", max_length=MAX_VALUES)
            return None
        coerced = []
        for index, item in enumerate(value):
            ok, item_value = coerce(field, item)
            if not ok:
                _bad_value(errors, (*value_path, index), field)
            coerced.append(item_value)
        return Operation(kind, name, tuple(coerced))
    if is_array:
        errors.add((*path, "type"), "inclusion", **{"in": ["in", "not_in"]})
        return None
    if field.array_backed and kind in COMPARISONS:
        errors.add((*path, "type"), "inclusion", **{"in": ["equal", "not_equal", "in", "not_in"]})
        return None
    if kind in COMPARISONS and field.type not in ORDERED_TYPES:
        errors.add((*path, "type"), "inclusion", **{"in": ["equal", "not_equal", "in", "not_in"]})
        return None
    if value is None:
        if kind in COMPARISONS:
            errors.add(value_path, "blank")
            return None
        return Operation(kind, name, None)
    ok, coerced_value = coerce(field, value)
    if not ok:
        _bad_value(errors, value_path, field)
        return None
    return Operation(kind, name, coerced_value)


def _filterable(field: Field) -> bool:
    return field.filterable and not field.via_customer_header and field.type != OBJECT


def _bad_value(errors: _Errors, path: Path, field: Field) -> None:
    if field.enum is not None:
        errors.add(path, "inclusion", **{"in": list(field.enum)})
    else:
        errors.add(path, "invalid_type", expected=expected_label(field))


def filter_cost(node: Node | None) -> int:
    """Rate-limit tokens a filter adds: ``and`` 1, ``or`` 3 (reference A.1); operations are free."""
    if node is None or isinstance(node, Operation):
        return 0
    return LOGICAL_COSTS[node.type] + sum(filter_cost(child) for child in node.operations)


def compile_filter(node: Node | None, resolve: Resolver) -> ColumnElement[bool]:
    if node is None:
        return true()
    if isinstance(node, Logical):
        parts = [compile_filter(child, resolve) for child in node.operations]
        return and_(*parts) if node.type == "and" else or_(*parts)
    target = resolve(node.field)
    value = node.value
    if hasattr(target, "any_of"):
        # An array, or a scalar field stored as an array (a usage's collection_id): any shared element.
        wanted = list(value) if isinstance(value, tuple | list) else [value]
        if value is None:
            return false() if node.type == "equal" else true()
        shared = target.any_of(wanted) if wanted else false()  # type: ignore[union-attr]
        return shared if node.type in ("in", "equal") else not_(shared)
    column: Any = target
    if isinstance(getattr(column, "type", None), String):
        # Ids stored as text (place ids) are filtered with integers, as the reports document them.
        value = tuple(_text(v) for v in value) if isinstance(value, tuple) else _text(value)
    if node.type == "equal":
        return column.is_(None) if value is None else column == value
    if node.type == "not_equal":
        return column.is_not(None) if value is None else or_(column != value, column.is_(None))
    if node.type == "greater_than":
        return column > value
    if node.type == "greater_or_equal_to":
        return column >= value
    if node.type == "less_than":
        return column < value
    if node.type == "less_or_equal_to":
        return column <= value
    if node.type == "in":
        return column.in_(list(value)) if value else false()
    return or_(column.not_in(list(value)), column.is_(None)) if value else true()


def _text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


def evaluate(node: Node | None, record: Mapping[str, Any]) -> bool:
    """The same semantics in plain Python (used by tests as the reference implementation)."""
    if node is None:
        return True
    if isinstance(node, Logical):
        results = (evaluate(child, record) for child in node.operations)
        return all(results) if node.type == "and" else any(results)
    actual = record.get(node.field)
    value = node.value
    if isinstance(actual, list | tuple | set):
        shared = bool(set(actual) & set(value))
        return shared if node.type == "in" else not shared
    if node.type == "equal":
        return actual is None if value is None else actual == value
    if node.type == "not_equal":
        return actual is not None if value is None else actual != value
    if node.type in ("in", "not_in"):
        inside = actual is not None and actual in value
        return inside if node.type == "in" else not inside
    if actual is None:
        return False
    return {
        "greater_than": actual > value,
        "greater_or_equal_to": actual >= value,
        "less_than": actual < value,
        "less_or_equal_to": actual <= value,
    }[node.type]
