"""Builders for the isolation walk (club info): programs; ``{language}`` names no record."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.club_info import factories


def _program(session: Session, club: LoyaltyClub) -> int:
    return factories.program(session, club).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"program_id": _program}
CONSTANTS = {"language": "en"}
