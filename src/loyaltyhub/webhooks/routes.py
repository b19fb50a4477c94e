"""Management API: webhook subscriptions, their deliveries and the delivery log.

* ``/v3/{loyalty_club_slug}/webhooks/subscriptions`` list, create; ``/{subscription_id}`` show, update
  (``active: true`` re-enables a disabled subscription), delete;
* ``/webhooks/subscriptions/{subscription_id}/deliveries`` (``status`` filter), ``/webhooks/deliveries/
  {delivery_id}`` (with every attempt), ``POST .../redeliver``;
* ``/webhooks/event_types``: the trackable resources and their event types.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Request, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.webhooks import service
from loyaltyhub.webhooks.catalog import EVENT_TYPES, TRACKABLE_RESOURCES
from loyaltyhub.webhooks.models import DELIVERY_STATUSES, WebhookDelivery, WebhookSubscription
from loyaltyhub.webhooks.schemas import (
    AttemptOut,
    DeliveryDetail,
    DeliveryList,
    DeliveryOut,
    EventTypeOut,
    EventTypesOut,
    SubscriptionCreate,
    SubscriptionList,
    SubscriptionOut,
    SubscriptionUpdate,
)

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/webhooks", tags=["Webhooks"])

WebhooksList = Annotated[ClubAccess, Depends(ClubAuth(permits.WEBHOOKS_LIST))]
WebhooksCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.WEBHOOKS_CREATE))]
WebhooksUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.WEBHOOKS_UPDATE))]
WebhooksDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.WEBHOOKS_DESTROY))]
Status = Literal["pending", "delivered", "dropped", "expired", "cancelled"]
assert set(Status.__args__) == set(DELIVERY_STATUSES)  # type: ignore[attr-defined]


def _allow_private(request: Request) -> bool:
    return bool(request.app.state.settings.webhook_allow_private_targets)


def subscription_to_show(subscription_id: int, access: WebhooksList, session: SessionDep) -> WebhookSubscription:
    return access.tenant.get_or_404(session, WebhookSubscription, subscription_id, "WebhookSubscription")


def subscription_to_update(subscription_id: int, access: WebhooksUpdate, session: SessionDep) -> WebhookSubscription:
    return access.tenant.get_or_404(session, WebhookSubscription, subscription_id, "WebhookSubscription")


def subscription_to_destroy(subscription_id: int, access: WebhooksDestroy, session: SessionDep) -> WebhookSubscription:
    return access.tenant.get_or_404(session, WebhookSubscription, subscription_id, "WebhookSubscription")


def delivery_to_show(delivery_id: int, access: WebhooksList, session: SessionDep) -> WebhookDelivery:
    return access.tenant.get_or_404(session, WebhookDelivery, delivery_id, "WebhookDelivery")


def delivery_to_redeliver(delivery_id: int, access: WebhooksUpdate, session: SessionDep) -> WebhookDelivery:
    return access.tenant.get_or_404(session, WebhookDelivery, delivery_id, "WebhookDelivery")


@router.get("/event_types", response_model=EventTypesOut, responses=errors(401, 403, 404))
def event_types(_access: WebhooksList) -> EventTypesOut:
    return EventTypesOut(
        event_types=[EventTypeOut(type=name, description=text) for name, text in EVENT_TYPES.items()],
        trackable_resources=list(TRACKABLE_RESOURCES),
    )


@router.get("/subscriptions", response_model=SubscriptionList, responses=errors(401, 403, 404, 422))
def list_subscriptions(access: WebhooksList, session: SessionDep, page: PageDep) -> SubscriptionList:
    rows, info = paginate(session, service.subscriptions_statement(access.tenant), page)
    return SubscriptionList(subscriptions=[SubscriptionOut.model_validate(s) for s in rows], pagination_info=info)


@router.post(
    "/subscriptions", status_code=201, response_model=SubscriptionOut, responses=errors(401, 403, 404, 409, 422)
)
def create_subscription(
    request: Request, body: SubscriptionCreate, access: WebhooksCreate, _: Idempotent, session: SessionDep
) -> SubscriptionOut:
    subscription = service.create_subscription(
        session, access.club_id, body.model_dump(), allow_private=_allow_private(request)
    )
    return SubscriptionOut.model_validate(subscription)


@router.get("/subscriptions/{subscription_id}", response_model=SubscriptionOut, responses=errors(401, 403, 404))
def show_subscription(subscription: Annotated[WebhookSubscription, Depends(subscription_to_show)]) -> SubscriptionOut:
    return SubscriptionOut.model_validate(subscription)


@router.patch("/subscriptions/{subscription_id}", response_model=SubscriptionOut, responses=errors(401, 403, 404, 422))
def update_subscription(
    request: Request,
    body: SubscriptionUpdate,
    subscription: Annotated[WebhookSubscription, Depends(subscription_to_update)],
    session: SessionDep,
) -> SubscriptionOut:
    body.refuse_changed_read_only(lambda: SubscriptionOut.model_validate(subscription))
    updated = service.update_subscription(
        session, subscription, body.model_dump(exclude_unset=True), allow_private=_allow_private(request)
    )
    return SubscriptionOut.model_validate(updated)


@router.delete("/subscriptions/{subscription_id}", status_code=204, responses=errors(401, 403, 404))
def delete_subscription(
    subscription: Annotated[WebhookSubscription, Depends(subscription_to_destroy)], session: SessionDep
) -> Response:
    service.delete_subscription(session, subscription)
    return Response(status_code=204)


@router.get(
    "/subscriptions/{subscription_id}/deliveries", response_model=DeliveryList, responses=errors(401, 403, 404, 422)
)
def list_deliveries(
    subscription: Annotated[WebhookSubscription, Depends(subscription_to_show)],
    access: WebhooksList,
    session: SessionDep,
    page: PageDep,
    status: Status | None = None,
) -> DeliveryList:
    rows, info = service.deliveries_page(session, access.tenant, subscription.id, status, page)
    return DeliveryList(
        deliveries=[DeliveryOut(**service.delivery_view(delivery, kind)) for delivery, kind in rows],
        pagination_info=info,
    )


def _detail(session: SessionDep, delivery: WebhookDelivery) -> DeliveryDetail:
    view = service.delivery_view(delivery, service.event_type_of(session, delivery))
    log = [AttemptOut.model_validate(a) for a in service.attempts_of(session, delivery)]
    return DeliveryDetail(**view, log=log)


@router.get("/deliveries/{delivery_id}", response_model=DeliveryDetail, responses=errors(401, 403, 404))
def show_delivery(
    delivery: Annotated[WebhookDelivery, Depends(delivery_to_show)], session: SessionDep
) -> DeliveryDetail:
    return _detail(session, delivery)


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryDetail, responses=errors(401, 403, 404, 422))
def redeliver(
    delivery: Annotated[WebhookDelivery, Depends(delivery_to_redeliver)], _: Idempotent, session: SessionDep
) -> DeliveryDetail:
    return _detail(session, service.redeliver(session, delivery))
