"""The trackable resources and the webhook event types a subscription can name."""

from __future__ import annotations

EVENT_TYPES: dict[str, str] = {
    "member.created": "A member signed up or was imported",
    "member.updated": "A member's profile, consents, statuses or groups changed",
    "member.deleted": "A member was deleted (anonymised)",
    "offer.created": "An offer was created (or cloned)",
    "offer.updated": "An offer was updated",
    "offer.archived": "An offer was archived",
    "offer_grant.created": "An offer was granted to a member",
    "member_offer_use.created": "A member used an offer",
    "trigger_rule.fired": "A Triggerer rule with the webhook hook fired (the rule, the member and the event)",
}
TRACKABLE_RESOURCES = ("member", "offer", "offer_grant", "member_offer_use", "trigger_rule")
MEMBER_TYPES = ("member.created", "member.updated", "member.deleted")
V2_CHANGE_TYPES = {"member.created": "import", "member.updated": "update", "member.deleted": "delete"}
"""The vendor's members notifications name a change ``import``, ``update`` or ``delete``."""
