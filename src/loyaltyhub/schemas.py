"""Building blocks of every domain's request and response models.

* :class:`StrictModel` — a request body, read the way the vendor's platform reads one (SPEC §4, below).
* :class:`UpdateModel` — a PATCH body: a ``StrictModel`` that must change something, and whose resource's
  read-only keys (:class:`ReadOnlyKeys`) may be sent back as they were read (below).
* :class:`PaginationInfo` — ``pagination_info`` of every page-based list (reference B.5).

Query-string lists (``ids=1&ids=2``, ``ids[]=1``, ``ids=1,2``) are parsed by :mod:`loyaltyhub.http.params`.

**A client can send back what it read.** A PATCH body may be a previous GET body of the same resource.
Each resource's update model declares its read-only keys (:class:`ReadOnlyKeys`); they are set aside
before the body is validated, so they are never "unknown attributes", and the route compares them with
the resource as it is now (:meth:`UpdateModel.refuse_changed_read_only`):

- ``fixed`` keys change only when the resource itself is written (``id``, ``created_at``,
  ``updated_at``, derived fields...): ignored when equal to the stored value, otherwise 422 with
  ``read_only`` at the key. A stale ``updated_at`` therefore refuses a body that would silently undo
  someone else's edit.
- ``live`` keys move without the resource being written (counters and aggregates such as
  ``uses_count`` or ``members_count``): ignored whatever they hold, since a body read a moment ago
  may hold an older count, and refusing it would fail at random under traffic.

Every other key is validated as usual.

**Input the vendor's clients send** (``docs/decisions/compatibility.md``). Integrations written against the
vendor build their JSON from forms and add keys of their own; the vendor's platform takes both. Every
request body (every :class:`StrictModel`, nested ones included) therefore, before validation:

- drops keys it does not know (they are never stored);
- reads scalars sent as strings as the vendor does, guided by the field's type: a boolean from ``"true"``,
  ``"false"``, ``"1"``, ``"0"`` (any case); an integer from a digit string (``"-12"``) or from a number whose
  fraction is zero (``10.0``: an integer in JSON Schema's sense); a number from a
  decimal string; ``null`` from ``""`` where the field is nullable and not text. Anything else (``"yes"``,
  ``"1.5"`` for an integer, ``1`` for a boolean) is still 422 ``invalid_type``: the fields themselves stay
  ``StrictInt``/``StrictBool``, so pydantic's own lax mode (``"off"`` is ``False``, ``true`` is ``1``) never
  applies. The OpenAPI schema of each such field declares the string forms it takes (:func:`_declare`).

**Strict input** (``LOYALTYHUB_STRICT_INPUT=true`` for the server, or ``X-Strict-Input: true`` on one
request) turns both off: an unknown key is 422 ``unknown_attribute`` and a scalar must have its JSON type.
The route class sets it per request (:func:`strict_input`); outside a request bodies are read strictly.
Known read-only keys keep their rule in both modes: they are set aside first (never dropped as unknown),
so a change the client asked for is never silently lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from loyaltyhub.errors import ValidationFailed, details_tree

_STRICT_INPUT: ContextVar[bool] = ContextVar("loyaltyhub_strict_input", default=True)


@contextmanager
def strict_input(strict: bool) -> Iterator[None]:
    """Bodies validated inside read strictly (``True``) or as the vendor does (``False``)."""
    token = _STRICT_INPUT.set(strict)
    try:
        yield
    finally:
        _STRICT_INPUT.reset(token)


def is_strict_input() -> bool:
    return _STRICT_INPUT.get()


class StrictModel(BaseModel):
    """A request body: unknown keys dropped and string scalars read as the vendor does, or, in strict
    input, unknown keys refused and scalars of their JSON type only (module docstring)."""

    model_config = ConfigDict(extra="forbid")
    envelope: ClassVar[str | None] = None
    """The key the older docs wrap this body in (``{"image_template": {...}}``): a body whose only key it is,
    holding an object, is read as that object, in both modes (docs/decisions/compatibility.md)."""

    @classmethod
    def unwrap(cls, data: Any) -> Any:
        if cls.envelope and isinstance(data, dict) and len(data) == 1 and isinstance(data.get(cls.envelope), dict):
            return data[cls.envelope]
        return data

    @model_validator(mode="wrap")
    @classmethod
    def _vendor_input(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Self:
        data = cls.unwrap(data)
        if isinstance(data, dict) and not _STRICT_INPUT.get():
            data = _reader(cls).read(data)
        return handler(data)

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        for key, value in list(target.get("properties", {}).items()):
            target["properties"][key] = _declare(value)
        return schema


# The string forms the vendor's clients send for scalars, as JSON Schema (declared in the OpenAPI).
_TRUE, _FALSE = {"true", "1"}, {"false", "0"}
_BOOLEAN_TEXT = {"type": "string", "pattern": "^([Tt][Rr][Uu][Ee]|[Ff][Aa][Ll][Ss][Ee]|1|0)$"}
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_INTEGER_TEXT = {"type": "string", "pattern": "^-?[0-9]{1,19}$"}
_NUMBER = re.compile(r"-?[0-9]{1,19}(\.[0-9]{1,19})?")
_NUMBER_TEXT = {"type": "string", "pattern": r"^-?[0-9]{1,19}(\.[0-9]{1,19})?$"}
_EMPTY_TEXT = {"type": "string", "maxLength": 0}
_UNCHANGED = object()
Coerce = Callable[[Any], Any]  # a value as sent -> the value to validate, or _UNCHANGED


@dataclass(frozen=True)
class _Reader:
    """How a model reads a body as the vendor does: its known keys and a coercion per field."""

    known: frozenset[str]
    fields: Mapping[str, Coerce]
    forbids_extra: bool

    def read(self, data: dict[str, Any]) -> dict[str, Any]:
        out = {}
        for key, value in data.items():
            if key not in self.known and self.forbids_extra:
                continue
            coerce = self.fields.get(key)
            coerced = coerce(value) if coerce is not None else _UNCHANGED
            out[key] = value if coerced is _UNCHANGED else coerced
        return out


@cache
def _reader(cls: type[BaseModel]) -> _Reader:
    """The reading of ``cls``, from its core schema (computed once per class). Read-only keys are known keys:
    they are set aside by :class:`UpdateModel`, never dropped as unknown."""
    fields: dict[str, Coerce] = {}
    read_only = getattr(cls, "read_only_keys", ReadOnlyKeys())
    known = {dotted.split(".")[0] for dotted in (*read_only.fixed, *read_only.live)}
    by_name = cls.model_config.get("populate_by_name", False) or cls.model_config.get("validate_by_name", False)
    definitions = _definitions(cls.__pydantic_core_schema__)
    model_fields = _model_fields(cls.__pydantic_core_schema__, definitions)
    if not model_fields:  # not a model whose fields can be read: validated as sent
        return _Reader(frozenset(), {}, forbids_extra=False)
    for name, field in model_fields.items():
        alias = field.get("validation_alias")
        keys = [alias] if isinstance(alias, str) else [path[0] for path in alias or [] if path]
        if not keys or by_name:
            keys.append(name)
        coerce = _coercer(field["schema"], definitions)
        for key in keys:
            known.add(key)
            if coerce is not None:
                fields[key] = coerce
    return _Reader(frozenset(known), fields, cls.model_config.get("extra") == "forbid")


def _definitions(schema: CoreSchema) -> dict[str, Any]:
    found: dict[str, Any] = {}
    if schema.get("type") == "definitions":
        for item in schema.get("definitions", []):
            found[item.get("ref")] = item
    return found


def _model_fields(schema: Any, definitions: dict[str, Any]) -> dict[str, Any]:
    """The fields of a model's core schema (through its validators and definitions)."""
    if not isinstance(schema, dict):
        return {}
    kind = schema.get("type")
    if kind == "model-fields":
        return schema["fields"]
    if kind == "definition-ref":
        return _model_fields(definitions.get(schema.get("schema_ref")), definitions)
    return _model_fields(schema.get("schema"), definitions)


