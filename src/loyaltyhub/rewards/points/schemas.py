"""Request and response bodies of the points routes (reference (a).2, (a).5, (a).9-(a).11)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, Field, StrictInt, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from loyaltyhub.schemas import PaginationInfo, StrictModel

MAX_POINTS = 1_000_000
"""The most points one transaction can move."""
Points = Annotated[StrictInt, Field(ge=1, le=MAX_POINTS)]
SignedPoints = Annotated[StrictInt, Field(ge=-MAX_POINTS, le=MAX_POINTS)]
Text = Annotated[str, StringConstraints(max_length=500)]
Key = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class GrantPointsBody(StrictModel):
    points: Points
    grant_type: Key | None = None
    grant_properties: dict[str, Any] | None = None


class CorrectionBody(StrictModel):
    """A staff correction: positive points add a lot, negative ones take points (never below zero)."""

    points: SignedPoints
    comment: Text | None = None

    @field_validator("points")
    @classmethod
    def _not_zero(cls, points: int) -> int:
        if points == 0:
            raise PydanticCustomError("other_than", "must be other than 0", {"value": 0})
        return points


class TransactionOut(BaseModel):
    id: int
    type: Literal["achievement", "reward_purchase", "expiration", "correction", "grant", "cancellation"]
    date: str
    amount: int
    expired_at: str | None
    cancelled_at: str | None
    details: dict[str, Any]


class TransactionBody(BaseModel):
    transaction: TransactionOut


class ExpiringPoints(BaseModel):
    points: int
    expires_at: str


class StatusOut(BaseModel):
    """``{"membership": false}`` alone for a member who has not joined."""

    membership: bool
    membership_started_at: str | None = None
    balance: int | None = None
    lifetime_points: int | None = None
    level: str | None = None
    expiring_points: list[ExpiringPoints] | None = None
    transactions: list[TransactionOut] | None = None
    pagination_info: PaginationInfo | None = None


class TransactionsOut(BaseModel):
    transactions: list[TransactionOut]
    pagination_info: PaginationInfo


PosEventType = Literal["purchase", "campaign", "issue", "use", "revoke", "expire", "other"]


class PosPointsItem(StrictModel):
    """One item of ``POST /v3/{slug}/transactions/points`` (reference (a).5). ``transaction_id`` (the
    point of sale's id) makes the item count once: a repeat answers ``ok`` without moving points. The
    wallet keys are for "integrations without loyalty logic" and are accepted but not used: this
    platform computes balances and expiry itself."""

    identifier_type: Literal["id", "msisdn", "email"]
    identifier: Annotated[str, StringConstraints(min_length=1, max_length=320)] | StrictInt
    event_type: PosEventType
    amount: SignedPoints
    event: Text | None = None
    message: Text | None = None
    store_id: Key | None = None
    transaction_id: Key | None = None
    event_date: AwareDatetime | None = None
    wallet: Key | None = None
    wallet_new_balance: StrictInt | None = None
    expiry_points_date: date | None = None
    expiry_points_balance: StrictInt | None = None
    additional_properties: dict[str, Any] | None = None

    @field_validator("amount")
    @classmethod
    def _not_zero(cls, amount: int) -> int:
        if amount == 0:
            raise PydanticCustomError("other_than", "must be other than 0", {"value": 0})
        return amount


PosPointsBody = Annotated[list[PosPointsItem], Field(min_length=1, max_length=100)]


class PosFeedback(BaseModel):
    event_type: str
    amount: int
    status: str
    transaction: TransactionOut | None = None
