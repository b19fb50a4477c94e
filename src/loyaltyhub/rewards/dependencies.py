"""Dependencies shared by the rewards routes: the clock, the member a route names, and who asks.

* ``/v3/{slug}/members/{member_ref}/rewards-program/...`` (:class:`RewardsMemberAuth`): ``me`` with the
  member's token needs the vendor's ``...:OAuth:...`` permit, a member id (a trusted app, a kiosk, the
  live tests) its non-OAuth twin, as the vendor's status pair (reference (a).2).
* ``/v1/{slug}/members/{member_id}/rewards-program/...`` (:func:`club_member`): staff or a client token
  with the route's permit, and the club's member (404 before the body is looked at).
"""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations evaluated.
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, SlugPath, check_club_header
from loyaltyhub.auth.principal import Principal
from loyaltyhub.db.base import utcnow
from loyaltyhub.digits import decimal
from loyaltyhub.errors import NotFound
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.dependencies import MemberAuth
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import club_and_member, member_or_404


async def request_now() -> datetime:
    """The time a request is judged at (tests override this dependency to move the clock)."""
    return utcnow()


Now = Annotated[datetime, Depends(request_now)]
MemberIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Member id")]
TransactionIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Points transaction id")]
RewardIdPath = Annotated[int, Path(ge=1, le=2**63 - 1, description="Reward id")]


class RewardsMemberAuth(MemberAuth):
    """The member of ``{member_ref}`` (``me`` or an id; never a guest) with the permit of that form."""

    def __init__(self, me_permit: str, id_permit: str) -> None:
        super().__init__(allow_guest=False)
        self.me_permit = me_permit
        self.id_permit = id_permit

    def resolve(
        self, request: Request, session: Session, principal: Principal, slug: str, member_ref: str
    ) -> MemberContext:
        context = super().resolve(request, session, principal, slug, member_ref)
        context.access.require(self.me_permit if context.ref == "me" else self.id_permit)
        return context


@dataclass(frozen=True)
class ClubMember:
    access: ClubAccess
    member: Member


class ClubAndMemberAuth(ClubAuth):
    """:class:`ClubAuth` reading the path's ``{member_id}`` with the club, in one statement (grant points and
    the other staff writes on a member are hot paths), for :func:`club_member`: the member is kept in the
    request's state. The path parameter itself is validated by :func:`club_member`'s dependency, after
    this one, so the errors keep their order (401/403/404 of the club before a 422 of the id)."""

    async def __call__(self, request: Request, session: SessionDep, loyalty_club_slug: SlugPath) -> ClubAccess:
        principal = await self.authenticate(request, session)
        check_club_header(request, loyalty_club_slug)
        member_id = decimal(request.path_params.get("member_id"))
        club, member = await run_in_threadpool(club_and_member, session, loyalty_club_slug, member_id)
        request.state.club_of_path = (loyalty_club_slug, club)
        request.state.member_of_path = (member_id, member)
        return self.club_access(request, session, principal, club, loyalty_club_slug)


def club_member(permit: str) -> Callable[..., Awaitable[ClubMember]]:
    """A dependency: the access of :class:`ClubAuth` with ``permit`` and the club's live member
    ``{member_id}`` (404 otherwise)."""

    async def dependency(
        access: Annotated[ClubAccess, Depends(ClubAndMemberAuth(permit))],
        member_id: MemberIdPath,
        request: Request,
        session: SessionDep,
    ) -> ClubMember:
        read_id, member = getattr(request.state, "member_of_path", (None, None))
        if read_id != member_id:  # an id written in a way the quick parse above did not take ("+5")
            member = await run_in_threadpool(member_or_404, session, access.club_id, member_id)
        if member is None:
            raise NotFound(f"Member#{member_id} not found")
        return ClubMember(access=access, member=member)

    return dependency
