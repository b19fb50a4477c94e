"""Builders for stores."""

from __future__ import annotations

import itertools

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.stores.models import Store
from loyaltyhub.stores.service import create_store

_numbers = itertools.count(1)


def store(session: Session, club: LoyaltyClub, name: str | None = None, external_id: str | None = None) -> Store:
    return create_store(session, club.id, name=name or f"Store {next(_numbers)}", external_id=external_id)
