"""HTTP routes of member groups (Management API): CRUD and the members of a group."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members import repository
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.groups.schemas import (
    GroupCreate,
    GroupList,
    GroupMembers,
    GroupMembersChange,
    GroupMembersChanged,
    GroupOut,
    GroupUpdate,
)
from loyaltyhub.members.models import Member

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members/groups", tags=["Management API: members"])

GroupsList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_LIST))]
GroupsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_CREATE))]
GroupsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_UPDATE))]
GroupsDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_DESTROY))]
GroupsMembers = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_MEMBERS))]


# --- path ids, resolved in the club of the caller -----------------------------------------------


def group_to_show(group_id: int, access: GroupsList, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_update(group_id: int, access: GroupsUpdate, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_destroy(group_id: int, access: GroupsDestroy, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_change(group_id: int, access: GroupsMembers, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def member_of_group_club(member_id: int, access: GroupsMembers, session: SessionDep) -> Member:
    return repository.member_or_404(session, access.club_id, member_id)


GroupToShow = Annotated[MemberGroup, Depends(group_to_show)]
GroupToUpdate = Annotated[MemberGroup, Depends(group_to_update)]
GroupToDestroy = Annotated[MemberGroup, Depends(group_to_destroy)]
GroupToChange = Annotated[MemberGroup, Depends(group_to_change)]


def _group_out(session: SessionDep, group: MemberGroup) -> GroupOut:
    count = groups.members_counts(session, group.loyalty_club_id, [group.id]).get(group.id, 0)
    return GroupOut.model_validate(group).model_copy(update={"members_count": count})


@router.get("", response_model=GroupList, responses=errors(401, 403, 404, 422))
def list_groups(
    access: GroupsList,
    session: SessionDep,
    page: PageDep,
    search: Annotated[str | None, Query(max_length=200)] = None,
    sort_by: Literal["id", "name", "created_at"] = "name",
    sort_direction: Literal["asc", "desc"] = "asc",
) -> GroupList:
    statement = groups.list_statement(access.club_id, search=search, sort_by=sort_by, sort_direction=sort_direction)
    items, info = paginate(session, statement, page)
    counts = groups.members_counts(session, access.club_id, [g.id for g in items])
    return GroupList(
        groups=[GroupOut.model_validate(g).model_copy(update={"members_count": counts.get(g.id, 0)}) for g in items],
        pagination_info=info,
    )


@router.post("", status_code=201, response_model=GroupOut, responses=errors(401, 403, 404, 409, 422))
def create_group(body: GroupCreate, access: GroupsCreate, _: Idempotent, session: SessionDep) -> GroupOut:
    group = groups.create_group(session, access.club_id, name=body.name, description=body.description)
    return _group_out(session, group)


@router.get("/{group_id:int}", response_model=GroupOut, responses=errors(401, 403, 404))
def show_group(group: GroupToShow, session: SessionDep) -> GroupOut:
    return _group_out(session, group)


@router.patch("/{group_id:int}", response_model=GroupOut, responses=errors(401, 403, 404, 422))
def update_group(body: GroupUpdate, group: GroupToUpdate, session: SessionDep) -> GroupOut:
    body.refuse_changed_read_only(lambda: _group_out(session, group))
    return _group_out(session, groups.update_group(session, group, body.model_dump(exclude_unset=True)))


@router.delete("/{group_id:int}", status_code=204, responses=errors(401, 403, 404))
def delete_group(access: GroupsDestroy, group: GroupToDestroy, session: SessionDep) -> Response:
    groups.delete_group(session, access.club, group)
    return Response(status_code=204)


@router.get("/{group_id:int}/members", response_model=GroupMembers, responses=errors(401, 403, 404, 422))
def list_group_members(group: GroupToShow, session: SessionDep, page: PageDep) -> GroupMembers:
    member_ids, info = paginate(session, groups.group_member_ids(group.loyalty_club_id, group.id), page)
    return GroupMembers(member_ids=member_ids, pagination_info=info)


@router.post("/{group_id:int}/members", response_model=GroupMembersChanged, responses=errors(401, 403, 404, 409, 422))
def add_group_members(
    access: GroupsMembers, group: GroupToChange, _: Idempotent, body: GroupMembersChange, session: SessionDep
) -> GroupMembersChanged:
    """Add members (``{"member_ids": [...]}``); members already in the group are left as they are."""
    added = groups.add_members(session, access.club, group, body.member_ids)
    count = groups.members_counts(session, access.club_id, [group.id]).get(group.id, 0)
    return GroupMembersChanged(group_id=group.id, changed_member_ids=added, members_count=count)


@router.delete("/{group_id:int}/members/{member_id:int}", status_code=204, responses=errors(401, 403, 404))
def remove_group_member(
    access: GroupsMembers,
    group: GroupToChange,
    member: Annotated[Member, Depends(member_of_group_club)],
    session: SessionDep,
) -> Response:
    if not groups.remove_members(session, access.club, group, [member.id]):
        raise NotFound(f"Member#{member.id} is not in MemberGroup#{group.id}")
    return Response(status_code=204)
