"""The member context of Public API routes: authenticators for ``/members/{member_ref}/...`` and ``/members/me``.

An app's client token (``X-Client-Authorization``) ships inside the app: anyone can read it out, so it
identifies the app and never a member. Routes under ``/v3/{loyalty_club_slug}/members/{member_ref}/...``
(reference C.1) name the member as

* ``me``: the member of the ``Authorization: Bearer <member access token>`` (of this club) → else 460;
* ``<digits>``: the member with that id in this club (404 when none), for a caller trusted to act on any
  member: the client token holds ``BL:Api:Members:ActAs`` (a back-end's token; a member app's does not
  carry it), or ``Authorization`` carries a staff user's token whose role holds it on the club, or the
  member token of that very member → else 403 ``Missing permit BL:Api:Members:ActAs``;
* ``guest``: no member (``member`` is None); refused with 405 where ``allow_guest=False``.

A Bearer token that is sent is always checked, whatever the form: a member token must be valid for this
club, a staff token (``lhu_...``) valid → else 460. Every form needs the app's client token with the
route's permits and the Public API headers (470). The context sets ``request.state.actor_key`` to
``"<client actor>|member:<id>"`` (``"|guest"`` for guests), so ``Idempotent`` keys are per member.

Usage::

    MemberOffersUse = Annotated[MemberContext, Depends(MemberAuth(permits.MEMBER_OFFERS_USE, allow_guest=False))]

For ``/v3/{loyalty_club_slug}/members/me...`` routes use :class:`MeAuth` (or :data:`CurrentMember`).

Check order: Public API headers (470), client token (401), malformed parameters of the route (422), club
(404) and the token's access to it (401), the route's permits (403), then the member: a sent Bearer token
(460), ``me`` token (460), guest allowed (405), acting on a member by id (403), member by id (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import (
    Authenticator,
    PublicApiHeaders,
    SlugPath,
    check_club_header,
    require_public_headers,
)
from loyaltyhub.auth.principal import Principal
from loyaltyhub.auth.secrets import token_kind
from loyaltyhub.auth.service import USER_PREFIX, user_principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.errors import MemberTokenInvalid, MissingPermit, NotFound, NotPossible
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity.tokens import resolve_access_token
from loyaltyhub.members.repository import club_and_member

MemberRefPath = Annotated[
    str,
    Path(
        description="`me` (the member of the member token in `Authorization`), a member id (a caller holding "
        "`BL:Api:Members:ActAs`: a back-end's client token or a staff user's token, never a member app's token; "
        "or that member's own token) or `guest`"
    ),
]

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


@dataclass(frozen=True)
class SentBearer:
    """The checked ``Authorization`` Bearer token of a member route: a member's token or a staff user's."""

    member: Any = None
    token: Any = None
    staff: Principal | None = None


def sent_bearer(request: Request, session: Session, access: ClubAccess) -> SentBearer | None:
    """The Bearer token the request sent, checked (460 when malformed, unknown, expired or of another
    club); None when no ``Authorization`` header was sent."""
    if request.headers.get("Authorization") is None:
        return None
    token = member_bearer(request)
    if token_kind(token) == USER_PREFIX:
        staff = user_principal(session, token)
        if staff is None or not staff.covers(access.club):
            raise MemberTokenInvalid()
        return SentBearer(staff=staff)
    found = resolve_access_token(session, access.club_id, token)
    if found is None:
        raise MemberTokenInvalid()
    return SentBearer(member=found[0], token=found[1])


def may_act_on(access: ClubAccess, bearer: SentBearer | None, member_id: int) -> bool:
    """Whether the caller may act on the member ``member_id`` by id: the client token holds
    ``BL:Api:Members:ActAs``, or a staff user's token holds it on the club, or it is the member's own token."""
    if permits.MEMBERS_ACT_AS in access.permits:
        return True
    if bearer is None:
        return False
    if bearer.staff is not None:
        return permits.MEMBERS_ACT_AS in bearer.staff.permits_on(access.club)
    return bearer.member is not None and bearer.member.id == member_id


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

    checks_public_headers = True
    """It checks the Public API's headers itself (:func:`require_public_headers`): the OpenAPI document
    declares them on its routes (``loyaltyhub.apidocs.openapi.needs_of``)."""

    def __init__(self, *permits: str, allow_guest: bool = True) -> None:
        super().__init__(*permits, client_only=True)
        self.allow_guest = allow_guest

    async def __call__(
        self, request: Request, session: SessionDep, member_ref: MemberRefPath, loyalty_club_slug: SlugPath
    ) -> MemberContext:
        # The headers (470) and the client token (401) are checked here rather than as dependencies of their
        # own (two dependencies fewer for FastAPI to solve on every member route): the path's two strings
        # cannot fail validation, so the errors keep their order.
        await require_public_headers(request)
        principal = await app_principal(request, session)
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
        access = self.club_access(request, session, principal, club, slug)
        if member_ref == "me":
            return resolve_me(request, session, access)
        bearer = sent_bearer(request, session, access)
        if member_ref == "guest":
            if not self.allow_guest:
                raise NotPossible("Not possible for a guest")
            _set_actor(request, access, "guest")
            return MemberContext(access=access, member=None, ref="guest")
        member_id = member_key(member_ref)
        if member_id is not None:
            if not may_act_on(access, bearer, member_id):
                raise MissingPermit(permits.MEMBERS_ACT_AS)
            if member is None:
                raise NotFound(f"Member#{member_id} not found")
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
        access = self.club_access(request, session, principal, club_by_slug(session, slug), slug)
        return resolve_me(request, session, access)


CurrentMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBERS_OAUTH))]
"""The signed-in member (``ref == "me"``); the client token needs ``BL:Api:Members:OAuth``."""
