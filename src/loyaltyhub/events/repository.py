"""The tenant-scoped reads of member events."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select

from loyaltyhub.db.tenancy import Tenant
from loyaltyhub.events.models import MemberEvent


def list_statement(
    tenant: Tenant,
    *,
    member_ids: Sequence[int] | None = None,
    types: Sequence[str] | None = None,
    source: str | None = None,
    occurred_from: datetime | None = None,
    occurred_to: datetime | None = None,
    sort_direction: str = "desc",
) -> Select[tuple[MemberEvent]]:
    """Events of the club, newest first (or oldest first), with the list's filters."""
    statement = tenant.select(MemberEvent)
    if member_ids:
        statement = statement.where(MemberEvent.member_id.in_(list(member_ids)))
    if types:
        statement = statement.where(MemberEvent.type.in_(list(types)))
    if source is not None:
        statement = statement.where(MemberEvent.source == source)
    if occurred_from is not None:
        statement = statement.where(MemberEvent.occurred_at >= occurred_from)
    if occurred_to is not None:
        statement = statement.where(MemberEvent.occurred_at < occurred_to)
    if sort_direction == "asc":
        return statement.order_by(MemberEvent.occurred_at.asc(), MemberEvent.id.asc())
    return statement.order_by(MemberEvent.occurred_at.desc(), MemberEvent.id.desc())
