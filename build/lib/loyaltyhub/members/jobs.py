"""Background job: age bands move on birthdays, without any change to the member."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.service import refresh_age_bands


def refresh_member_age_bands(units: Callable[..., AbstractContextManager[Session]]) -> None:
    """For each club, recompute the age band of members whose birthday is today (club's local date), one
    transaction per club (``units(write=...)`` opens one).

    Runs hourly, so every club is visited soon after its local midnight; a repeated run changes nothing.
    """
    with units(write=False) as session:
        club_ids = list(session.execute(select(LoyaltyClub.id).order_by(LoyaltyClub.id)).scalars())
    for club_id in club_ids:
        with units(write=True) as session:
            club = session.get(LoyaltyClub, club_id)
            if club is not None:
                refresh_age_bands(session, club)
