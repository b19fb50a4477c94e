"""Builders for webhook subscriptions and deliveries."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.webhooks import outbox, service
from loyaltyhub.webhooks.catalog import EVENT_TYPES
from loyaltyhub.webhooks.models import WebhookDelivery, WebhookSubscription


def subscription(session: Session, club: LoyaltyClub, url: str = "https://hooks.example.com/in", **values: Any):
    body: dict[str, Any] = {
        "url": url,
        "event_types": list(EVENT_TYPES),
        "payload_version": "standard",
        "description": None,
        "active": True,
    }
    body.update(values)
    return service.create_subscription(session, club.id, body, allow_private=True)


def delivery(session: Session, club: LoyaltyClub) -> WebhookDelivery:
    sub: WebhookSubscription = subscription(session, club)
    outbox.enqueue(session, club.id, "offer.created", 1, {"id": 1})
    session.flush()
    return (
        session.query(WebhookDelivery)
        .filter(WebhookDelivery.loyalty_club_id == club.id, WebhookDelivery.subscription_id == sub.id)
        .one()
    )
