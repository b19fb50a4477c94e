"""Builders for reporting tests: members (through the change events, as the members service does),
balance events and snapshots."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.events import emit, reporting_snapshot
from loyaltyhub.members.models import Member

_n = itertools.count(1)


def member(session: Session, club: LoyaltyClub, *, notify: bool = True, **values: Any) -> Member:
    """A member with reporting fields set directly; tells the listeners like the members service does."""
    n = next(_n)
    defaults: dict[str, Any] = {
        "loyalty_club_id": club.id,
        "properties": {"first_name": f"Member {n}", "interests": ["cars"], "bonus_points": 0},
        "consents": {"sms_marketing": {"status": True, "updated_at": "2024-01-01T00:00:00Z"}},
        "optin_channel": "android-app",
        "optin_platform": "android",
        "gender": "woman",
        "age": "30-34",
        "birth_year_group": 1990,
        "location_country": "NO",
        "created_at": datetime(2024, 4, 10, 12, tzinfo=UTC),
        "updated_at": datetime(2024, 4, 10, 12, tzinfo=UTC),
    }
    defaults.update(values)
    row = Member(**defaults)
    session.add(row)
    session.flush()
    if notify:
        emit(session, None, reporting_snapshot(row))
    return row


def update_member(session: Session, row: Member, **values: Any) -> Member:
    before = reporting_snapshot(row)
    for key, value in values.items():
        setattr(row, key, value)
    session.flush()
    emit(session, before, reporting_snapshot(row))
    return row


def destroy_member(session: Session, row: Member, at: datetime | None = None) -> None:
    before = reporting_snapshot(row)
    row.deleted_at = at or datetime.now(UTC)
    session.flush()
    emit(session, before, None)


def reporting_headers(token: str, *clubs: LoyaltyClub) -> dict[str, str]:
    return {"X-Client-Authorization": token, "X-Customer": "_".join(str(c.id) for c in clubs)}


def access(*clubs: LoyaltyClub, permits: frozenset[str] | None = None) -> Any:
    """A Customer-context access to ``clubs`` holding every permit (engine tests without HTTP)."""
    from loyaltyhub.auth.context import CustomerAccess
    from loyaltyhub.auth.permits import all_permits
    from loyaltyhub.auth.principal import Principal

    held = frozenset(p.name for p in all_permits()) if permits is None else permits
    return CustomerAccess(
        principal=Principal(kind="client", id=0, name="tests", grants=()),
        clubs=tuple(clubs),
        permits=held,
        organization_context=len(clubs) > 1,
    )


def balance_event(session: Session, club: LoyaltyClub, at: datetime, kind: str = "in", **values: Any) -> None:
    from sqlalchemy import insert

    from loyaltyhub.reporting.models import MemberBalanceEvent

    row = {"loyalty_club_id": club.id, "member_id": 0, "type": kind, "occurred_at": at, "consents": {}, **values}
    session.execute(insert(MemberBalanceEvent), [row])


def usage(session: Session, club: LoyaltyClub, offer_id: int, member_id: int, at: datetime, **values: Any) -> None:
    from sqlalchemy import insert

    from loyaltyhub.member_offers.models import OfferUsage

    row = {
        "loyalty_club_id": club.id,
        "offer_id": offer_id,
        "member_id": member_id,
        "used_at": at,
        "offer_type": "regular",
        "collection_ids": [],
        "authorized": False,
        **values,
    }
    session.execute(insert(OfferUsage), [row])


def offer_event(session: Session, club: LoyaltyClub, offer_id: int, kind: str, at: datetime, **values: Any) -> None:
    from sqlalchemy import insert

    from loyaltyhub.member_offers.models import OfferEvent

    row = {
        "loyalty_club_id": club.id,
        "offer_id": offer_id,
        "member_id": None,
        "kind": kind,
        "occurred_at": at,
        "offer_type": "regular",
        "collection_ids": [],
        **values,
    }
    session.execute(insert(OfferEvent), [row])
