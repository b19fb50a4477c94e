"""The older docs' Members Groups API (``/v3/{slug}/members_groups``, reference (f).4, (f).12) on loyaltyhub's
member groups: the same records and services as ``/v3/{slug}/members/groups``, in the older shapes (the
``members_group`` envelope, ``{"members": [...]}``, ``{}`` for membership changes).

loyaltyhub's groups are manual and untyped (docs/decisions/compatibility.md): ``type`` is answered null and
not kept, ``automatic`` and ``system`` are false, and a group built from an audience (``audience_id`` or
``audience_conditions``) is refused with 422 rather than created as a manual one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query
from sqlalchemy import or_

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound, ValidationFailed, details_tree
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members import repository
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.groups.schemas import (
    LegacyGroupBody,
    LegacyGroupEnvelope,
    LegacyGroupList,
    LegacyGroupMembers,
    LegacyGroupOut,
    LegacyGroupPayload,
    LegacyGroupTypes,
)
from loyaltyhub.members.models import Member
from loyaltyhub.members.schemas import ManagedMemberOut

router = LoyaltyRouter(
    prefix="/v3/{loyalty_club_slug}/members_groups", tags=["Management API: members groups (older docs)"]
)

GroupsList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_LIST))]
GroupsCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_CREATE))]
GroupsUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_UPDATE))]
GroupsDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_DESTROY))]
GroupsMembers = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBER_GROUPS_MEMBERS))]


def _not_found(session: SessionDep, access: ClubAccess, group_id: int) -> MemberGroup:
    try:
        return groups.group_or_404(session, access.club_id, group_id)
    except NotFound:
        raise NotFound("MembersGroup does not exist")


def group_to_update(group_id: int, access: GroupsUpdate, session: SessionDep) -> MemberGroup:
    return _not_found(session, access, group_id)


def _member(session: SessionDep, access: ClubAccess, member_id: int) -> Member:
    try:
        return repository.member_or_404(session, access.club_id, member_id)
    except NotFound:
        raise NotFound("Member does not exist")


def _out(session: SessionDep, group: MemberGroup) -> LegacyGroupOut:
    count = groups.members_counts(session, group.loyalty_club_id, [group.id]).get(group.id, 0)
    return LegacyGroupOut.of(group, count)


def _refuse_audiences(payload: LegacyGroupPayload) -> None:
    """A group built from an audience cannot be a manual group: refused, not silently made manual."""
    wrong = [
        (("members_group", key), "inclusion", {"in": [None]})
        for key in ("audience_id", "audience_conditions")
        if getattr(payload, key) is not None
    ]
    if payload.system:
        wrong.append((("members_group", "system"), "inclusion", {"in": [False, None]}))
    if wrong:
        raise ValidationFailed(details_tree(wrong))


@router.get("", response_model=LegacyGroupList, responses=errors(401, 403, 404, 422))
def list_members_groups(
    access: GroupsList,
    session: SessionDep,
    page: PageDep,
    name: Annotated[str | None, Query(max_length=200, description="Only the group of this name")] = None,
    type: Annotated[str | None, Query(max_length=200, description="Only groups of this type (none has one)")] = None,
    automatic: Annotated[bool | None, Query(description="true: automatic groups only (there are none)")] = None,
    system: Annotated[bool | None, Query(description="true: system groups only (there are none)")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text in the name or description")] = None,
) -> LegacyGroupList:
    """List (the older docs): the club's groups by name, filtered as the older docs say. No group has a
    type, none is automatic or a system group, so asking for those finds nothing."""
    statement = groups.list_statement(access.club_id)
    if name is not None:
        statement = statement.where(MemberGroup.name == name)
    if search:
        text = search.strip()
        statement = statement.where(
            or_(
                MemberGroup.name.icontains(text, autoescape=True),
                MemberGroup.description.icontains(text, autoescape=True),
            )
        )
    if type is not None or automatic or system:
        statement = statement.where(MemberGroup.id.is_(None))
    items, info = paginate(session, statement, page)
    counts = groups.members_counts(session, access.club_id, [g.id for g in items])
    return LegacyGroupList(
        members_groups=[LegacyGroupOut.of(g, counts.get(g.id, 0)) for g in items], pagination_info=info
    )


@router.get("/types", response_model=LegacyGroupTypes, responses=errors(401, 403, 404))
def list_members_group_types(access: GroupsList) -> LegacyGroupTypes:
    """List types (the older docs): loyaltyhub's groups have no types, so the list is empty."""
    return LegacyGroupTypes(members_group_types=[])


