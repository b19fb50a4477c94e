"""Tables of the collections domain."""

from __future__ import annotations
