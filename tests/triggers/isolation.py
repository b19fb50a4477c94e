"""Builders for the isolation walk (Triggerer)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.triggers import factories

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "rule_id": lambda session, club: factories.rule(session, club).id,
}
