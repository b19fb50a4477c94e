"""Builders for the isolation walk (club info): programs, community ids; ``{language}`` names no record."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import set_community_id
from tests.club_info import factories


def _program(session: Session, club: LoyaltyClub) -> int:
    return factories.program(session, club).id


def _community(session: Session, club: LoyaltyClub) -> int:
    """``{community_id}``: the club's vendor community id, set when the walk first needs it."""
    if club.community_id is None:
        set_community_id(session, club, 700_000 + club.id)
    assert club.community_id is not None
    return club.community_id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"program_id": _program, "community_id": _community}
CONSTANTS = {"language": "en"}
