"""HTTP routes of member lookups (Management API, reference (f).1, (f).4, (f).5): get a member by e-mail
or MSISDN, public info, the groups of a member, and Validate Member (nothing saved)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members import repository, service
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.schemas import GroupOut
from loyaltyhub.members.lookups.schemas import MemberGroups, PersonId, PublicInfo, Validation
from loyaltyhub.members.models import Member
from loyaltyhub.members.schemas import ManagedMemberOut, MemberCreate

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members", tags=["Management API: members"])

MembersShow = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_SHOW))]
MembersCheck = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_CHECK))]
MembersGroups = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_GROUPS))]
MembersValidate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_VALIDATE))]


@router.get("/by_email/{email}", response_model=ManagedMemberOut, responses=errors(401, 403, 404, 422))
def show_by_email(email: str, access: MembersShow, session: SessionDep) -> ManagedMemberOut:
    return ManagedMemberOut.of(repository.member_by_lookup(session, access.club, "email", email))


@router.get("/by_msisdn/{msisdn}", response_model=ManagedMemberOut, responses=errors(401, 403, 404, 422))
def show_by_msisdn(msisdn: str, access: MembersShow, session: SessionDep) -> ManagedMemberOut:
    return ManagedMemberOut.of(repository.member_by_lookup(session, access.club, "msisdn", msisdn))


def _public_info(session: SessionDep, access: ClubAccess, identifier_type: str, identifier: str) -> PublicInfo:
    try:
        member: Member | None = repository.member_by_lookup(session, access.club, identifier_type, identifier)
    except NotFound:
        member = None
    return PublicInfo.of(member)


@router.get("/{member_id:int}/public_info", response_model=PublicInfo, responses=errors(401, 403, 404, 422))
def public_info_by_id(member_id: int, access: MembersCheck, session: SessionDep) -> PublicInfo:
    """Whether a member exists and how it can sign in (``exists: false`` when there is none)."""
    return _public_info(session, access, "id", str(member_id))


@router.get("/by_email/{email}/public_info", response_model=PublicInfo, responses=errors(401, 403, 404, 422))
def public_info_by_email(email: str, access: MembersCheck, session: SessionDep) -> PublicInfo:
    return _public_info(session, access, "email", email)


@router.get("/by_msisdn/{msisdn}/public_info", response_model=PublicInfo, responses=errors(401, 403, 404, 422))
def public_info_by_msisdn(msisdn: str, access: MembersCheck, session: SessionDep) -> PublicInfo:
    return _public_info(session, access, "msisdn", msisdn)


def _person_id(session: SessionDep, access: ClubAccess, identifier_type: str, identifier: str) -> PersonId:
    try:
        member: Member | None = repository.member_by_lookup(session, access.club, identifier_type, identifier)
    except NotFound:
        member = None
    return PersonId.of(member)


@router.get("/{member_id:int}/person_id", response_model=PersonId, responses=errors(401, 403, 404, 422))
def person_id_by_id(member_id: int, access: MembersCheck, session: SessionDep) -> PersonId:
    """Get Person Id (the older docs, reference (f).1). loyaltyhub keeps no persons apart from members:
    ``source`` is ``db`` for a member of the club, else ``not_found``; ``person_id`` is always null (as in the
    webhook payloads; docs/decisions/compatibility.md)."""
    return _person_id(session, access, "id", str(member_id))


@router.get("/by_email/{email}/person_id", response_model=PersonId, responses=errors(401, 403, 404, 422))
def person_id_by_email(email: str, access: MembersCheck, session: SessionDep) -> PersonId:
    """Get Person Id by e-mail (the older docs): ``source`` ``db`` or ``not_found``; ``person_id`` null."""
    return _person_id(session, access, "email", email)


@router.get("/by_msisdn/{msisdn}/person_id", response_model=PersonId, responses=errors(401, 403, 404, 422))
def person_id_by_msisdn(msisdn: str, access: MembersCheck, session: SessionDep) -> PersonId:
    """Get Person Id by MSISDN (the older docs): ``source`` ``db`` or ``not_found``; ``person_id`` null."""
    return _person_id(session, access, "msisdn", msisdn)


def _groups(session: SessionDep, access: ClubAccess, page: PageDep, identifier_type: str, value: str) -> MemberGroups:
    try:
        member = repository.member_by_lookup(session, access.club, identifier_type, value)
    except NotFound:
        raise NotFound("Member does not exist")
    items, info = paginate(session, groups.groups_of_member(access.club_id, member.id), page)
    counts = groups.members_counts(session, access.club_id, [g.id for g in items])
    return MemberGroups(
        members_groups=[
            GroupOut.model_validate(g).model_copy(update={"members_count": counts.get(g.id, 0)}) for g in items
        ],
        pagination_info=info,
    )


@router.get("/{member_id:int}/groups", response_model=MemberGroups, responses=errors(401, 403, 404, 422))
def groups_by_id(member_id: int, access: MembersGroups, session: SessionDep, page: PageDep) -> MemberGroups:
    """List groups of a member; 404 ``Member does not exist``."""
    return _groups(session, access, page, "id", str(member_id))


@router.get("/by_email/{email}/groups", response_model=MemberGroups, responses=errors(401, 403, 404, 422))
def groups_by_email(email: str, access: MembersGroups, session: SessionDep, page: PageDep) -> MemberGroups:
    return _groups(session, access, page, "email", email)


@router.get("/by_msisdn/{msisdn}/groups", response_model=MemberGroups, responses=errors(401, 403, 404, 422))
def groups_by_msisdn(msisdn: str, access: MembersGroups, session: SessionDep, page: PageDep) -> MemberGroups:
    return _groups(session, access, page, "msisdn", msisdn)


@router.post("/validate", response_model=Validation, responses=errors(401, 403, 404, 422))
def validate_member(body: MemberCreate, access: MembersValidate, session: SessionDep) -> Validation:
    """Validate Member: what Create Member would say about this body, without saving anything."""
    details = service.validate_member(session, access.club, body)
    return Validation(valid=details is None, errors=details)
