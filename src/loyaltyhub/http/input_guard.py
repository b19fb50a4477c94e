"""Refuse input that no column can store, before a handler turns it into a 500.

Two kinds of value pass pydantic but fail in the database:

* text with a NUL character or an unpaired UTF-16 surrogate (PostgreSQL ``text``/``jsonb`` reject both,
  and a surrogate cannot even be encoded to UTF-8);
* integers beyond the signed 64-bit range of ``BIGINT`` ids (SQLite raises ``OverflowError``,
  PostgreSQL ``bigint out of range``).

Both are answered 422 ``Invalid parameters`` with the B.7 details tree, at the parameter or body path.
Integer bounds are checked for path/query parameters declared as integers, and for every number of a
JSON body (no body field legitimately holds a number beyond ±2^63).

And JSON nested deeper than :data:`MAX_JSON_DEPTH` (no body of the API nests beyond a few levels) is 400
``JSON nested too deeply``: a 2 KB body of 1,000 brackets made the decoder (and every recursive walk after
it) raise ``RecursionError``, a 500 (issue #14). :func:`loads` is the bounded decoder for JSON that comes
in a parameter.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, get_args, get_origin

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.requests import Request

from loyaltyhub.errors import BadRequest, ValidationFailed, details_tree

MAX_BIGINT = 2**63 - 1
MAX_JSON_DEPTH = 64
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_INTEGER = re.compile(r"^\s*[+-]?[0-9]+\s*$", re.ASCII)

Path = tuple[str | int, ...]
Problem = tuple[Path, str, dict[str, Any]]


def _mentions_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    return any(_mentions_int(arg) for arg in get_args(annotation)) if get_origin(annotation) else False


def integer_params(route: APIRoute) -> frozenset[str]:
    """Names (aliases) of the route's path and query parameters declared as integers."""
    names: set[str] = set()

    def visit(dependant: Dependant) -> None:
        for field in (*dependant.path_params, *dependant.query_params):
            if _mentions_int(field.field_info.annotation):
                names.add(field.alias)
        for sub in dependant.dependencies:
            visit(sub)

    visit(route.dependant)
    return frozenset(names)


def _text_problem(value: str) -> tuple[str, dict[str, Any]] | None:
    return ("invalid", {}) if _UNSTORABLE.search(value) else None


class TooDeep(BadRequest):
    def __init__(self) -> None:
        super().__init__(f"JSON nested too deeply (at most {MAX_JSON_DEPTH} levels)")


def json_depth(value: Any) -> int:
    """How deeply ``value`` nests arrays and objects (iteratively: no recursion to exhaust)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, depth)
            if depth <= MAX_JSON_DEPTH:
                stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def loads(raw: str | bytes) -> Any:
    """``json.loads``, refusing JSON nested deeper than :data:`MAX_JSON_DEPTH` (400 :class:`TooDeep`);
    ``ValueError`` for malformed JSON, as ``json.loads``."""
    try:
        value = json.loads(raw)
    except RecursionError:
        raise TooDeep()
    if json_depth(value) > MAX_JSON_DEPTH:
        raise TooDeep()
    return value


def _walk_json(value: Any, path: Path) -> Iterator[Problem]:
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            yield (path, *problem)
    elif isinstance(value, bool) or value is None:
        return
    elif isinstance(value, int | float):
        if abs(value) > MAX_BIGINT:
            yield (path, "less_or_equal_to" if value > 0 else "greater_or_equal_to", {"count": MAX_BIGINT})
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and _text_problem(key):
                yield ((*path, key), "invalid", {})
            else:
                yield from _walk_json(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk_json(item, (*path, str(index)))


def unstorable_json(value: Any, path: Path = ()) -> list[Problem]:
    """The problems of a decoded JSON value (text no column can store, numbers beyond ±2^63), for a
    parameter that carries JSON of its own (``extras={...}``)."""
    return list(_walk_json(value, path))


def _param_problems(items: list[tuple[str, str]], integers: frozenset[str]) -> Iterator[Problem]:
    for name, value in items:
        if _text_problem(name) or _text_problem(value):
            yield ((name if not _text_problem(name) else "base",), "invalid", {})
        elif name in integers and _INTEGER.match(value) and abs(int(value)) > MAX_BIGINT:
            symbol = "greater_or_equal_to" if value.strip().startswith("-") else "less_or_equal_to"
            yield ((name,), symbol, {"count": MAX_BIGINT})


async def refuse_unstorable_input(request: Request, integers: frozenset[str], *, read_body: bool = True) -> None:
    """Raise 422 when a path/query parameter or the JSON body holds a value no column can store
    (``read_body=False``: a streamed, non-JSON body is left to the handler)."""
    problems = list(_param_problems([(k, str(v)) for k, v in request.path_params.items()], integers))
    problems += _param_problems(request.query_params.multi_items(), integers)
    if read_body and request.method in ("POST", "PUT", "PATCH", "DELETE"):
        raw = await request.body()
        if raw.strip():
            try:
                payload = loads(raw)
            except ValueError:
                payload = None  # malformed JSON is FastAPI's to answer
            problems += _walk_json(payload, ())
    if problems:
        raise ValidationFailed(details_tree(problems))
