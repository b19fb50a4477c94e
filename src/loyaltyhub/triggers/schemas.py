"""Request and response bodies of the Triggerer API (the vendor's Rule model)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

Count = Annotated[StrictInt, Field(ge=0, le=1_000_000)]
Positive = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
Source = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class RuleName(StrictModel):
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    translations: dict[
        Annotated[str, StringConstraints(max_length=10)], Annotated[str, StringConstraints(max_length=200)]
    ] = {}


class Frequency(StrictModel):
    """At most ``limit`` actions per ``timespan`` (a calendar period of the club's timezone)."""

    limit: Positive
    timespan: Literal["hour", "day", "week", "month", "year"]
    rate: Count | None = Field(default=None, description="Accepted as the vendor's example shows; not used")
    minimum: Count | None = Field(default=None, description="Accepted as the vendor's example shows; not used")


class RuleFields(StrictModel):
    event_type: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    name: RuleName
    frequency: Frequency | None = None
    limit: Positive | None = None
    minimum: Count = 0
    rate: Count | None = None
    hook_type: Annotated[str, StringConstraints(min_length=1, max_length=32)]
    hook_delayed_by_seconds: Annotated[StrictInt, Field(ge=0, le=30 * 24 * 3600)] = 0
    options: dict[str, Any] = {}
    data_conditions: dict[str, Any] | None = None
    audience_id: Id | None = None
    excluded_sources: Annotated[list[Source], Field(max_length=50)] = []
    paused: StrictBool = False


class RuleCreate(RuleFields):
    pass


class RuleUpdate(UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "system_key", "created_at", "updated_at", "deleted_at"))

    event_type: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    name: RuleName | None = None
    frequency: Frequency | None = None
    limit: Positive | None = None
    minimum: Count | None = None
    rate: Count | None = None
    hook_type: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    hook_delayed_by_seconds: Annotated[StrictInt, Field(ge=0, le=30 * 24 * 3600)] | None = None
    options: dict[str, Any] | None = None
    data_conditions: dict[str, Any] | None = None
    audience_id: Id | None = None
    excluded_sources: Annotated[list[Source], Field(max_length=50)] | None = None
    paused: StrictBool | None = None


class RuleOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    system_key: str | None = Field(
        description="Set on a built-in rule (welcome_offers): only its name and paused can change; not deletable"
    )
    event_type: str
    name: dict[str, Any]
    frequency: dict[str, Any] | None
    limit: int | None
    minimum: int
    rate: int | None
    hook_type: str
    hook_delayed_by_seconds: int
    options: dict[str, Any]
    data_conditions: dict[str, Any] | None
    audience_id: int | None
    excluded_sources: list[str]
    paused: bool
    created_at: datetime
    updated_at: datetime
    deleted_at: datetime | None


class RuleList(BaseModel):
    rules: list[RuleOut]
    pagination_info: PaginationInfo


class ExecutionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    member_id: int
    status: str
    reason: str | None
    result: dict[str, Any] | None
    occurred_at: datetime
    executed_at: datetime


class ExecutionList(BaseModel):
    executions: list[ExecutionOut]
    pagination_info: PaginationInfo


class DryRunBody(StrictModel):
    last: Annotated[StrictInt, Field(ge=1, le=1000)] = 100


class DryRunItem(BaseModel):
    event_id: int
    member_id: int
    occurred_at: datetime
    would_fire: bool
    reason: str | None


class DryRunOut(BaseModel):
    events: list[DryRunItem]
    would_fire: int
