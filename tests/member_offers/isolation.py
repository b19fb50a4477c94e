"""Builders for the foundation's isolation walk: the path params of the member offers routes."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.member_offers import factories as mo


def _offer(session: Session, club: LoyaltyClub) -> int:
    return mo.offer(session, club).id


def _member(session: Session, club: LoyaltyClub) -> int:
    """``{member_ref}`` in its ``<member_id>`` form (``me`` and ``guest`` name no record)."""
    return mo.member(session, club).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"offer_id": _offer, "member_ref": _member}
