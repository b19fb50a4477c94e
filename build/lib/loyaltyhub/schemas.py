"""Building blocks of every domain's request and response models.

* :class:`StrictModel` — a request body: unknown fields are refused (SPEC §4).
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

Every other key is validated as usual (unknown keys are refused by :class:`StrictModel`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    GetJsonSchemaHandler,
    PrivateAttr,
    ValidatorFunctionWrapHandler,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from loyaltyhub.errors import ValidationFailed, details_tree


class StrictModel(BaseModel):
    """Request bodies reject unknown fields (SPEC §4)."""

    model_config = ConfigDict(extra="forbid")


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
