"""What a subscription receives: the WebhookEvent envelope, or the vendor's members v2 notification.

Bodies are rendered from the stored event at each attempt, byte for byte the same every time (the
signature covers the body and the attempt's timestamp)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson

from loyaltyhub.webhooks.catalog import V2_CHANGE_TYPES
from loyaltyhub.webhooks.models import MEMBERS_V2

CHANGE_KEYS = (
    "msisdn",
    "email",
    "sms_status",
    "email_status",
    "push_status",
    "optin_channel",
    "optin_subchannel",
)


def iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="milliseconds").replace("+00:00", "Z") if value else None


def message_id(event_id: int) -> str:
    """The ``webhook-id`` of an event (the same on every attempt and for every subscription)."""
    return f"evt_{event_id}"


def _change(was: Any, now: Any) -> dict[str, Any]:
    symbol = "+" if was is None else "-" if now is None else "~"
    return {"change": symbol, "was": was, "is": now}


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    return {
        key: _change(before.get(key), after.get(key))
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def member_changes(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any]:
    """The v2 ``member_changes``: only what changed (empty for a deletion; everything set, for a sign-up)."""
    if after is None:
        return {}
    before = before or {}
    changes = {
        key: _change(before.get(key), after.get(key)) for key in CHANGE_KEYS if before.get(key) != after.get(key)
    }
    for key in ("properties", "consents"):
        nested = _diff(before.get(key) or {}, after.get(key) or {})
        if nested:
            changes[key] = nested
    return changes


def member_json(member: Any) -> dict[str, Any]:
    """The member as the v2 notifications show it (``person_id``: loyaltyhub has no persons, always null)."""
    consents = {
        name: {"updated_at": (value or {}).get("updated_at"), "value": bool((value or {}).get("status"))}
        for name, value in (member.consents or {}).items()
    }
    return {
        "id": member.id,
        "person_id": None,
        "msisdn": member.msisdn,
        "email": member.email,
        "properties": dict(member.properties or {}),
        "consents": consents,
        "sms_status": member.sms_status,
        "email_status": member.email_status,
        "push_status": member.push_status,
        "optin_channel": member.optin_channel,
        "optin_subchannel": member.optin_subchannel,
        "created_at": iso(member.created_at),
        "updated_at": iso(member.updated_at),
    }


def render(
    payload_version: str,
    *,
    event_id: int,
    event_type: str,
    created_at: datetime,
    club_id: int,
    club_slug: str,
    data: dict[str, Any],
    changes: dict[str, Any] | None,
) -> str:
    club = {"id": club_id, "slug": club_slug}
    if payload_version == MEMBERS_V2:
        body: dict[str, Any] = {
            "version": 2,
            "events": [
                {
                    "event": {"type": V2_CHANGE_TYPES[event_type], "date": iso(created_at)},
                    "loyalty_club": club,
                    "member": data,
                    "member_changes": changes or {},
                }
            ],
        }
    else:
        body = {
            "id": message_id(event_id),
            "type": event_type,
            "created_at": iso(created_at),
            "loyalty_club": club,
            "data": data,
        }
    return orjson.dumps(body).decode()
