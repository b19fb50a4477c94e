"""Request and response bodies of the webhooks API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2048)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
EventTypes = Annotated[list[Annotated[str, StringConstraints(max_length=64)]], Field(min_length=1, max_length=50)]
PayloadVersion = Literal["standard", "members_v2"]


class SubscriptionCreate(StrictModel):
    url: Url
    event_types: EventTypes
    payload_version: PayloadVersion = "standard"
    description: Description | None = None
    active: StrictBool = True


class SubscriptionUpdate(UpdateModel):
    read_only_keys = ReadOnlyKeys(
        fixed=("id", "secret", "secret_token", "created_at", "updated_at", "disabled_at", "disabled_reason"),
        live=("failing_since",),
    )

    url: Url | None = None
    event_types: EventTypes | None = None
    payload_version: PayloadVersion | None = None
    description: Description | None = None
    active: StrictBool | None = None


class SubscriptionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    description: str | None
    event_types: list[str]
    payload_version: str
    secret: str = Field(description="Signs deliveries per Standard Webhooks (whsec_...)")
    secret_token: str = Field(description="Sent as X-Secret-Token with every delivery")
    active: bool
    failing_since: datetime | None
    disabled_at: datetime | None
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionOut]
    pagination_info: PaginationInfo


class AttemptOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    attempted_at: datetime
    request_headers: dict[str, Any]
    request_body: str
    response_status: int | None
    response_body: str | None
    duration_ms: int
    error: str | None


class DeliveryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    subscription_id: int
    event_id: int
    event_type: str
    webhook_id: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class DeliveryDetail(DeliveryOut):
    log: list[AttemptOut]


class DeliveryList(BaseModel):
    deliveries: list[DeliveryOut]
    pagination_info: PaginationInfo


class EventTypeOut(BaseModel):
    type: str
    description: str


class EventTypesOut(BaseModel):
    event_types: list[EventTypeOut]
    trackable_resources: list[str]
