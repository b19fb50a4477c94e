"""Bodies of the achievements and point multipliers routes (management) and the achievements summary."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictBool, StrictInt, StringConstraints, model_validator

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Points = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
Count = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]
EventTypeName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]


class AchievementFrequency(StrictModel):
    """At most ``limit`` times per calendar ``timespan`` of the club (reference 2.1)."""

    timespan: Literal["hour", "day", "week", "month", "year"]
    limit: Count


class AchievementFields(StrictModel):
    type: EventTypeName | None = None
    """A member event type (the vendor's nine, or one loyaltyhub records, e.g. ``receipt_accepted``)."""
    name: Name | None = None
    points: Points | None = None
    limit: Count | None = None
    frequency: AchievementFrequency | None = None
    active: StrictBool | None = None

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class AchievementCreate(AchievementFields):
    type: EventTypeName
    name: Name
    points: Points
    active: StrictBool = True


class AchievementUpdate(AchievementFields, UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "archived_at"), live=("updated_at",))


class AchievementOut(BaseModel):
    """The documented Achievement model, with the management keys."""

    id: int
    type: str
    name: str
    points: int
    limit: int | None
    frequency: dict[str, Any] | None
    active: bool
    created_at: str
    updated_at: str
    archived_at: str | None


class AchievementsPage(BaseModel):
    achievements: list[AchievementOut]
    pagination_info: PaginationInfo


class AchievementsByType(BaseModel):
    type: str
    times_achieved: int
    total_amount_earned: int


class AchievementsByMonth(BaseModel):
    year: int
    month: int
    achievements_made: int
    total_amount_earned: int


class AchievementsSummaryOut(BaseModel):
    achievements_by_type: list[AchievementsByType]
    achievements_by_month: list[AchievementsByMonth]


Source = Literal["receipt", "achievement", "pos"]


class MultiplierFields(StrictModel):
    name: Name | None = None
    factor_percent: Annotated[StrictInt, Field(ge=1, le=10_000)] | None = None
    """The factor in percent: 200 doubles the points, 150 adds half."""
    store_ids: Annotated[list[Id], Field(max_length=10_000)] | None = None
    member_group_ids: Annotated[list[Id], Field(max_length=1_000)] | None = None
    sources: Annotated[list[Source], Field(max_length=3)] | None = None
    starts_at: AwareDatetime | None = None
    ends_at: AwareDatetime | None = None
    active: StrictBool | None = None

    @model_validator(mode="after")
    def _window(self) -> MultiplierFields:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        return self

    def values(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


class MultiplierCreate(MultiplierFields):
    name: Name
    factor_percent: Annotated[StrictInt, Field(ge=1, le=10_000)]
    active: StrictBool = True


class MultiplierUpdate(MultiplierFields, UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "factor"), live=("updated_at",))


class MultiplierOut(BaseModel):
    id: int
    name: str
    factor_percent: int
    factor: float
    store_ids: list[int] | None
    member_group_ids: list[int] | None
    sources: list[str] | None
    starts_at: str | None
    ends_at: str | None
    active: bool
    created_at: str
    updated_at: str


class MultipliersPage(BaseModel):
    point_multipliers: list[MultiplierOut]
    pagination_info: PaginationInfo
