"""The member context of Public API routes.

Routes under ``/v3/{loyalty_club_slug}/members/{member_ref}/...`` (reference C.1) name the member as

* ``me``: the member of the ``Authorization: Bearer <member access token>`` (of this club) → else 460;
* ``<digits>``: the member with that id in this club, on the client token alone → else 404;
* ``guest``: no member (``member`` is None); refused with 405 where ``allow_guest=False``.

Every form needs the app's client token (``X-Client-Authorization``) with the route's permits and
the Public API headers (470). The context sets ``request.state.actor_key`` to
``"<client actor>|member:<id>"`` (``"|guest"`` for guests), so ``Idempotent`` keys are per member.

Usage::

    MemberOffersUse = Annotated[MemberContext, Depends(member_context(permits.MEMBER_OFFERS_USE, allow_guest=False))]

    @router.post("/v3/{loyalty_club_slug}/members/{member_ref}/offers/{offer_id}/use")
    def use(context: MemberOffersUse, _: Idempotent, ...): ...

For ``/v3/{loyalty_club_slug}/members/me`` itself use :data:`CurrentMember` (or :func:`current_member`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Request
from sqlalchemy import Select, and_, bindparam, select
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.dependencies import ClubAccess, PublicApiHeaders, authenticate_client, club_access, club_context
from loyaltyhub.auth.principal import Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.db.session import SessionDep
from loyaltyhub.errors import MemberTokenInvalid, NotFound, NotPossible
from loyaltyhub.members.models import Member
from loyaltyhub.members.models import MemberToken as MemberTokenRecord
from loyaltyhub.members.tokens import resolve_access_token

MemberRef = Literal["me", "id", "guest"]


@dataclass(frozen=True)
class MemberContext:
    access: ClubAccess
    """The client token's access on the club (its permits, the club)."""
    member: Member | None
    """None for ``guest``."""
    ref: MemberRef
    token: MemberTokenRecord | None = None
    """The member token row when ``ref == "me"``."""

    @property
    def club_id(self) -> int:
        return self.access.club_id


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


def resolve_me(request: Request, session: SessionDep, access: ClubAccess) -> MemberContext:
    found = resolve_access_token(session, access.club_id, member_bearer(request))
    if found is None:
        raise MemberTokenInvalid()
    member, token = found
    request.state.member = member
    _set_actor(request, access, f"member:{member.id}")
    return MemberContext(access=access, member=member, ref="me", token=token)


def member_in_club(session: SessionDep, club_id: int, member_id: int) -> Member:
    member = session.execute(
        select(Member).where(Member.id == member_id, Member.loyalty_club_id == club_id, Member.deleted_at.is_(None))
    ).scalar_one_or_none()
    if member is None:
        raise NotFound(f"Member#{member_id} not found")
    return member


def club_and_member(session: Session, slug: str, member_id: int | None) -> tuple[LoyaltyClub | None, Member | None]:
    """The club with this slug and, when ``member_id`` is given, its live member with that id: one query."""
    if member_id is None:
        return club_by_slug(session, slug), None
    row = session.execute(_CLUB_AND_MEMBER, {"slug_key": slug, "member_key": member_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)


def club_and_member_select(*more: Any) -> Select[Any]:
    """``SELECT club, member, *more`` for one slug (``slug_key``): the member (``member_key``; no row for
    None) and whatever else a route outer-joins to the club, so a route reads all it needs in one query."""
    return (
        select(LoyaltyClub, Member, *more)
        .outerjoin(
            Member,
            and_(
                Member.loyalty_club_id == LoyaltyClub.id,
                Member.id == bindparam("member_key"),
                Member.deleted_at.is_(None),
            ),
        )
        .where(LoyaltyClub.slug == bindparam("slug_key"))
    )


_CLUB_AND_MEMBER = club_and_member_select()


def member_key(member_ref: str) -> int | None:
    """The member id a ``{member_ref}`` of digits names; None for ``me``, ``guest`` and anything else."""
    if member_ref.isascii() and member_ref.isdigit() and len(member_ref) <= 18:
        return int(member_ref)
    return None


@dataclass(frozen=True)
class MemberRoute:
    """What a member route requires: its permits, and whether a guest may call it."""

    needed: tuple[str, ...]
    allow_guest: bool = True

    def context(
        self,
        request: Request,
        session: Session,
        principal: Principal,
        slug: str,
        member_ref: str,
        club: LoyaltyClub | None,
        member: Member | None,
    ) -> MemberContext:
        """The checks of the route on its club and member (read by the caller, the member only when
        ``member_ref`` names one by id), in order: club (404), token valid for the club (401), permits
        (403), then the member: ``me`` token (460), guest allowed (405), member by id (404)."""
        access = club_access(request, principal, club, slug)
        access.require(*self.needed)
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


def member_context(*needed: str, allow_guest: bool = True) -> Callable[..., MemberContext]:
    """Dependency for ``/v3/{loyalty_club_slug}/members/{member_ref}/...`` routes needing ``needed`` permits.

    The club and a member named by id are read in one query (one thread hop); the checks keep their
    order: headers (470), client token (401), then :meth:`MemberRoute.context`."""
    route = MemberRoute(needed, allow_guest)

    def dependency(
        request: Request,
        session: SessionDep,
        _headers: Annotated[None, PublicApiHeaders],
        member_ref: Annotated[str, Path(description="`me` (member token), a member id (client token) or `guest`")],
        loyalty_club_slug: Annotated[str, Path(description="Loyalty club slug, e.g. infinity-mall")],
        # Defaults, not Annotated: with postponed annotations a closure variable in one would not resolve.
        principal: Principal = Depends(authenticate_client),
    ) -> MemberContext:
        club, member = club_and_member(session, loyalty_club_slug, member_key(member_ref))
        return route.context(request, session, principal, loyalty_club_slug, member_ref, club, member)

    return dependency


def me_context(*needed: str) -> Callable[..., MemberContext]:
    """Dependency for ``/v3/{loyalty_club_slug}/members/me...`` routes (member token required)."""
    club_dependency = club_context(*needed, client_only=True)

    def dependency(
        request: Request,
        session: SessionDep,
        _headers: Annotated[None, PublicApiHeaders],
        # Defaults, not Annotated: with postponed annotations a closure variable in one would not resolve.
        access: ClubAccess = Depends(club_dependency),
    ) -> MemberContext:
        return resolve_me(request, session, access)

    return dependency


current_member = me_context(permits.MEMBERS_OAUTH)
"""The signed-in member (``ref == "me"``); the client token needs ``BL:Api:Members:OAuth``."""

CurrentMember = Annotated[MemberContext, Depends(current_member)]
