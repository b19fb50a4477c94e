"""Tables of the places domain."""

from __future__ import annotations
