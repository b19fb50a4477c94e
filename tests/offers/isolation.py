"""Path parameters of the offers routes → builders of such records in a given club."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.offers import factories

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "offer_id": lambda session, club: factories.offer(session, club).id,
    "template_id": lambda session, club: factories.image_template(session, club).id,
}
