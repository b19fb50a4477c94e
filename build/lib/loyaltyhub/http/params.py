"""List parameters of the query string: ``name=1&name=2``, ``name[]=1&name[]=2`` and ``name=1,2`` are the
same list (clients built for the vendor's API send all three)."""

from __future__ import annotations

from fastapi import Request

from loyaltyhub.errors import ValidationFailed

MAX_INT = 2**63 - 1


def list_param(request: Request, name: str, *, split_commas: bool = True) -> list[str] | None:
    """The values of ``name`` (None when absent). ``split_commas=False`` for values that may hold a comma
    (store names)."""
    raw = request.query_params.getlist(name) + request.query_params.getlist(f"{name}[]")
    if not raw:
        return None
    if not split_commas:
        return [item for item in raw if item] or None
    return [part.strip() for value in raw for part in value.split(",") if part.strip()]


def int_list_param(request: Request, name: str, *, signed: bool = False) -> list[int] | None:
    """The integers of ``name``: ASCII digits (with a leading ``-`` when ``signed``) within 64 bits; anything
    else is 422 ``invalid_type`` at ``name.<index>``."""
    values = list_param(request, name)
    if values is None:
        return None
    result = []
    for index, value in enumerate(values):
        digits = value[1:] if signed and value.startswith("-") else value
        if not (digits.isascii() and digits.isdigit()) or abs(number := int(value)) > MAX_INT:
            raise ValidationFailed.at((name, index), "invalid_type", expected="integer")
        result.append(number)
    return result
