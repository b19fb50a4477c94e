"""The authenticator: FastAPI dependencies resolving a request to who is asking, its clubs and its permits.

One family of callable classes, each taking the permits a route needs::

    OffersList = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_LIST))]

    @router.get("/offers")
    def list_offers(access: OffersList, session: SessionDep): ...

* :class:`ClubAuth` — LoyaltyClub context (``/v3/{loyalty_club_slug}/...``) → :class:`ClubAccess`;
  ``client_only=True`` for Public API routes, where the app's client token is required.
* :class:`CustomerAuth` — Customer context (``X-Customer``, reporting and exports) → :class:`CustomerAccess`.
* The member routes' classes build on :class:`Authenticator` in :mod:`loyaltyhub.members.identity.dependencies`.

Each domain declares its small ``Annotated`` aliases next to its routes. The contexts themselves are
plain data (:mod:`loyaltyhub.auth.context`), so services never import this module.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth import secrets
from loyaltyhub.auth.cache import ClientTokenCache
from loyaltyhub.auth.context import ClubAccess, CustomerAccess
from loyaltyhub.auth.customers import CustomerHeaderError, clubs_for_customer, parse_customer
from loyaltyhub.auth.principal import Principal, common_permits
from loyaltyhub.auth.service import CLIENT_PREFIX, USER_PREFIX, client_principal, user_principal
from loyaltyhub.clubs import config_cache
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.errors import (
    Forbidden,
    MalformedHeader,
    MissingHeader,
    NotFound,
    Unauthorized,
    UnprocessableEntity,
)
from loyaltyhub.http.session import SessionDep

CLIENT_HEADER = "X-Client-Authorization"
CLUB_HEADER = "X-Loyalty-Club-Slug"
PUBLIC_API_HEADERS = ("X-Product-Name", "X-User-Agent")

SlugPath = Annotated[str, Path(description="Loyalty club slug, e.g. infinity-mall")]


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("Authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MalformedHeader("Authorization", "expected 'Bearer <token>'")
    return token.strip()


def _cached_client(request: Request, token: str) -> Principal | None:
    cache: ClientTokenCache | None = getattr(request.app.state, "client_token_cache", None)
    parts = secrets.split(token, CLIENT_PREFIX)
    return cache.get(*parts) if cache is not None and parts is not None else None


def _verified_client(request: Request, session: Session, token: str) -> Principal | None:
    """A client token's principal from the database (in a worker thread); a verified token is cached."""
    principal = client_principal(session, token)
    cache: ClientTokenCache | None = getattr(request.app.state, "client_token_cache", None)
    parts = secrets.split(token, CLIENT_PREFIX)
    if principal is not None and cache is not None and parts is not None:
        cache.put(*parts, principal)
    return principal


def check_club_header(request: Request, slug: str) -> None:
    """``X-Loyalty-Club-Slug``, when sent on a route whose path names the club, must name the same club."""
    header = request.headers.get(CLUB_HEADER)
    if header is not None and header.strip() != slug:
        raise UnprocessableEntity(f"{CLUB_HEADER} names loyalty club {header.strip()}, but the path names {slug}")


async def require_public_headers(request: Request) -> None:
    """The Public API's required headers (470 when one is missing or empty). ``async``: it only reads
    headers, so it runs on the event loop instead of taking a trip through the thread pool."""
    for name in PUBLIC_API_HEADERS:
        value = request.headers.get(name)
        if value is None or not value.strip():
            raise MissingHeader(name)


class Authenticator:
    """Who is calling: the client token of ``X-Client-Authorization`` or, unless ``client_only``, a staff
    user's token (``Authorization: Bearer lhu_...``); and the permits the route needs of it."""

    def __init__(self, *permits: str, client_only: bool = False) -> None:
        self.permits = permits
        self.client_only = client_only

    async def authenticate(self, request: Request, session: Session) -> Principal:
        """``async``: a cached client token is checked on the event loop; lookups go to a worker thread."""
        client_token = request.headers.get(CLIENT_HEADER)
        if client_token is not None:
            client_token = client_token.strip()
            if self.client_only and secrets.token_kind(client_token) != CLIENT_PREFIX:
                raise Unauthorized("Invalid client token")
            principal = _cached_client(request, client_token)
            if principal is None:
                principal = await run_in_threadpool(_verified_client, request, session, client_token)
            if principal is None:
                raise Unauthorized("Invalid client token")
        elif self.client_only:
            raise Unauthorized(f"Missing {CLIENT_HEADER} header")
        else:
            token = bearer_token(request)
            if token is None or secrets.token_kind(token) != USER_PREFIX:
                raise Unauthorized(f"Missing {CLIENT_HEADER} or Authorization header")
            principal = await run_in_threadpool(user_principal, session, token)
            if principal is None:
                raise Unauthorized("Invalid or expired user token")
        request.state.principal = principal
        request.state.actor_key = principal.actor_key
        return principal

    def club_access(
        self, request: Request, session: Session, principal: Principal, club: LoyaltyClub | None, slug: str
    ) -> ClubAccess:
        """The principal's access to ``club`` (found by ``slug``; None when there is none), holding this
        authenticator's permits: 404 for no club, 401/403 when the principal does not cover it, 403 for a
        missing permit."""
        if club is None:
            raise NotFound(f"Loyalty club {slug} not found")
        if not principal.covers(club):
            if principal.kind == "client":
                raise Unauthorized(f"Client token is not valid for loyalty club {slug}")
            raise Forbidden(f"No access to loyalty club {slug}")
        access = ClubAccess(principal=principal, club=club, permits=principal.permits_on(club))
        access.require(*self.permits)
        request.state.loyalty_club_id = club.id
        request.state.club = club
        config_cache.remember(session, club)
        return access