@router.get("/{group_id:int}", response_model=LegacyGroupEnvelope, responses=errors(401, 403, 404))
def show_members_group(group_id: int, access: GroupsList, session: SessionDep) -> LegacyGroupEnvelope:
    """Get (the older docs): ``{"members_group": ...}``; 404 ``MembersGroup does not exist``."""
    return LegacyGroupEnvelope(members_group=_out(session, _not_found(session, access, group_id)))


@router.post("", status_code=201, response_model=LegacyGroupEnvelope, responses=errors(401, 403, 404, 409, 422))
def create_members_group(
    body: LegacyGroupBody, access: GroupsCreate, _: Idempotent, session: SessionDep
) -> LegacyGroupEnvelope:
    """Create (the older docs): a manual group from ``{"members_group": {name, description}}``."""
    payload = body.members_group
    _refuse_audiences(payload)
    if payload.name is None:
        raise ValidationFailed.at(("members_group", "name"), "blank")
    group = groups.create_group(session, access.club_id, name=payload.name, description=payload.description)
    return LegacyGroupEnvelope(members_group=_out(session, group))


@router.put("/{group_id:int}", response_model=LegacyGroupEnvelope, responses=errors(401, 403, 404, 409, 422))
def update_members_group(
    group: Annotated[MemberGroup, Depends(group_to_update)], body: LegacyGroupBody, session: SessionDep
) -> LegacyGroupEnvelope:
    """Update (the older docs): the given ``name`` and ``description`` of ``members_group``."""
    payload = body.members_group
    _refuse_audiences(payload)
    changes = payload.model_dump(include={"name", "description"}, exclude_unset=True)
    if changes.get("name", "") is None:
        raise ValidationFailed.at(("members_group", "name"), "blank")
    return LegacyGroupEnvelope(members_group=_out(session, groups.update_group(session, group, changes)))


@router.delete("/{group_id:int}", response_model=LegacyGroupEnvelope, responses=errors(401, 403, 404))
def destroy_members_group(group_id: int, access: GroupsDestroy, session: SessionDep) -> LegacyGroupEnvelope:
    """Destroy (the older docs): answers the deleted group."""
    group = _not_found(session, access, group_id)
    deleted = _out(session, group)
    groups.delete_group(session, access.club, group)
    return LegacyGroupEnvelope(members_group=deleted)


@router.get("/{group_id:int}/members", response_model=LegacyGroupMembers, responses=errors(401, 403, 404, 422))
def list_members_of_members_group(
    group_id: int, access: GroupsList, session: SessionDep, page: PageDep
) -> LegacyGroupMembers:
    """List members of a group (the older docs): the members themselves, by id."""
    group = _not_found(session, access, group_id)
    member_ids, info = paginate(session, groups.group_member_ids(access.club_id, group.id), page)
    found = repository.members_by_ids(session, access.club_id, member_ids)
    return LegacyGroupMembers(
        members=[ManagedMemberOut.of(found[m]) for m in member_ids if m in found], pagination_info=info
    )


@router.post("/{group_id:int}/members/{member_id:int}", responses=errors(401, 403, 404, 422))
def add_member_to_members_group(
    group_id: int, member_id: int, access: GroupsMembers, session: SessionDep
) -> dict[str, str]:
    """Add member (the older docs): ``{}``; adding a member already in the group changes nothing."""
    group = _not_found(session, access, group_id)
    member = _member(session, access, member_id)
    groups.add_members(session, access.club, group, [member.id])
    return {}


@router.delete("/{group_id:int}/members/{member_id:int}", responses=errors(401, 403, 404))
def remove_member_from_members_group(
    group_id: int, member_id: int, access: GroupsMembers, session: SessionDep
) -> dict[str, str]:
    """Remove member (the older docs): ``{}``; removing a member not in the group changes nothing."""
    group = _not_found(session, access, group_id)
    member = _member(session, access, member_id)
    groups.remove_members(session, access.club, group, [member.id])
    return {}
