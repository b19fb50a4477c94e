"""The ``X-Customer`` header grammar (reference B.4), as a pure parser.

Forms: ``1000941``, ``1000941_1000942``, ``id=1000941``, ``id=1_2``, ``all=all``,
``chain=Cats``, ``chain=Cats;country=PL`` (filters AND-joined with ``;``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

MAX_IDS = 40
FILTER_KEYS = frozenset({"chain", "country", "organization", "organization_id", "slug", "timezone"})
_IDS = re.compile(r"^\d{1,18}(_\d{1,18})*$")


class CustomerHeaderError(ValueError):
    pass


@dataclass(frozen=True)
class CustomerSelector:
    """What the header asks for: explicit ids, everything, or attribute filters."""

    ids: tuple[int, ...] = ()
    all: bool = False
    filters: dict[str, str] = field(default_factory=dict)


def parse_customer(value: str) -> CustomerSelector:
    value = value.strip()
    if not value:
        raise CustomerHeaderError("empty")
    if _IDS.match(value):
        return _ids(value)
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, raw = part.partition("=")
        key, raw = key.strip(), raw.strip()
        if not sep or not key or not raw:
            raise CustomerHeaderError(f"expected key=value, got {part!r}")
        if key in pairs:
            raise CustomerHeaderError(f"{key} given twice")
        pairs[key] = raw
    if "id" in pairs:
        if len(pairs) > 1:
            raise CustomerHeaderError("id= cannot be combined with other selectors")
        if not _IDS.match(pairs["id"]):
            raise CustomerHeaderError("id= takes integer ids joined with _")
        return _ids(pairs["id"])
    if "all" in pairs:
        if pairs != {"all": "all"}:
            raise CustomerHeaderError("use all=all alone")
        return CustomerSelector(all=True)
    unknown = set(pairs) - FILTER_KEYS
    if unknown:
        raise CustomerHeaderError(f"unknown selector {sorted(unknown)[0]!r}")
    return CustomerSelector(filters=pairs)


def _ids(value: str) -> CustomerSelector:
    ids = tuple(dict.fromkeys(int(part) for part in value.split("_")))
    if len(ids) > MAX_IDS:
        raise CustomerHeaderError(f"at most {MAX_IDS} ids")
    return CustomerSelector(ids=ids)
