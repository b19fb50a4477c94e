"""Builders for the isolation walk (webhooks)."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.webhooks import factories

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "subscription_id": lambda session, club: factories.subscription(session, club).id,
    "delivery_id": lambda session, club: factories.delivery(session, club).id,
}
