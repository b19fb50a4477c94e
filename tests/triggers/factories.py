"""Builders for Triggerer rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.triggers import service
from loyaltyhub.triggers.models import TriggerRule
from tests.offers import factories as offers


def rule(session: Session, club: LoyaltyClub, **values: Any) -> TriggerRule:
    if "options" not in values:
        offer = offers.offer(session, club, status="published", type="exclusive")
        values["options"] = {"grant_offer": {"offer_id": offer.id}}
    body: dict[str, Any] = {
        "event_type": "app_opened",
        "name": {"value": "Open the app", "translations": {}},
        "frequency": None,
        "limit": None,
        "minimum": 0,
        "rate": None,
        "hook_type": "grant_offer",
        "hook_delayed_by_seconds": 0,
        "data_conditions": None,
        "audience_id": None,
        "excluded_sources": [],
        "paused": False,
    }
    body.update(values)
    return service.create_rule(session, club.id, body)