class ClubAuth(Authenticator):
    """LoyaltyClub context: the club named by ``{loyalty_club_slug}``."""

    async def __call__(self, request: Request, session: SessionDep, loyalty_club_slug: SlugPath) -> ClubAccess:
        principal = await self.authenticate(request, session)
        check_club_header(request, loyalty_club_slug)
        # Several dependencies of one request (the route's permit, a path id's lookup) share the club read.
        found: tuple[str, LoyaltyClub | None] | None = getattr(request.state, "club_of_path", None)
        if found is None or found[0] != loyalty_club_slug:
            found = (loyalty_club_slug, await run_in_threadpool(club_by_slug, session, loyalty_club_slug))
            request.state.club_of_path = found
        return self.club_access(request, session, principal, found[1], loyalty_club_slug)


class HeaderClubAuth(Authenticator):
    """LoyaltyClub context named by a header, for ``/v1/...`` routes of one club (the Messaging API): the club
    of ``X-Loyalty-Club-Slug``, or the one club ``X-Customer`` selects."""

    async def __call__(self, request: Request, session: SessionDep) -> ClubAccess:
        principal = await self.authenticate(request, session)
        return await run_in_threadpool(self._resolve, request, session, principal)

    def _resolve(self, request: Request, session: Session, principal: Principal) -> ClubAccess:
        slug = request.headers.get(CLUB_HEADER)
        if slug is not None:
            slug = slug.strip()
            return self.club_access(request, session, principal, club_by_slug(session, slug), slug)
        header = request.headers.get("X-Customer")
        if header is None:
            raise MissingHeader(CLUB_HEADER)
        try:
            selector = parse_customer(header)
        except CustomerHeaderError as exc:
            raise MalformedHeader("X-Customer", str(exc))
        clubs, _ = clubs_for_customer(session, principal, selector)
        if len(clubs) != 1:
            raise UnprocessableEntity(f"X-Customer must select exactly one loyalty club, or send {CLUB_HEADER}")
        return self.club_access(request, session, principal, clubs[0], clubs[0].slug)


class CustomerAuth(Authenticator):
    """Customer context: the clubs ``X-Customer`` selects, or the one ``X-Loyalty-Club-Slug`` names; each
    permit must be held on every selected club."""

    async def __call__(self, request: Request, session: SessionDep) -> CustomerAccess:
        principal = await self.authenticate(request, session)
        return await run_in_threadpool(self._resolve, request, session, principal)

    def _resolve(self, request: Request, session: Session, principal: Principal) -> CustomerAccess:
        header = request.headers.get("X-Customer")
        if header is None:
            slug = request.headers.get(CLUB_HEADER)
            if slug is None:
                raise MissingHeader("X-Customer")
            slug = slug.strip()
            clubs = [self.club_access(request, session, principal, club_by_slug(session, slug), slug).club]
            organization_context = False
        else:
            try:
                selector = parse_customer(header)
            except CustomerHeaderError as exc:
                raise MalformedHeader("X-Customer", str(exc))
            clubs, organization_context = clubs_for_customer(session, principal, selector)
        access = CustomerAccess(
            principal=principal,
            clubs=tuple(clubs),
            permits=common_permits(principal, clubs),
            organization_context=organization_context,
        )
        access.require(*self.permits)
        request.state.customer_access = access
        if len(clubs) == 1:
            request.state.loyalty_club_id = clubs[0].id
        return access


_any_caller = Authenticator()


async def current_principal(request: Request, session: SessionDep) -> Principal:
    """The caller (client token or staff user), for routes outside any club context (``/v1/me``)."""
    return await _any_caller.authenticate(request, session)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
PublicApiHeaders = Annotated[None, Depends(require_public_headers)]