def _coercer(schema: Any, definitions: dict[str, Any]) -> Coerce | None:
    """The coercion of a value of this core schema, or None when the vendor's reading changes nothing."""
    kind = schema.get("type")
    if kind in ("default", "function-after", "function-before", "function-wrap"):
        return _coercer(schema["schema"], definitions)
    if kind == "definition-ref":
        target = definitions.get(schema.get("schema_ref"))
        return None if target is None or target.get("type") == "model" else _coercer(target, definitions)
    if kind == "bool":
        return _boolean
    if kind == "int":
        return _integer
    if kind == "float":
        return _number
    if kind == "nullable":
        inner = _coercer(schema["schema"], definitions)
        takes_text = _takes_text(schema["schema"], definitions)
        return _nullable(inner, takes_text)
    if kind in ("list", "set", "frozenset"):
        item = _coercer(schema.get("items_schema", {}), definitions) if schema.get("items_schema") else None
        return None if item is None else _each(item)
    if kind == "dict":
        value = _coercer(schema.get("values_schema", {}), definitions) if schema.get("values_schema") else None
        return None if value is None else _each_value(value)
    if kind == "union":
        choices = [c[0] if isinstance(c, tuple) else c for c in schema["choices"]]
        if any(_takes_text(c, definitions) for c in choices):
            return None  # a string is a valid choice: it stays a string
        coercers = [c for c in (_coercer(choice, definitions) for choice in choices) if c is not None]
        return _first(coercers) if coercers else None
    if kind == "literal":
        expected = schema.get("expected", [])
        if any(isinstance(e, str) for e in expected):
            return None
        return _literal(expected)
    return None


