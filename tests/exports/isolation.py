"""Path ids of the exports routes, for the foundation's isolation walk."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.exports.factories import export_job


def _export(session: Session, club: LoyaltyClub) -> int:
    return export_job(session, [club]).id


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int]] = {"export_id": _export}
