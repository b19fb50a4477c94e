"""Background job: age bands move on birthdays, without any change to the member."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.engine import writer
from loyaltyhub.members.service import refresh_age_bands
from loyaltyhub.settings import Settings


def refresh_member_age_bands(settings: Settings, engine: Engine) -> None:
    """For each club, recompute the age band of members whose birthday is today (club's local date).

    Runs hourly, so every club is visited soon after its local midnight; a repeated run changes nothing.
    """
    with Session(writer(engine)) as session:
        club_ids = list(session.execute(select(LoyaltyClub.id).order_by(LoyaltyClub.id)).scalars())
    for club_id in club_ids:
        with Session(writer(engine)) as session, session.begin():
            club = session.get(LoyaltyClub, club_id)
            if club is not None:
                refresh_age_bands(session, club)
