"""Management API: members (list, show, update/ban, destroy) and member groups with their members."""

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
from loyaltyhub.members import groups, queries, service
from loyaltyhub.members.models import Member, MemberGroup
from loyaltyhub.members.schemas import (
    GroupCreate,
    GroupList,
    GroupMembers,
    GroupMembersChange,
    GroupMembersChanged,
    GroupOut,
    GroupUpdate,
    ManagedMemberOut,
    MemberList,
    MemberUpdate,
)

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members", tags=["Management API: members"])

MembersList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_LIST))]
MembersShow = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_SHOW))]
MembersUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_UPDATE))]
MembersDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_DESTROY))]
GroupsList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_LIST))]
GroupsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_CREATE))]
GroupsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_UPDATE))]
GroupsDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_DESTROY))]
GroupsMembers = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_MEMBERS))]


# --- path ids, resolved in the club of the caller -----------------------------------------------


def member_to_show(member_id: int, access: MembersShow, session: SessionDep) -> Member:
    return queries.member_or_404(session, access.club_id, member_id)


def member_to_update(member_id: int, access: MembersUpdate, session: SessionDep) -> Member:
    return queries.member_or_404(session, access.club_id, member_id)


def member_to_destroy(member_id: int, access: MembersDestroy, session: SessionDep) -> Member:
    return queries.member_or_404(session, access.club_id, member_id)


