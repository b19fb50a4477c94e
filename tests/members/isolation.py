"""Builders for the isolation walk: a record of each path param kind, created in the given club."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.members import factories


def _member(session: Session, club: LoyaltyClub) -> int:
    return factories.member(session, club).id


def _group(session: Session, club: LoyaltyClub) -> int:
    return factories.group(session, club).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {
    "member_id": _member,
    "group_id": _group,
}
