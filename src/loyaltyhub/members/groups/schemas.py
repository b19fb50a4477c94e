"""Bodies of the member groups routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StringConstraints

from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.schemas import ManagedMemberOut
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


# --- The older docs' Members Groups API (legacy_routes.py) ----------------------------------------------


class LegacyGroupPayload(StrictModel):
    """MembersGroup Payload (reference (f).4). loyaltyhub keeps ``name`` and ``description``; ``type`` is
    read and not kept (groups are untyped); an audience or ``system: true`` is refused by the route."""

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = None
    description: Annotated[str, Field(max_length=2000)] | None = None
    type: Annotated[str, Field(max_length=200)] | None = None
    system: StrictBool | None = None
    audience_id: Annotated[StrictInt, Field(ge=1)] | None = None
    audience_conditions: list[dict[str, Any]] | dict[str, Any] | None = None


class LegacyGroupBody(StrictModel):
    members_group: LegacyGroupPayload


class LegacyGroupOut(BaseModel):
    """MembersGroup model (reference (f).4) of a loyaltyhub group."""

    id: int
    name: str
    type: str | None = None
    description: str | None
    automatic: bool = False
    system: bool = False
    audience_id: int | None = None
    audience_conditions: list[dict[str, Any]] | None = None
    members_count: int
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, group: MemberGroup, members_count: int) -> LegacyGroupOut:
        return cls(
            id=group.id,
            name=group.name,
            description=group.description,
            members_count=members_count,
            created_at=group.created_at,
            updated_at=group.updated_at,
        )


class LegacyGroupEnvelope(BaseModel):
    members_group: LegacyGroupOut


class LegacyGroupList(BaseModel):
    members_groups: list[LegacyGroupOut]
    pagination_info: PaginationInfo


class LegacyGroupType(BaseModel):
    name: str
    system: bool


class LegacyGroupTypes(BaseModel):
    members_group_types: list[LegacyGroupType]


class LegacyGroupMembers(BaseModel):
    members: list[ManagedMemberOut]
    pagination_info: PaginationInfo
