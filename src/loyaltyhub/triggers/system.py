"""Built-in rules: what the platform itself does when a member event happens, as Triggerer rules.

A built-in rule is a row of ``trigger_rules`` with a ``system_key``, one per club and key, made with the
club (:func:`on_club_created`, an ``AppServices.club_listeners`` entry; the migration made them for the clubs
that existed) and, should one be missing, by the first event of its type (:func:`ensure`). It is listed,
shown and logged like any rule and can be paused and started; its event type, hook and counts are fixed
(a PATCH may change its ``name`` and ``paused`` only) and it cannot be deleted.

Its hook is one only built-in rules have (not accepted when a client saves a rule), and it is judged in
the transaction of its event, not by the worker: the welcome offers are granted in the sign-up's
transaction, so the member's first answer already shows them, as before the rule existed. It is judged by
the same batched judge as the worker's pairs (:func:`loyaltyhub.triggers.queue.on_events`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs import config_cache
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.dialect import insert_ignore
from loyaltyhub.triggers.models import TriggerRule


@dataclass(frozen=True)
class SystemRule:
    key: str
    event_type: str
    hook_type: str
    name: str
    description: str


SYSTEM_RULES: dict[str, SystemRule] = {
    rule.key: rule
    for rule in (
        SystemRule(
            "welcome_offers",
            "member_signed_up",
            "welcome_offers",
            "Welcome offers",
            "Grant the club's live welcome offers to a member who signs up (once per offer, within its audience "
            "and grant limit)",
        ),
    )
}
SYSTEM_HOOKS = frozenset(rule.hook_type for rule in SYSTEM_RULES.values())
SYSTEM_EVENT_TYPES = frozenset(rule.event_type for rule in SYSTEM_RULES.values())
CHANGEABLE = frozenset({"name", "paused"})


def rows(club_id: int, keys: Any = None) -> list[dict[str, Any]]:
    now = utcnow()
    return [
        {
            "loyalty_club_id": club_id,
            "system_key": rule.key,
            "event_type": rule.event_type,
            "name": {"value": rule.name, "translations": {}},
            "minimum": 0,
            "hook_type": rule.hook_type,
            "hook_delayed_by_seconds": 0,
            "options": {},
            "excluded_sources": [],
            "paused": False,
            "created_at": now,
            "updated_at": now,
        }
        for rule in SYSTEM_RULES.values()
        if keys is None or rule.key in keys
    ]


def ensure(session: Session, club_id: int, keys: Any = None) -> None:
    """Create the club's built-in rules (those of ``keys``, default all) that do not exist yet."""
    wanted = rows(club_id, keys)
    if wanted:
        insert_ignore(session, TriggerRule.__table__, wanted, ["loyalty_club_id", "system_key"])
        config_cache.changed(session, club_id)


def on_club_created(session: Session, club: Any) -> None:
    """Club listener: a new club gets its built-in rules."""
    ensure(session, club.id)
