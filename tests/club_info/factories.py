"""Records of the club info domain for tests."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.club_info.models import ClubProgram
from loyaltyhub.clubs.models import LoyaltyClub

_sequence = itertools.count(1)


def program(session: Session, club: LoyaltyClub, **overrides: Any) -> ClubProgram:
    n = next(_sequence)
    values: dict[str, Any] = {"slug": f"program-{n}", "name": f"Program {n}", "translations": {}, "active": True}
    values.update(overrides)
    row = ClubProgram(loyalty_club_id=club.id, **values)
    session.add(row)
    session.flush()
    return row
