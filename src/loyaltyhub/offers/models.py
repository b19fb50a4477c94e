"""Tables of the offers domain."""

from __future__ import annotations
