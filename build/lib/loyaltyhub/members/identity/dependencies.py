"""The member context of Public API routes: authenticators for ``/members/{member_ref}/...`` and ``/members/me``.

Routes under ``/v3/{loyalty_club_slug}/members/{member_ref}/...`` (reference C.1) name the member as

* ``me``: the member of the ``Authorization: Bearer <member access token>`` (of this club) → else 460;
* ``<digits>``: the member with that id in this club, on the client token alone → else 404;
* ``guest``: no member (``member`` is None); refused with 405 where ``allow_guest=False``.

Every form needs the app's client token (``X-Client-Authorization``) with the route's permits and
the Public API headers (470). The context sets ``request.state.actor_key`` to
``"<client actor>|member:<id>"`` (``"|guest"`` for guests), so ``Idempotent`` keys are per member.

Usage::

    MemberOffersUse = Annotated[MemberContext, Depends(MemberAuth(permits.MEMBER_OFFERS_USE, allow_guest=False))]

For ``/v3/{loyalty_club_slug}/members/me...`` routes use :class:`MeAuth` (or :data:`CurrentMember`).

Check order: Public API headers (470), client token (401), malformed parameters of the route (422), club
(404) and the token's access to it (401), the route's permits (403), then the member: ``me`` token (460),
guest allowed (405), member by id (404).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import Authenticator, PublicApiHeaders, SlugPath, check_club_header
from loyaltyhub.auth.principal import Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.errors import MemberTokenInvalid, NotFound, NotPossible
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.tokens import resolve_access_token
from loyaltyhub.members.repository import club_and_member

MemberRefPath = Annotated[str, Path(description="`me` (member token), a member id (client token) or `guest`")]

_app = Authenticator(client_only=True)


async def app_principal(request: Request, session: SessionDep) -> Principal:
    """The calling app's client token (required on the Public API: SPEC §3)."""
    return await _app.authenticate(request, session)


AppPrincipal = Annotated[Principal, Depends(app_principal)]


def member_bearer(request: Request) -> str:
    """The member access token of ``Authorization: Bearer ...``; 460 when absent or malformed."""
    value = request.headers.get("Authorization")
    if value is None:
        raise MemberTokenInvalid("Missing member access token")
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MemberTokenInvalid("Invalid or expired access token")
    return token.strip()


def _set_actor(request: Request, access: ClubAccess, suffix: str) -> None:
    request.state.actor_key = f"{access.principal.actor_key}|{suffix}"


def resolve_me(request: Request, session: Session, access: ClubAccess) -> MemberContext:
    found = resolve_access_token(session, access.club_id, member_bearer(request))
    if found is None:
        raise MemberTokenInvalid()
    member, token = found
    request.state.member = member
    _set_actor(request, access, f"member:{member.id}")
    return MemberContext(access=access, member=member, ref="me", token=token)


def member_key(member_ref: str) -> int | None:
    """The member id a ``{member_ref}`` of digits names; None for ``me``, ``guest`` and anything else."""
    if member_ref.isascii() and member_ref.isdigit() and len(member_ref) <= 18:
        return int(member_ref)
    return None


class MemberAuth(Authenticator):
    """``/members/{member_ref}/...``: the club, the app's permits on it, and the member ``member_ref`` names."""

    def __init__(self, *permits: str, allow_guest: bool = True) -> None:
        super().__init__(*permits, client_only=True)
        self.allow_guest = allow_guest

    async def __call__(
        self,
        request: Request,
        session: SessionDep,
        _headers: PublicApiHeaders,
        principal: AppPrincipal,
        member_ref: MemberRefPath,
        loyalty_club_slug: SlugPath,
    ) -> MemberContext:
        return await run_in_threadpool(self.resolve, request, session, principal, loyalty_club_slug, member_ref)

    def resolve(
        self, request: Request, session: Session, principal: Principal, slug: str, member_ref: str
    ) -> MemberContext:
        club, member = club_and_member(session, slug, member_key(member_ref))
        return self.context(request, session, principal, slug, member_ref, club, member)

    def context(
        self,
        request: Request,
        session: Session,
        principal: Principal,
        slug: str,
        member_ref: str,
        club: LoyaltyClub | None,
        member: Any,
    ) -> MemberContext:
        """The checks of the route on its club and member (read by the caller, the member only when
        ``member_ref`` names one by id), in order: club (404), token valid for the club (401), permits
        (403), then the member: ``me`` token (460), guest allowed (405), member by id (404)."""
        check_club_header(request, slug)
        access = self.club_access(request, principal, club, slug)
        if member_ref == "me":
            return resolve_me(request, session, access)
        if member_ref == "guest":
            if not self.allow_guest:
                raise NotPossible("Not possible for a guest")
            _set_actor(request, access, "guest")
            return MemberContext(access=access, member=None, ref="guest")
        if member_key(member_ref) is not None:
            if member is None:
                raise NotFound(f"Member#{int(member_ref)} not found")
            request.state.member = member
            _set_actor(request, access, f"member:{member.id}")
            return MemberContext(access=access, member=member, ref="id")
        raise NotFound(f"Member {member_ref} not found")


class MeAuth(Authenticator):
    """``/members/me...``: the signed-in member of the ``Authorization`` member token (460 otherwise)."""

    member_token = "required"

    def __init__(self, *permits: str) -> None:
        super().__init__(*permits, client_only=True)

    async def __call__(
        self, request: Request, session: SessionDep, _headers: PublicApiHeaders, loyalty_club_slug: SlugPath
    ) -> MemberContext:
        principal = await self.authenticate(request, session)
        check_club_header(request, loyalty_club_slug)
        return await run_in_threadpool(self._resolve, request, session, principal, loyalty_club_slug)

    def _resolve(self, request: Request, session: Session, principal: Principal, slug: str) -> MemberContext:
        access = self.club_access(request, principal, club_by_slug(session, slug), slug)
        return resolve_me(request, session, access)


CurrentMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBERS_OAUTH))]
"""The signed-in member (``ref == "me"``); the client token needs ``BL:Api:Members:OAuth``."""