def group_to_show(group_id: int, access: GroupsList, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_update(group_id: int, access: GroupsUpdate, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_destroy(group_id: int, access: GroupsDestroy, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def group_to_change(group_id: int, access: GroupsMembers, session: SessionDep) -> MemberGroup:
    return groups.group_or_404(session, access.club_id, group_id)


def member_of_group_club(member_id: int, access: GroupsMembers, session: SessionDep) -> Member:
    return queries.member_or_404(session, access.club_id, member_id)


MemberToShow = Annotated[Member, Depends(member_to_show)]
MemberToUpdate = Annotated[Member, Depends(member_to_update)]
MemberToDestroy = Annotated[Member, Depends(member_to_destroy)]
GroupToShow = Annotated[MemberGroup, Depends(group_to_show)]
GroupToUpdate = Annotated[MemberGroup, Depends(group_to_update)]
GroupToDestroy = Annotated[MemberGroup, Depends(group_to_destroy)]
GroupToChange = Annotated[MemberGroup, Depends(group_to_change)]


def _group_out(session: SessionDep, group: MemberGroup) -> GroupOut:
    count = groups.members_counts(session, group.loyalty_club_id, [group.id]).get(group.id, 0)
    return GroupOut.model_validate(group).model_copy(update={"members_count": count})


# --- groups (declared before /{member_id} routes) -------------------------------------------------


@router.get("/groups", response_model=GroupList, responses=errors(401, 403, 404, 422))
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


@router.post("/groups", status_code=201, response_model=GroupOut, responses=errors(401, 403, 404, 409, 422))
def create_group(body: GroupCreate, access: GroupsCreate, _: Idempotent, session: SessionDep) -> GroupOut:
    group = groups.create_group(session, access.club_id, name=body.name, description=body.description)
    return _group_out(session, group)


@router.get("/groups/{group_id:int}", response_model=GroupOut, responses=errors(401, 403, 404))
def show_group(group: GroupToShow, session: SessionDep) -> GroupOut:
    return _group_out(session, group)


@router.patch("/groups/{group_id:int}", response_model=GroupOut, responses=errors(401, 403, 404, 422))
def update_group(body: GroupUpdate, group: GroupToUpdate, session: SessionDep) -> GroupOut:
    body.refuse_changed_read_only(lambda: _group_out(session, group))
    return _group_out(session, groups.update_group(session, group, body.model_dump(exclude_unset=True)))


@router.delete("/groups/{group_id:int}", status_code=204, responses=errors(401, 403, 404))
def delete_group(access: GroupsDestroy, group: GroupToDestroy, session: SessionDep) -> Response:
    groups.delete_group(session, access.club, group)
    return Response(status_code=204)


@router.get("/groups/{group_id:int}/members", response_model=GroupMembers, responses=errors(401, 403, 404, 422))
def list_group_members(group: GroupToShow, session: SessionDep, page: PageDep) -> GroupMembers:
    member_ids, info = paginate(session, groups.group_member_ids(group.loyalty_club_id, group.id), page)
    return GroupMembers(member_ids=member_ids, pagination_info=info)


@router.post(
    "/groups/{group_id:int}/members", response_model=GroupMembersChanged, responses=errors(401, 403, 404, 409, 422)
)
def add_group_members(
    access: GroupsMembers, group: GroupToChange, _: Idempotent, body: GroupMembersChange, session: SessionDep
) -> GroupMembersChanged:
    """Add members (``{"member_ids": [...]}``); members already in the group are left as they are."""
    added = groups.add_members(session, access.club, group, body.member_ids)
    count = groups.members_counts(session, access.club_id, [group.id]).get(group.id, 0)
    return GroupMembersChanged(group_id=group.id, changed_member_ids=added, members_count=count)


@router.delete("/groups/{group_id:int}/members/{member_id:int}", status_code=204, responses=errors(401, 403, 404))
def remove_group_member(
    access: GroupsMembers,
    group: GroupToChange,
    member: Annotated[Member, Depends(member_of_group_club)],
    session: SessionDep,
) -> Response:
    if not groups.remove_members(session, access.club, group, [member.id]):
        raise NotFound(f"Member#{member.id} is not in MemberGroup#{group.id}")
    return Response(status_code=204)


# --- members -----------------------------------------------------------------------------------------


@router.get("", response_model=MemberList, responses=errors(401, 403, 404, 422))
def list_members(
    access: MembersList,
    session: SessionDep,
    page: PageDep,
    ids: Annotated[list[int] | None, Query()] = None,
    search: Annotated[str | None, Query(max_length=200, description="Part of e-mail, msisdn or id")] = None,
    msisdn: Annotated[str | None, Query(max_length=32)] = None,
    email: Annotated[str | None, Query(max_length=320)] = None,
    group_id: int | None = None,
    optin_channel: Annotated[str | None, Query(max_length=100)] = None,
    banned: bool | None = None,
    sort_by: Literal["id", "created_at", "updated_at"] = "id",
    sort_direction: Literal["asc", "desc"] = "asc",
) -> MemberList:
    from loyaltyhub.members.derived import normalize_msisdn

    statement = queries.list_statement(
        access.club_id,
        ids=ids,
        search=search,
        msisdn=(normalize_msisdn(msisdn, access.club.country) or msisdn) if msisdn else None,
        email=email,
        group_id=group_id,
        optin_channel=optin_channel,
        banned=banned,
        sort_by=sort_by,
        sort_direction=sort_direction,
    )
    members, info = paginate(session, statement, page)
    return MemberList(members=[ManagedMemberOut.of(m) for m in members], pagination_info=info)


@router.get("/{member_id:int}", response_model=ManagedMemberOut, responses=errors(401, 403, 404))
def show_member(member: MemberToShow) -> ManagedMemberOut:
    return ManagedMemberOut.of(member)


@router.patch("/{member_id:int}", response_model=ManagedMemberOut, responses=errors(401, 403, 404, 422))
def update_member(
    access: MembersUpdate, member: MemberToUpdate, body: MemberUpdate, session: SessionDep
) -> ManagedMemberOut:
    """Update a member; ``banned_until`` bans (a future time) or unbans (``null``)."""
    body.refuse_changed_read_only(lambda: ManagedMemberOut.of(member))
    changed = service.update_member(session, access.club, member, body.model_dump(exclude_unset=True))
    return ManagedMemberOut.of(changed)


@router.delete("/{member_id:int}", status_code=204, responses=errors(401, 403, 404))
def destroy_member(member: MemberToDestroy, session: SessionDep) -> Response:
    """Destroy a member: personal data is anonymised; analytics rows are kept."""
    service.destroy_member(session, member)
    return Response(status_code=204)
