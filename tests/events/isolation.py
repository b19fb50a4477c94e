"""Builders for the isolation walk (member events)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.events import factories


def _event(session: Session, club: LoyaltyClub) -> int:
    return factories.event(session, club).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"event_id": _event}
