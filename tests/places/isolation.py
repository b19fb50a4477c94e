"""Builders for the isolation walk (places).

Places are global reference data (countries and cities from GeoNames), not tenant data: there is
nothing of one club to hide from another, so the builder returns None and the walk skips the 404 check.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub


def _place(session: Session, club: LoyaltyClub) -> int | None:
    return None


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int | None]] = {"place_id": _place}
