"""Tables of the exports domain."""

from __future__ import annotations
