"""Bodies of the member groups routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

from loyaltyhub.schemas import PaginationInfo, ReadOnlyKeys, StrictModel, UpdateModel


class GroupCreate(StrictModel):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    description: Annotated[str, Field(max_length=2000)] | None = None


class GroupUpdate(UpdateModel):
    # Members join and leave without the group being written: their count is live.
    read_only_keys = ReadOnlyKeys(fixed=("id", "created_at", "updated_at"), live=("members_count",))

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None


class GroupOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
    members_count: int = 0
    created_at: datetime
    updated_at: datetime


class GroupList(BaseModel):
    groups: list[GroupOut]
    pagination_info: PaginationInfo


class GroupMembersChange(StrictModel):
    member_ids: Annotated[list[Annotated[StrictInt, Field(ge=1)]], Field(min_length=1, max_length=1000)]


class GroupMembers(BaseModel):
    member_ids: list[int]
    pagination_info: PaginationInfo


class GroupMembersChanged(BaseModel):
    group_id: int
    changed_member_ids: list[int]
    members_count: int