def _takes_text(schema: Any, definitions: dict[str, Any]) -> bool:
    kind = schema.get("type")
    if kind in ("default", "function-after", "function-before", "function-wrap", "nullable"):
        return _takes_text(schema["schema"], definitions)
    if kind == "literal":
        return any(isinstance(e, str) for e in schema.get("expected", []))
    if kind == "union":
        return any(_takes_text(c[0] if isinstance(c, tuple) else c, definitions) for c in schema["choices"])
    return kind in ("str", "any")


def _boolean(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
    return _UNCHANGED


def _integer(value: Any) -> Any:
    if isinstance(value, str) and _INTEGER.fullmatch(value):
        return int(value)
    # JSON Schema's ``integer`` includes 10.0 (a number whose fraction is zero): what the document declares
    # an integer is read as one (issue #14, defect 6), as the vendor's platform does.
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**63:
        return int(value)
    return _UNCHANGED


def _number(value: Any) -> Any:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        return float(value)
    return _UNCHANGED


def _nullable(inner: Coerce | None, takes_text: bool) -> Coerce | None:
    if inner is None and takes_text:
        return None

    def coerce(value: Any) -> Any:
        if value == "" and not takes_text:
            return None
        return inner(value) if inner is not None and value is not None else _UNCHANGED

    return coerce


def _each(item: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        if not isinstance(value, list):
            return _UNCHANGED
        coerced = [item(v) for v in value]
        return [v if c is _UNCHANGED else c for v, c in zip(value, coerced, strict=True)]

    return coerce


def _each_value(item: Coerce) -> Coerce:
    def coerce(value: Any) -> Any:
        if not isinstance(value, dict):
            return _UNCHANGED
        return {k: v if (c := item(v)) is _UNCHANGED else c for k, v in value.items()}

    return coerce


def _first(coercers: list[Coerce]) -> Coerce:
    def coerce(value: Any) -> Any:
        for one in coercers:
            coerced = one(value)
            if coerced is not _UNCHANGED:
                return coerced
        return _UNCHANGED

    return coerce


def _literal(expected: list[Any]) -> Coerce:
    def coerce(value: Any) -> Any:
        for read in (_boolean, _integer):
            coerced = read(value)
            if coerced is not _UNCHANGED and any(type(e) is type(coerced) and e == coerced for e in expected):
                return coerced
        return _UNCHANGED

    return coerce


def _declare(schema: Any) -> Any:
    """A property's JSON Schema with the string forms the vendor's reading accepts (see :class:`_Reader`)."""
    if not isinstance(schema, dict):
        return schema
    kind = schema.get("type")
    if kind in ("boolean", "integer", "number"):
        text = {"boolean": _BOOLEAN_TEXT, "integer": _INTEGER_TEXT, "number": _NUMBER_TEXT}[kind]
        keep = {k: v for k, v in schema.items() if k in ("title", "description", "default", "examples")}
        typed = {k: v for k, v in schema.items() if k not in keep}
        return {"anyOf": [typed, dict(text)], **keep}
    if kind == "array" and "items" in schema:
        return {**schema, "items": _declare(schema["items"])}
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return {**schema, "additionalProperties": _declare(schema["additionalProperties"])}
    if "anyOf" in schema:
        choices = [_declare(choice) for choice in schema["anyOf"]]
        nullable = any(c.get("type") == "null" for c in schema["anyOf"] if isinstance(c, dict))
        texts = any(isinstance(c, dict) and c.get("type") == "string" for c in schema["anyOf"])
        if nullable and not texts:
            choices.append(dict(_EMPTY_TEXT))
        return {**schema, "anyOf": choices}
    return schema


class PaginationInfo(BaseModel):
    total_count: int
    per_page: int
    total_pages: int
    current_page: int
    next_page: int | None
    prev_page: int | None
    is_first_page: bool
    is_last_page: bool
    is_out_of_range: bool


Path = tuple[str, ...]
_MISSING = object()
_FIXED = "Read-only: ignored when equal to the stored value, otherwise 422 read_only."
_LIVE = "Read-only and kept by the server: ignored whatever it holds."


@dataclass(frozen=True)
class ReadOnlyKeys:
    """The read-only keys of a resource's GET body, as dotted paths; ``*`` stands for every key of an
    object (``consents.*.updated_at``). See the module docstring for ``fixed`` and ``live``."""

    fixed: tuple[str, ...] = ()
    live: tuple[str, ...] = ()

    def set_aside(self, data: dict[str, Any]) -> tuple[dict[str, Any], dict[Path, Any]]:
        """``data`` without any read-only key, and the values sent for the fixed ones by concrete path.
        ``data`` itself is not changed."""
        sent: dict[Path, Any] = {}
        for dotted in self.fixed:
            data, found = _take(data, tuple(dotted.split(".")), ())
            sent.update(found)
        for dotted in self.live:
            data, _ = _take(data, tuple(dotted.split(".")), ())
        return data, sent


def _take(data: Any, path: Path, prefix: Path) -> tuple[Any, dict[Path, Any]]:
    """``data`` without the values at ``path`` (copied where changed), and those values by concrete path.
    Where ``data`` is not an object the path does not apply: validation judges it as it is."""
    if not isinstance(data, dict) or not path:
        return data, {}
    head, rest = path[0], path[1:]
    keys = list(data) if head == "*" else [head] if head in data else []
    if not keys:
        return data, {}
    copy, found = dict(data), {}
    for key in keys:
        if rest:
            copy[key], inner = _take(copy[key], rest, (*prefix, key))
            found.update(inner)
        else:
            found[(*prefix, key)] = copy.pop(key)
    return copy, found


def _at(value: Any, path: Path) -> Any:
    for key in path:
        if not isinstance(value, dict) or key not in value:
            return _MISSING
        value = value[key]
    return value


def _instant(value: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def same_json(sent: Any, stored: Any) -> bool:
    """Whether a JSON value sent by a client equals a stored one as rendered: JSON types compared
    (``true`` is not ``1``), and two timestamps equal when they name the same instant."""
    if isinstance(sent, bool) or isinstance(stored, bool):
        return type(sent) is type(stored) and sent == stored
    if isinstance(sent, int | float) and isinstance(stored, int | float):
        return sent == stored
    if isinstance(sent, str) and isinstance(stored, str):
        if sent == stored:
            return True
        sent_at, stored_at = _instant(sent), _instant(stored)
        return sent_at is not None and stored_at is not None and sent_at == stored_at
    if isinstance(sent, list) and isinstance(stored, list):
        return len(sent) == len(stored) and all(same_json(a, b) for a, b in zip(sent, stored, strict=True))
    if isinstance(sent, dict) and isinstance(stored, dict):
        return sent.keys() == stored.keys() and all(same_json(sent[k], stored[k]) for k in sent)
    return sent is None and stored is None


class UpdateModel(StrictModel):
    """A PATCH body: unknown fields are refused, and so is an empty body (nothing to update).

    A subclass lists the resource's read-only keys in ``read_only_keys``; the route calls
    :meth:`refuse_changed_read_only` with a function rendering the resource as a GET does, before
    changing anything.
    """

    read_only_keys: ClassVar[ReadOnlyKeys] = ReadOnlyKeys()
    _read_only_sent: dict[Path, Any] = PrivateAttr(default_factory=dict)

    @model_validator(mode="wrap")
    @classmethod
    def _set_aside_read_only(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Self:
        sent: dict[Path, Any] = {}
        data = cls.unwrap(data)
        if isinstance(data, dict):
            data, sent = cls.read_only_keys.set_aside(data)
        body = handler(data)
        body._read_only_sent = sent
        return body

    @classmethod
    def __get_pydantic_json_schema__(cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        """The read-only keys appear in the body's schema as ``readOnly`` properties: a client reading the
        API description learns that a GET body may be sent back."""
        schema = handler(core_schema)
        target = handler.resolve_ref_schema(schema)
        properties = target.setdefault("properties", {})
        for dotted in cls.read_only_keys.fixed:
            if "." not in dotted:
                properties[dotted] = {"readOnly": True, "description": _FIXED}
        for dotted in cls.read_only_keys.live:
            properties[dotted] = {"readOnly": True, "description": _LIVE}
        return schema

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise PydanticCustomError("blank", "nothing to update", {})
        return self

    def refuse_changed_read_only(self, render: Callable[[], BaseModel | Mapping[str, Any]]) -> None:
        """422 ``read_only`` at each fixed key sent with another value than the stored one; nothing when
        every read-only key sent equals it. ``render`` gives the resource as a GET renders it now; it is
        called only when the body carried fixed read-only keys."""
        if not self._read_only_sent:
            return
        stored = render()
        current = stored.model_dump(mode="json") if isinstance(stored, BaseModel) else stored
        sent = self._read_only_sent.items()
        changed = [(path, "read_only", {}) for path, value in sent if not _same_at(current, path, value)]
        if changed:
            raise ValidationFailed(details_tree(changed))


def _same_at(current: Mapping[str, Any], path: Path, sent: Any) -> bool:
    stored = _at(current, path)
    return stored is not _MISSING and same_json(sent, stored)


def sent_fields(body: BaseModel) -> dict[str, Any]:
    """The body's top-level fields that were sent, each dumped whole: a nested object carries every key
    of its model (defaults for the keys not sent), so what is stored has the full shape."""
    return body.model_dump(include=set(body.model_fields_set))


def _without_null(schema: dict[str, Any]) -> None:
    """Drop the ``null`` variant of a field's JSON schema (see :func:`NotNull`)."""
    variants = schema.get("anyOf")
    if not isinstance(variants, list):
        return
    kept = [variant for variant in variants if variant != {"type": "null"}]
    if len(kept) == 1:
        del schema["anyOf"]
        schema.update(kept[0])
    else:
        schema["anyOf"] = kept


def NotNull() -> Any:
    """The default of an optional body field that may be left out but not sent as ``null`` (a PATCH leaves an
    absent field as it is; the service answers an explicit ``null`` 422 ``blank``). The field keeps ``T | None``
    in Python, to tell "absent" apart, and its OpenAPI schema says only ``T`` (issue #14, defect 6: the
    document offered nulls the server refuses)."""
    return Field(default=None, json_schema_extra=_without_null)
