"""HTTP routes of the member profile: sign-up and ``/members/me`` (Public API), and the Management API's
list, show, update (ban) and destroy. The identity and groups routes are included here, so the members
domain has one router."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import Depends, Query, Request, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth, PublicApiHeaders
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep, paginate
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members import repository, service
from loyaltyhub.members.account.routes import router as account_router
from loyaltyhub.members.groups.legacy_routes import router as legacy_groups_router
from loyaltyhub.members.groups.routes import router as groups_router
from loyaltyhub.members.identity.dependencies import CurrentMember
from loyaltyhub.members.identity.routes import router as identity_router
from loyaltyhub.members.lookups.routes import router as lookups_router
from loyaltyhub.members.models import Member
from loyaltyhub.members.schemas import (
    ManagedMemberOut,
    MemberCreate,
    MemberList,
    MemberOut,
    MemberSelfUpdate,
    MemberStores,
    MemberStoresChange,
    MemberUpdate,
)

PREFIX = "/v3/{loyalty_club_slug}/members"
public = LoyaltyRouter(prefix=PREFIX, tags=["Public API: members"])
management = LoyaltyRouter(prefix=PREFIX, tags=["Management API: members"])

Headers = PublicApiHeaders
MembersCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_CREATE, client_only=True))]
PUBLIC_ERRORS = (401, 403, 404, 422, 470, 471)
MembersList = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_LIST))]
MembersShow = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_SHOW))]
MembersUpdate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_UPDATE))]
MembersDestroy = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_DESTROY))]


def member_to_show(member_id: int, access: MembersShow, session: SessionDep) -> Member:
    return repository.member_or_404(session, access.club_id, member_id)


def member_to_update(member_id: int, access: MembersUpdate, session: SessionDep) -> Member:
    return repository.member_or_404(session, access.club_id, member_id)


def member_to_destroy(member_id: int, access: MembersDestroy, session: SessionDep) -> Member:
    return repository.member_or_404(session, access.club_id, member_id)


MemberToShow = Annotated[Member, Depends(member_to_show)]
MemberToUpdate = Annotated[Member, Depends(member_to_update)]
MemberToDestroy = Annotated[Member, Depends(member_to_destroy)]


@public.post("", status_code=201, response_model=MemberOut, responses=errors(*PUBLIC_ERRORS, 409))
def create_member(
    request: Request, _h: Headers, access: MembersCreate, _: Idempotent, body: MemberCreate, session: SessionDep
) -> MemberOut:
    """Create Member (reference D.4). ``X-Product-Name`` / ``X-Subproduct-Name`` become the opt-in channel."""
    member = service.create_member(
        session,
        access.club,
        body,
        optin_channel=request.headers.get("X-Product-Name"),
        optin_subchannel=request.headers.get("X-Subproduct-Name"),
        secret_key=request.app.state.settings.secret_key,
    )
    return MemberOut.of(member)


@public.get("/me", response_model=MemberOut, responses=errors(*PUBLIC_ERRORS, 460))
async def show_me(context: CurrentMember) -> MemberOut:
    """``async``: the member was read by the authenticator; shaping it needs no thread (a sync handler
    with a response model takes two trips through the thread pool: the handler, then the validation)."""
    assert context.member is not None
    return MemberOut.of(context.member)


@public.patch_or_put("/me", response_model=MemberOut, responses=errors(*PUBLIC_ERRORS, 460))
def update_me(context: CurrentMember, body: MemberSelfUpdate, session: SessionDep) -> MemberOut:
    assert context.member is not None
    body.refuse_changed_read_only(lambda: MemberOut.of(context.member))
    member = service.update_member(session, context.access.club, context.member, body.model_dump(exclude_unset=True))
    return MemberOut.of(member)


@public.delete("/me", status_code=204, responses=errors(*PUBLIC_ERRORS, 460))
def destroy_me(context: CurrentMember, session: SessionDep) -> Response:
    """The member leaves the club: personal data is anonymised and every token revoked."""
    assert context.member is not None
    service.destroy_member(session, context.member)
    return Response(status_code=204)


@management.get("", response_model=MemberList, responses=errors(401, 403, 404, 422))
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

    statement = repository.list_statement(
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


@management.get("/{member_id:int}", response_model=ManagedMemberOut, responses=errors(401, 403, 404))
def show_member(member: MemberToShow) -> ManagedMemberOut:
    return ManagedMemberOut.of(member)


@management.patch_or_put("/{member_id:int}", response_model=ManagedMemberOut, responses=errors(401, 403, 404, 422))
def update_member(
    access: MembersUpdate, member: MemberToUpdate, body: MemberUpdate, session: SessionDep
) -> ManagedMemberOut:
    """Update a member; ``banned_until`` bans (a future time) or unbans (``null``)."""
    body.refuse_changed_read_only(lambda: ManagedMemberOut.of(member))
    changed = service.update_member(session, access.club, member, body.model_dump(exclude_unset=True))
    return ManagedMemberOut.of(changed)


@management.delete("/{member_id:int}", status_code=204, responses=errors(401, 403, 404))
def destroy_member(member: MemberToDestroy, session: SessionDep) -> Response:
    """Destroy a member: personal data is anonymised; analytics rows are kept."""
    service.destroy_member(session, member)
    return Response(status_code=204)


# --- The older docs' member stores (reference (f).9): a member's stores are its ``favorite_stores`` ---------


@management.get("/{member_id:int}/stores", response_model=MemberStores, responses=errors(401, 403, 404))
def list_member_stores(member: MemberToShow) -> MemberStores:
    """Get id of stores assigned to member (the older docs): the member's ``favorite_stores``."""
    return MemberStores(stores_ids=member.favorite_stores or [])


@management.post("/{member_id:int}/stores", response_model=MemberStores, responses=errors(401, 403, 404, 422))
def assign_member_stores(
    access: MembersUpdate, member: MemberToUpdate, body: MemberStoresChange, session: SessionDep
) -> MemberStores:
    """Assign member to stores (the older docs): adds them to ``favorite_stores`` (422 ``does_not_exist`` at
    ``stores_ids.<index>`` for a store the club does not have); answers the member's stores."""
    changed = service.assign_stores(session, access.club, member, body.stores_ids)
    return MemberStores(stores_ids=changed.favorite_stores or [])


@management.delete("/{member_id:int}/stores", response_model=MemberStores, responses=errors(401, 403, 404, 422))
def remove_member_stores(
    access: MembersUpdate, member: MemberToUpdate, body: MemberStoresChange, session: SessionDep
) -> MemberStores:
    """Remove stores to member (the older docs): takes them out of ``favorite_stores``; answers the rest."""
    changed = service.remove_stores(session, access.club, member, body.stores_ids)
    return MemberStores(stores_ids=changed.favorite_stores or [])


router = LoyaltyRouter()
# The Public API first: ``/members/me`` and ``/members/oauth/...`` before ``/members/{member_id:int}``.
router.include_router(identity_router)
router.include_router(account_router)
router.include_router(public)
router.include_router(groups_router)
router.include_router(legacy_groups_router)
router.include_router(lookups_router)
router.include_router(management)
