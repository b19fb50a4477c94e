"""Tables of the member_offers domain."""

from __future__ import annotations
