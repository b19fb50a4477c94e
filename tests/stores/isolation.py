"""Builders for the isolation walk (stores)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.stores import factories


def _store(session: Session, club: LoyaltyClub) -> int:
    return factories.store(session, club).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"store_id": _store}
