"""What a rule does when it fires: its hook, by ``hook_type``, with its ``options[hook_type]``.

Available: ``grant_offer`` (``{"offer_id"}``), ``member_group_add`` / ``member_group_remove``
(``{"group_id"}``), ``rewards_api`` (``{"grant_points": n}``, the vendor's Rule example: a ``grant`` of n
points to the member, with ``grant_type: "triggerer"``; 480 in the execution log when the member does not take
part in the rewards program), ``webhook`` (a ``trigger_rule.fired`` event to the club's webhook
subscriptions) and ``messaging`` (``{"message_id", "properties"?}``: a sending of the club's message to the
event's member, made by the rule as a system actor, ``rule:<id>``; see :func:`_send`). Built-in rules have
hooks of their own (``welcome_offers``), never accepted from a client.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.auth.system import rule_actor
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.repository import member_or_404
from loyaltyhub.messaging import service as messaging
from loyaltyhub.messaging.rules import SERVICES
from loyaltyhub.offers import grants
from loyaltyhub.offers.models import Offer
from loyaltyhub.rewards.points import service as points
from loyaltyhub.rewards.points.schemas import MAX_POINTS
from loyaltyhub.webhooks import outbox

AVAILABLE = ("grant_offer", "member_group_add", "member_group_remove", "rewards_api", "webhook", "messaging")
NOT_LANDED: dict[str, str] = {}
HOOK_TYPES = (*AVAILABLE, *NOT_LANDED)
RECORDS_ITS_OWN_EVENT: dict[str, tuple[str, ...]] = {
    "rewards_api": ("points_earned",),
    "messaging": ("sending_dispatched", "sending_delivered"),
    "grant_offer": ("offer_granted",),
}
"""The member events a hook's own action records: a rule on one of them would fire itself again, without end
when it has no limit (points granted on points earned, a message sent on a message dispatched)."""


def option_problems(
    session: Session, club_id: int, hook_type: str, options: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], str, dict[str, Any]]]:
    """What is wrong with ``options`` for ``hook_type`` (paths below ``options``)."""
    mine = options.get(hook_type)
    if hook_type == "webhook":
        return []
    if hook_type == "messaging":
        return _messaging_problems(session, club_id, mine)
    if hook_type == "rewards_api":
        amount = mine.get("grant_points") if isinstance(mine, dict) else None
        if amount is None:
            return [((hook_type, "grant_points"), "blank", {})]
        if not isinstance(amount, int) or isinstance(amount, bool):
            return [((hook_type, "grant_points"), "invalid_type", {"expected": "integer"})]
        if not 1 <= amount <= MAX_POINTS:
            return [((hook_type, "grant_points"), "inclusion", {"minimum": 1, "maximum": MAX_POINTS})]
        return []
    key = "offer_id" if hook_type == "grant_offer" else "group_id"
    value = mine.get(key) if isinstance(mine, dict) else None
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return [((hook_type, key), "blank" if value is None else "invalid_type", {})]
    if hook_type == "grant_offer":
        found = session.execute(
            select(Offer.id).where(in_club(Offer, club_id), Offer.id == value, Offer.archived_at.is_(None))
        ).first()
    else:
        found = session.execute(groups.groups_in_club(club_id).where(MemberGroup.id == value)).first()
    return [] if found else [((hook_type, key), "not_found", {})]


def _messaging_problems(
    session: Session, club_id: int, mine: Any
) -> list[tuple[tuple[str | int, ...], str, dict[str, Any]]]:
    if not isinstance(mine, dict):
        return [(("messaging", "message_id"), "blank", {})]
    problems: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = []
    for key in sorted(set(mine) - {"message_id", "properties"}):
        problems.append((("messaging", key), "unknown_attribute", {}))
    properties = mine.get("properties")
    if properties is not None and not isinstance(properties, dict):
        problems.append((("messaging", "properties"), "invalid_type", {"expected": "object"}))
    value = mine.get("message_id")
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        return [*problems, (("messaging", "message_id"), "blank" if value is None else "invalid_type", {})]
    message = messaging.live_message(session, club_id, value)
    if message is None:
        problems.append((("messaging", "message_id"), "not_found", {}))
    elif SERVICES[message.service].system:
        # otp and rewards_notifications are the platform's own; a rule sends the club's messages.
        problems.append((("messaging", "message_id"), "system_service", {"service": message.service}))
    return problems


def _send(session: Session, club: LoyaltyClub, rule: Any, event: Any, options: dict[str, Any]) -> dict[str, Any]:
    """The messaging hook: one sending of the message to the event's member, now (the rule's delay has
    passed when the pair is judged), by the rule as its creator (``rule:<id>``). The recipient's
    properties are the rule's ``properties`` and the event (``{{ event.type }}``, ``{{ event.data.x }}``);
    whether and how it reaches the member is the sending's business (channels, addresses, consents)."""
    message = messaging.live_message(session, club.id, options["message_id"])
    if message is None:
        raise NotFound("Message not found")
    properties = {
        **(options.get("properties") or {}),
        "event": {"id": event.id, "type": event.type, "data": event.data or {}},
    }
    sending = messaging.send_to_member(session, club, rule_actor(rule.id), message, event.member_id, properties)
    return {"message_id": message.id, "sending_id": sending.id}


