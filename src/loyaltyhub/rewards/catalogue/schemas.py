"""Bodies of the catalogue routes: rewards (management CRUD) and the member's views (reference (a).3)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

MAX_INT32 = 2**31 - 1
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=10_000)]
Price = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
Count = Annotated[StrictInt, Field(ge=0, le=1_000_000_000)]
PositiveCount = Annotated[StrictInt, Field(ge=1, le=1_000_000)]
LevelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Id = Annotated[StrictInt, Field(ge=1, le=2**63 - 1)]


class RewardFile(StrictModel):
    """The Reward File model (reference (a).3)."""

    url: Annotated[str, Field(min_length=1, max_length=2048)]
    width: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    height: Annotated[StrictInt, Field(ge=1, le=100_000)] | None = None
    kind: Literal["reward_default"] = "reward_default"
    size_type: Literal["original", "base", "thumbnail"] = "base"


class RewardFields(StrictModel):
    name: Name | None = None
    description: Description | None = None
    price: Price | None = None
    required_member_level: LevelName | None = None
    stock: Count | None = None
    """Items for sale in total (null: no limit)."""
    limit_per_member: PositiveCount | None = None
    uses_per_purchase: PositiveCount | None = None
    """How many times a purchased reward can be used (null: no limit)."""
    visible_from: AwareDatetime | None = None
    visible_until: AwareDatetime | None = None
    usable_until: AwareDatetime | None = None
    store_id: Id | None = None
    files: Annotated[list[RewardFile], Field(max_length=20)] | None = None

    def values(self) -> dict[str, Any]:
        """The keys sent; files whole (with their defaults)."""
        sent = self.model_dump(exclude_unset=True)
        if self.files is not None:
            sent["files"] = [file.model_dump() for file in self.files]
        return sent


class RewardCreate(RewardFields):
    name: Name
    price: Price
    uses_per_purchase: PositiveCount | None = 1


class RewardUpdate(RewardFields, UpdateModel):
    read_only_keys = ReadOnlyKeys(
        fixed=("id", "created_at", "updated_at", "archived_at"), live=("purchased_count", "remaining_stock")
    )


class RewardOut(BaseModel):
    id: int
    name: str
    description: str | None
    price: int
    required_member_level: str | None
    stock: int | None
    purchased_count: int
    remaining_stock: int | None
    limit_per_member: int | None
    uses_per_purchase: int | None
    visible_from: str | None
    visible_until: str | None
    usable_until: str | None
    store_id: int | None
    files: list[dict[str, Any]]
    created_at: str
    updated_at: str
    archived_at: str | None


class RewardsPage(BaseModel):
    rewards: list[RewardOut]
    pagination_info: PaginationInfo


class MemberReward(BaseModel):
    """The Reward model of the Public API."""

    id: int
    name: str
    description: str | None
    price: int
    required_member_level: str | None
    remaining_stock: int | None
    available_until: str | None
    files: list[dict[str, Any]]


class MemberRewardsOut(BaseModel):
    rewards: list[MemberReward]


class RewardUsage(BaseModel):
    left: int | None
    usable: bool
    active_until: str | None


class PurchasedReward(BaseModel):
    id: int
    name: str
    description: str | None
    files: list[dict[str, Any]]
    usage: RewardUsage
    purchase_id: int
    code: str
    purchased_at: str


class PurchasedRewardsOut(BaseModel):
    rewards: list[PurchasedReward]


class Purchase(BaseModel):
    id: int
    reward_id: int
    code: str
    price: int
    purchased_at: str


class PurchaseOut(BaseModel):
    purchase: Purchase


class RewardUseOut(BaseModel):
    usage: RewardUsage
