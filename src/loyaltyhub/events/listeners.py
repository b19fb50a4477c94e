"""What loyaltyhub itself records as member events, in the transaction of the change (wired in
:mod:`loyaltyhub.wiring`): a member signed up, was updated or deleted; an offer was granted to, used or
liked by a member; a message was dispatched to a member, delivered to them (the provider's receipt), opened
(its first open) or clicked (each visit of a tracked link); a member earned or spent points.
``receipt_accepted`` is recorded by the receipts service itself (rewards sits above events). The
Triggerer's rules can act on them like on any event; clients cannot send them."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.events.service import record, record_many
from loyaltyhub.services import ResourceChange

IGNORED_CHANGES = {"updated_at"}
CHANNELS = ("sms", "email", "push")
# What happened to a message dispatched to a member → the member event it is.
DISPATCH_EVENTS = {"transmitted": "sending_dispatched", "delivered": "sending_delivered", "opened": "sending_opened"}


def on_member_change(session: Session, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
    current = after or before
    assert current is not None
    club_id, member_id, now = current["loyalty_club_id"], current["id"], utcnow()
    if before is None:
        data = {"optin_channel": current.get("optin_channel")}
        record(
            session, club_id, member_id, "member_signed_up", data, key=f"member_signed_up:{member_id}", occurred_at=now
        )
    elif after is None:
        record(session, club_id, member_id, "member_deleted", {}, key=f"member_deleted:{member_id}", occurred_at=now)
    else:
        changed = sorted(
            k for k in set(before) | set(after) if k not in IGNORED_CHANGES and before.get(k) != after.get(k)
        )
        if changed:
            key = f"member_updated:{uuid.uuid4().hex}"
            record(session, club_id, member_id, "member_updated", {"changed": changed}, key=key, occurred_at=now)


Recorded = tuple[int, str, dict[str, Any], str, Any]
"""A member event to record: ``(member_id, type, data, key, occurred_at)`` (:func:`record_many`'s)."""


def _event_of(change: ResourceChange) -> Recorded | None:
    """The member event a change of another domain is, if it is one."""
    if change.member_id is None:
        return None
    member_id, at = change.member_id, change.occurred_at
    if change.resource == "offer_grant" and change.action == "created":
        return (
            member_id,
            "offer_granted",
            {"offer_id": change.data["offer_id"]},
            f"offer_granted:{change.resource_id}",
            at,
        )
    if change.resource == "member_offer_use" and change.action == "created":
        data = {"offer_id": change.data["offer_id"], "usage_id": change.resource_id}
        return (member_id, "offer_used", data, f"offer_used:{change.resource_id}", at)
    if change.resource == "offer_like" and change.action == "created":
        # A member may like, unlike and like again: each like is an event.
        return (member_id, "offer_liked", {"offer_id": change.data["offer_id"]}, f"offer_liked:{uuid.uuid4().hex}", at)
    if (event := _dispatch_event(change)) is not None:
        return event
    if change.resource == "link_visit" and change.action == "created":
        channel = change.data.get("channel")
        data = {
            "sending_id": change.data["sending_id"],
            "channel": channel if channel in CHANNELS else None,
            "url": change.data.get("url"),
        }
        return (member_id, "sending_clicked", data, f"sending_clicked:{change.resource_id}", at)
    if change.resource == "points_transaction" and change.action in ("earned", "spent"):
        kind = f"points_{change.action}"
        data = {"points": abs(change.data["amount"]), "reason": change.data["type"]}
        return (member_id, kind, data, f"{kind}:{change.resource_id}", at)
    return None


def on_resource_change(session: Session, change: ResourceChange) -> None:
    if (event := _event_of(change)) is not None:
        member_id, kind, data, key, occurred_at = event
        record(session, change.club_id, member_id, kind, data, key=key, occurred_at=occurred_at)


def _dispatch_event(change: ResourceChange) -> Recorded | None:
    """The member event of a message dispatched to a member, if the change is one."""
    if change.resource != "dispatch" or change.action not in DISPATCH_EVENTS or change.member_id is None:
        return None
    channel = change.data.get("channel")
    data = {"sending_id": change.data["sending_id"], "channel": channel if channel in CHANNELS else None}
    kind = DISPATCH_EVENTS[change.action]
    return (change.member_id, kind, data, f"{kind}:{change.resource_id}", change.occurred_at)


def on_resource_changes(session: Session, changes: list[ResourceChange]) -> None:
    """Many changes of one transaction (a batch of dispatches, the grants of one offer): each club's events
    in one statement, told to the event listeners together."""
    by_club: dict[int, list[Recorded]] = {}
    for change in changes:
        if (event := _event_of(change)) is not None:
            by_club.setdefault(change.club_id, []).append(event)
    for club_id, events in by_club.items():
        record_many(session, club_id, events)


on_resource_change.many = on_resource_changes  # type: ignore[attr-defined]
