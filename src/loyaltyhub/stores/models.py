"""Tables of the stores domain."""

from __future__ import annotations
