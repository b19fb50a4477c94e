"""Request and response bodies of the stores API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel

StoreName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ExternalId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


class StoreCreate(StrictModel):
    name: StoreName
    external_id: ExternalId | None = None


class StoreUpdate(UpdateModel):
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "updated_at"))

    name: StoreName | None = None
    external_id: ExternalId | None = None


class StoreOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    external_id: str | None
    created_at: datetime
    updated_at: datetime


class StoreList(BaseModel):
    stores: list[StoreOut]
    pagination_info: PaginationInfo
