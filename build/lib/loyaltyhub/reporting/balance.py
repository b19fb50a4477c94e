"""member_balance events: ``in`` when a member is created, ``out`` when destroyed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.members.events import consent_flag

BALANCE_FIELDS = ("optin_channel", "optin_subchannel", "optin_platform", "gender", "age")


def balance_row(member: dict[str, Any], kind: str, occurred_at: datetime) -> dict[str, Any]:
    return {
        "loyalty_club_id": member["loyalty_club_id"],
        "member_id": member["id"],
        "type": kind,
        "occurred_at": occurred_at,
        **{name: member.get(name) for name in BALANCE_FIELDS},
        "consents": {k: consent_flag(v) for k, v in (member.get("consents") or {}).items()},
    }


def record_balance(session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    from loyaltyhub.reporting.models import MemberBalanceEvent

    if before is None and after is not None:
        row = balance_row(after, "in", after.get("created_at") or utcnow())
    elif after is None and before is not None:
        row = balance_row(before, "out", utcnow())
    else:
        return
    session.execute(insert(MemberBalanceEvent), [row])
