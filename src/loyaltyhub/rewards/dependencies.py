"""Dependencies shared by the rewards routes: the clock, the member a route names, and who asks.

* ``/v3/{slug}/members/{member_ref}/rewards-program/...`` (:class:`RewardsMemberAuth`): ``me`` with the
  member's token needs the vendor's ``...:OAuth:...`` permit, a member id (a trusted app, a kiosk, the
  live tests) its non-OAuth twin, as the vendor's status pair (reference (a).2).
* ``/v1/{slug}/members/{member_id}/rewards-program/...`` (:func:`club_member`): staff or a client token
  with the route's permit, and the club's member (404 before the body is looked at).
"""

# No ``from __future__ import annotations``: FastAPI reads the dependencies' annotations evaluated.
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
from loyaltyhub.errors import NotFound
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.dependencies import MemberAuth
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import club_and_member


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


class ClubMemberAuth(ClubAuth):
    """The access of :class:`ClubAuth` with the route's permit and the club's live member ``{member_id}``:
    the club and the member read in one statement (grant points and the other staff writes on a member
    are hot paths), the errors in :class:`ClubAuth`'s order, then 404 for the member."""

    async def __call__(  # type: ignore[override]
        self, request: Request, session: SessionDep, loyalty_club_slug: SlugPath, member_id: MemberIdPath
    ) -> ClubMember:
        principal = await self.authenticate(request, session)
        check_club_header(request, loyalty_club_slug)
        club, member = await run_in_threadpool(club_and_member, session, loyalty_club_slug, member_id)
        request.state.club_of_path = (loyalty_club_slug, club)
        access = self.club_access(request, session, principal, club, loyalty_club_slug)
        if member is None:
            raise NotFound(f"Member#{member_id} not found")
        return ClubMember(access=access, member=member)


def club_member(permit: str) -> ClubMemberAuth:
    """A dependency: the access of :class:`ClubAuth` with ``permit`` and the club's live member
    ``{member_id}`` (404 otherwise)."""
    return ClubMemberAuth(permit)
