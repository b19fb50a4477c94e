"""Collections live under ``/v3/{slug}/offers/collections``: the offers API caller serves both."""

from __future__ import annotations

from tests.offers.conftest import Api, api, club

__all__ = ["Api", "api", "club"]
