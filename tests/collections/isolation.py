"""Path parameters of the collections routes → builders of such records in a given club."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.offers import factories

BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "collection_id": lambda session, club: factories.collection(session, club).id,
}