def run(session: Session, club: LoyaltyClub, rule: Any, event: Any, member: dict[str, Any]) -> dict[str, Any]:
    """Run the rule's hook for the event's member (in the judging transaction); raises an ApiError when it
    cannot (the execution is then logged as failed, nothing of it written)."""
    options = (rule.options or {}).get(rule.hook_type) or {}
    if rule.hook_type == "grant_offer":
        (grant,) = grants.grant_offer(session, club.id, options["offer_id"], [event.member_id])
        return {"offer_id": options["offer_id"], "grant_id": grant.id}
    if rule.hook_type in ("member_group_add", "member_group_remove"):
        group = groups.group_or_404(session, club.id, options["group_id"])
        change = groups.add_members if rule.hook_type == "member_group_add" else groups.remove_members
        changed = change(session, club, group, [event.member_id])
        return {"group_id": group.id, "changed": bool(changed)}
    if rule.hook_type == "welcome_offers":  # a built-in rule's (loyaltyhub.triggers.system)
        granted = grants.grant_welcome_offers(session, club.id, event.member_id, member.get("group_ids") or ())
        return {"offer_ids": [g.offer_id for g in granted], "grant_ids": [g.id for g in granted]}
    if rule.hook_type == "rewards_api":
        member_row = member_or_404(session, club.id, event.member_id)
        granted = points.grant_points(
            session,
            club,
            member_row,
            points=options["grant_points"],
            grant_type="triggerer",
            grant_properties={"rule_id": rule.id, "event_id": event.id},
            now=utcnow(),
        )
        return {"points": granted.amount, "transaction_id": granted.id}
    if rule.hook_type == "messaging":
        return _send(session, club, rule, event, options)
    if rule.hook_type == "webhook":
        webhook_event = outbox.enqueue(session, club.id, "trigger_rule.fired", rule.id, _webhook_data(rule, event))
        return {"webhook_event_id": webhook_event}
    raise ValueError(f"hook type {rule.hook_type} cannot run")  # refused when the rule was saved


def _webhook_data(rule: Any, event: Any) -> dict[str, Any]:
    return {
        "rule_id": rule.id,
        "member_id": event.member_id,
        "event": {"id": event.id, "type": event.type, "occurred_at": event.occurred_at, "data": event.data},
    }


def run_many(
    session: Session, club: LoyaltyClub, firing: list[tuple[Any, Any, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """:func:`run` for each ``(rule, event, member)`` of ``firing``, the results in the same order; the
    hooks that can go together do: the grants of one offer in one ``grant_offer`` call, the ``webhook``
    events in one outbox write. Raises on the first hook that cannot run (the caller rolls all of them
    back and runs them one by one, to log which failed)."""
    results: list[dict[str, Any] | None] = [None] * len(firing)
    grants_by_offer: dict[int, list[int]] = {}
    webhooks: list[int] = []
    for index, (rule, event, member) in enumerate(firing):
        if rule.hook_type == "grant_offer":
            grants_by_offer.setdefault(rule.options["grant_offer"]["offer_id"], []).append(index)
        elif rule.hook_type == "webhook":
            webhooks.append(index)
        else:
            results[index] = run(session, club, rule, event, member)
    for offer_id, indexes in grants_by_offer.items():
        granted = grants.grant_offer(session, club.id, offer_id, [firing[i][1].member_id for i in indexes])
        for index, grant in zip(indexes, granted, strict=True):
            results[index] = {"offer_id": offer_id, "grant_id": grant.id}
    if webhooks:
        items = [(firing[i][0].id, _webhook_data(firing[i][0], firing[i][1])) for i in webhooks]
        webhook_events = outbox.enqueue_many(session, club.id, "trigger_rule.fired", items)
        for index, webhook_event in zip(webhooks, webhook_events, strict=True):
            results[index] = {"webhook_event_id": webhook_event}
    return results  # type: ignore[return-value]
