"""What a rule does when it fires: its hook, by ``hook_type``, with its ``options[hook_type]``.

Available: ``grant_offer`` (``{"offer_id"}``), ``member_group_add`` / ``member_group_remove``
(``{"group_id"}``), ``rewards_api`` (``{"grant_points": n}``, the vendor's Rule example: a ``grant`` of n
points to the member, with ``grant_type: "triggerer"``; 480 in the execution log when the member does not take
part in the rewards program) and ``webhook`` (a ``trigger_rule.fired`` event to the club's webhook
subscriptions). ``messaging`` (send a message) is refused when a rule is saved, with the reason: the hook is
not built yet. Built-in rules have hooks of their own (``welcome_offers``), never accepted from a client.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.repository import member_or_404
from loyaltyhub.offers import grants
from loyaltyhub.offers.models import Offer
from loyaltyhub.rewards.points import service as points
from loyaltyhub.rewards.points.schemas import MAX_POINTS
from loyaltyhub.webhooks import outbox

AVAILABLE = ("grant_offer", "member_group_add", "member_group_remove", "rewards_api", "webhook")
NOT_LANDED = {
    "messaging": "Hook type messaging (send a message) is not built yet: a rule cannot send messages (issue #18)",
}
HOOK_TYPES = (*AVAILABLE, *NOT_LANDED)


def option_problems(
    session: Session, club_id: int, hook_type: str, options: dict[str, Any]
) -> list[tuple[tuple[str | int, ...], str, dict[str, Any]]]:
    """What is wrong with ``options`` for ``hook_type`` (paths below ``options``)."""
    mine = options.get(hook_type)
    if hook_type == "webhook":
        return []
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
    if rule.hook_type == "webhook":
        data = {
            "rule_id": rule.id,
            "member_id": event.member_id,
            "event": {"id": event.id, "type": event.type, "occurred_at": event.occurred_at, "data": event.data},
        }
        webhook_event = outbox.enqueue(session, club.id, "trigger_rule.fired", rule.id, data)
        return {"webhook_event_id": webhook_event}
    raise ValueError(f"hook type {rule.hook_type} cannot run")  # refused when the rule was saved
