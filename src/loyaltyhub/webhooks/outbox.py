"""The outbox: a change of a trackable resource becomes a :class:`WebhookEvent` and one pending delivery
per active subscription that wants it, in the transaction of the change (nothing is sent for a change that
rolls back, and nothing committed is lost). The listeners are wired in :mod:`loyaltyhub.wiring`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs import config_cache
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.models import Member
from loyaltyhub.services import ResourceChange
from loyaltyhub.webhooks import payloads
from loyaltyhub.webhooks.catalog import EVENT_TYPES, MEMBER_TYPES
from loyaltyhub.webhooks.models import MEMBERS_V2, PENDING, WebhookDelivery, WebhookEvent, WebhookSubscription


def _active_subscriptions(session: Session, club_id: int) -> tuple[tuple[int, frozenset[str], str], ...]:
    rows = session.execute(
        select(WebhookSubscription.id, WebhookSubscription.event_types, WebhookSubscription.payload_version).where(
            in_club(WebhookSubscription, club_id), WebhookSubscription.active.is_(True)
        )
    ).all()
    return tuple((sub_id, frozenset(types or ()), version) for sub_id, types, version in rows)


_subscriptions = config_cache.ClubConfigCache(_active_subscriptions)


def _wanting(session: Session, club_id: int, event_type: str) -> list[int]:
    return [
        sub_id
        for sub_id, types, version in _subscriptions.get(session, club_id)
        if event_type in types and (version != MEMBERS_V2 or event_type in MEMBER_TYPES)
    ]


def enqueue(
    session: Session,
    club_id: int,
    event_type: str,
    resource_id: int,
    data: dict[str, Any],
    *,
    changes: dict[str, Any] | None = None,
    now: datetime | None = None,
) -> int | None:
    """Write the event and its deliveries (none when no subscription wants it: then nothing is written)."""
    assert event_type in EVENT_TYPES, event_type
    subscriptions = _wanting(session, club_id, event_type)
    if not subscriptions:
        return None
    now = now or utcnow()
    data = orjson.loads(orjson.dumps(data))  # JSON-safe (datetimes as ISO 8601), as the receivers will see it
    event_id = session.execute(
        insert(WebhookEvent)
        .values(
            loyalty_club_id=club_id,
            type=event_type,
            resource_id=resource_id,
            created_at=now,
            data=data,
            changes=changes,
        )
        .returning(WebhookEvent.id)
    ).scalar_one()
    _add_deliveries(session, club_id, [int(event_id)], subscriptions, now)
    return int(event_id)


def _add_deliveries(session: Session, club_id: int, event_ids: list[int], subscriptions: Any, now: datetime) -> None:
    """A pending delivery of each event to each subscription, due now (one statement)."""
    session.execute(
        insert(WebhookDelivery),
        [
            {
                "loyalty_club_id": club_id,
                "subscription_id": sub_id,
                "event_id": event_id,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": now,
                "created_at": now,
            }
            for event_id in event_ids
            for sub_id in subscriptions
        ],
    )


def enqueue_many(
    session: Session,
    club_id: int,
    event_type: str,
    items: list[tuple[int, dict[str, Any]]],
    *,
    now: datetime | None = None,
) -> list[int | None]:
    """:func:`enqueue` of several events of one type and club, ``(resource_id, data)`` each: the
    subscriptions read once, the events inserted in one statement and their deliveries in another. The
    events' ids, in the order of ``items`` (None for each when no subscription wants the type)."""
    assert event_type in EVENT_TYPES, event_type
    if not items:
        return []
    subscriptions = _wanting(session, club_id, event_type)
    if not subscriptions:
        return [None] * len(items)
    now = now or utcnow()
    rows = [
        {
            "loyalty_club_id": club_id,
            "type": event_type,
            "resource_id": resource_id,
            "created_at": now,
            "data": orjson.loads(orjson.dumps(data)),
            "changes": None,
        }
        for resource_id, data in items
    ]
    event_ids = [
        int(event_id)
        for event_id in session.execute(
            insert(WebhookEvent).returning(WebhookEvent.id, sort_by_parameter_order=True), rows
        ).scalars()
    ]
    _add_deliveries(session, club_id, event_ids, subscriptions, now)
    return list(event_ids)


def on_member_change(session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    """Member listener: ``member.created`` / ``updated`` / ``deleted`` with the v2 member changes."""
    current = after or before
    assert current is not None
    club_id, member_id = current["loyalty_club_id"], current["id"]
    if after is None:
        enqueue(session, club_id, "member.deleted", member_id, {"id": member_id, "person_id": None}, changes={})
        return
    changes = payloads.member_changes(before, after)
    if before is not None and not changes and before == after:
        return
    member = session.execute(select(Member).where(in_club(Member, club_id), Member.id == member_id)).scalar_one()
    event_type = "member.created" if before is None else "member.updated"
    enqueue(session, club_id, event_type, member_id, payloads.member_json(member), changes=changes)


def on_resource_change(session: Session, change: ResourceChange) -> None:
    """Resource listener: offers, grants and member offer uses."""
    event_type = f"{change.resource}.{change.action}"
    if event_type in EVENT_TYPES:
        enqueue(session, change.club_id, event_type, change.resource_id, change.data, now=change.occurred_at)


def on_resource_changes(session: Session, changes: list[ResourceChange]) -> None:
    """Many changes of one transaction (the grants of one offer): each (club, type, time)'s events in one
    outbox write."""
    groups: dict[tuple[int, str, datetime], list[tuple[int, dict[str, Any]]]] = {}
    for change in changes:
        event_type = f"{change.resource}.{change.action}"
        if event_type in EVENT_TYPES:
            groups.setdefault((change.club_id, event_type, change.occurred_at), []).append(
                (change.resource_id, change.data)
            )
    for (club_id, event_type, occurred_at), items in groups.items():
        enqueue_many(session, club_id, event_type, items, now=occurred_at)


on_resource_change.many = on_resource_changes  # type: ignore[attr-defined]
