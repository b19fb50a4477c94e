"""Whole numbers written in ASCII decimal digits, read from text a client or a row sent.

``str.isdigit()`` is true of ``"²"`` and other Unicode digits, which ``int()`` then refuses (a 500 where a
clear error or "not a number" was meant) or reads as another number; so every such check goes through here.
At most 18 digits by default: a signed 64-bit column holds any of them."""

from __future__ import annotations

import re

_UNSIGNED = re.compile(r"[0-9]+")
_SIGNED = re.compile(r"-?[0-9]+")


def decimal(text: str | None, *, signed: bool = False, max_digits: int = 18) -> int | None:
    """The number ``text`` spells in ASCII digits (a leading ``-`` when ``signed``), else None."""
    if text is None or not (_SIGNED if signed else _UNSIGNED).fullmatch(text):
        return None
    if len(text.lstrip("-")) > max_digits:
        return None
    return int(text)
