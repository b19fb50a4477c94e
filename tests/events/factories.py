"""Builders for member events."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.events.models import MemberEvent
from loyaltyhub.members.models import Member
from tests.members import factories as members


def event(
    session: Session,
    club: LoyaltyClub,
    *,
    member: Member | None = None,
    type: str = "app_opened",
    occurred_at: datetime | None = None,
    data: dict[str, Any] | None = None,
    source: str | None = "android-app",
) -> MemberEvent:
    member = member or members.member(session, club)
    now = utcnow()
    row = MemberEvent(
        loyalty_club_id=club.id,
        member_id=member.id,
        type=type,
        client_event_id=str(uuid.uuid4()),
        source=source,
        occurred_at=occurred_at or now,
        received_at=now,
        data=data or {},
    )
    session.add(row)
    session.flush()
    return row


def body(*events: dict[str, Any]) -> dict[str, Any]:
    return {"events": [{"client_event_id": str(uuid.uuid4()), **e} for e in events]}
