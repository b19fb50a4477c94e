"""Webhook subscriptions (CRUD), the deliveries list and manual redelivery."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import Tenant, in_club, same_club
from loyaltyhub.errors import UnprocessableEntity, ValidationFailed, details_tree
from loyaltyhub.http.pagination import Page, count_of
from loyaltyhub.schemas import PaginationInfo
from loyaltyhub.webhooks import payloads, signing
from loyaltyhub.webhooks.catalog import EVENT_TYPES, MEMBER_TYPES
from loyaltyhub.webhooks.delivery import cancel_pending
from loyaltyhub.webhooks.models import (
    MEMBERS_V2,
    PENDING,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookSubscription,
)
from loyaltyhub.webhooks.targets import TargetRefused, check_url


def _validate(values: dict[str, Any], *, allow_private: bool) -> None:
    problems: list[tuple[tuple[str | int, ...], str, dict[str, Any]]] = []
    try:
        check_url(values["url"], allow_private=allow_private, resolve=False)
    except TargetRefused as refused:
        problems.append((("url",), "invalid_target", {"reason": str(refused)}))
    types = values["event_types"]
    for index, name in enumerate(types):
        if name not in EVENT_TYPES:
            problems.append((("event_types", index), "inclusion", {"in": list(EVENT_TYPES)}))
        elif values["payload_version"] == MEMBERS_V2 and name not in MEMBER_TYPES:
            problems.append((("event_types", index), "not_a_member_event", {"in": list(MEMBER_TYPES)}))
    if problems:
        raise ValidationFailed(details_tree(problems))


def create_subscription(session: Session, club_id: int, body: dict[str, Any], *, allow_private: bool) -> Any:
    body["event_types"] = list(dict.fromkeys(body["event_types"]))
    _validate(body, allow_private=allow_private)
    now = utcnow()
    subscription = WebhookSubscription(
        loyalty_club_id=club_id,
        secret=signing.new_secret(),
        secret_token=signing.new_secret_token(),
        created_at=now,
        updated_at=now,
        **body,
    )
    session.add(subscription)
    session.flush()
    return subscription


def update_subscription(
    session: Session, subscription: WebhookSubscription, changes: dict[str, Any], *, allow_private: bool
) -> WebhookSubscription:
    for key in ("url", "event_types", "payload_version", "active"):
        if key in changes and changes[key] is None:
            changes.pop(key)
    if "event_types" in changes:
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
    merged = {
        "url": changes.get("url", subscription.url),
        "event_types": changes.get("event_types", subscription.event_types),
        "payload_version": changes.get("payload_version", subscription.payload_version),
    }
    _validate(merged, allow_private=allow_private)
    now = utcnow()
    if changes.get("active") is True and not subscription.active:
        subscription.disabled_at = None
        subscription.disabled_reason = None
        subscription.failing_since = None
    if changes.get("active") is False and subscription.active:
        cancel_pending(session, subscription.loyalty_club_id, subscription.id, now)
    for key, value in changes.items():
        setattr(subscription, key, value)
    subscription.updated_at = now
    session.flush()
    return subscription


def delete_subscription(session: Session, subscription: WebhookSubscription) -> None:
    session.delete(subscription)
    session.flush()


def subscriptions_statement(tenant: Tenant) -> Select[Any]:
    return tenant.select(WebhookSubscription).order_by(WebhookSubscription.id)


def deliveries_statement(tenant: Tenant, subscription_id: int, status: str | None) -> Select[Any]:
    statement = (
        tenant.select(WebhookDelivery, WebhookEvent.type)
        .join(WebhookEvent, and_(WebhookEvent.id == WebhookDelivery.event_id, same_club(WebhookEvent, WebhookDelivery)))
        .where(WebhookDelivery.subscription_id == subscription_id)
    )
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    return statement.order_by(WebhookDelivery.id.desc())


def deliveries_page(
    session: Session, tenant: Tenant, subscription_id: int, status: str | None, page: Page
) -> tuple[list[Any], PaginationInfo]:
    """One page of a subscription's deliveries, newest first, each with its event's type."""
    statement = deliveries_statement(tenant, subscription_id, status)
    rows = list(session.execute(page.apply(statement)).all())
    return rows, page.info(count_of(session, statement))


def delivery_view(delivery: WebhookDelivery, event_type: str) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "subscription_id": delivery.subscription_id,
        "event_id": delivery.event_id,
        "event_type": event_type,
        "webhook_id": payloads.message_id(delivery.event_id),
        "status": delivery.status,
        "attempts": delivery.attempts,
        "next_attempt_at": delivery.next_attempt_at if delivery.status == PENDING else None,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "created_at": delivery.created_at,
        "finished_at": delivery.finished_at,
    }


def event_type_of(session: Session, delivery: WebhookDelivery) -> str:
    return session.execute(
        select(WebhookEvent.type).where(
            in_club(WebhookEvent, delivery.loyalty_club_id), WebhookEvent.id == delivery.event_id
        )
    ).scalar_one()


def attempts_of(session: Session, delivery: WebhookDelivery) -> list[WebhookAttempt]:
    return list(
        session.execute(
            select(WebhookAttempt)
            .where(in_club(WebhookAttempt, delivery.loyalty_club_id), WebhookAttempt.delivery_id == delivery.id)
            .order_by(WebhookAttempt.id)
        ).scalars()
    )


def redeliver(session: Session, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send a delivery again now, whatever its state (same ``webhook-id``); 422 while its subscription is
    disabled, and 409-free: a pending delivery is simply made due now."""
    subscription = session.execute(
        select(WebhookSubscription).where(
            in_club(WebhookSubscription, delivery.loyalty_club_id), WebhookSubscription.id == delivery.subscription_id
        )
    ).scalar_one()
    if not subscription.active:
        raise UnprocessableEntity("Webhook subscription is disabled")
    now = utcnow()
    delivery.status = PENDING
    delivery.next_attempt_at = now
    delivery.finished_at = None
    delivery.created_at = now  # the retry window starts again
    session.flush()
    return delivery
