"""Typed FastAPI dependencies resolving a request to (principal, permits, clubs).

Routes declare what they need with aliases built here, e.g.::

    OffersList = Annotated[ClubAccess, Depends(club_context(permits.OFFERS_LIST))]

    @router.get("/offers")
    def list_offers(access: OffersList, session: SessionDep): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from loyaltyhub.auth import secrets
from loyaltyhub.auth.cache import ClientTokenCache
from loyaltyhub.auth.contexts import CustomerHeaderError, parse_customer
from loyaltyhub.auth.principal import Principal, common_permits
from loyaltyhub.auth.secrets import token_kind
from loyaltyhub.auth.service import CLIENT_PREFIX, USER_PREFIX, client_principal, user_principal
from loyaltyhub.clubs.models import LoyaltyClub, Organization
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.db.session import SessionDep
from loyaltyhub.errors import (
    Forbidden,
    MalformedHeader,
    MissingHeader,
    MissingPermit,
    NotFound,
    Unauthorized,
)

CLIENT_HEADER = "X-Client-Authorization"


def bearer_token(request: Request) -> str | None:
    value = request.headers.get("Authorization")
    if value is None:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise MalformedHeader("Authorization", "expected 'Bearer <token>'")
    return token.strip()


def _client_principal(request: Request, session: Session, token: str) -> Principal | None:
    """The principal of a client token: from the app's cache of verified tokens, else the database
    (run in a worker thread; a verified token is then cached)."""
    cache: ClientTokenCache | None = getattr(request.app.state, "client_token_cache", None)
    parts = secrets.split(token, CLIENT_PREFIX)
    if cache is None or parts is None:
        return client_principal(session, token)
    public_id, secret = parts
    principal = cache.get(public_id, secret)
    if principal is None:
        principal = client_principal(session, token)
        if principal is not None:
            cache.put(public_id, secret, principal)
    return principal


async def authenticate(request: Request, session: SessionDep) -> Principal:
    """The client token in ``X-Client-Authorization``, else a staff user token in ``Authorization``.

    ``async``: a cached client token is checked on the event loop; database lookups go to a worker thread.
    """
    client_token = request.headers.get(CLIENT_HEADER)
    if client_token is not None:
        client_token = client_token.strip()
        cache: ClientTokenCache | None = getattr(request.app.state, "client_token_cache", None)
        parts = secrets.split(client_token, CLIENT_PREFIX)
        principal = cache.get(*parts) if cache is not None and parts is not None else None
        if principal is None:
            principal = await run_in_threadpool(_client_principal, request, session, client_token)
        if principal is None:
            raise Unauthorized("Invalid client token")
    else:
        token = bearer_token(request)
        if token is None or token_kind(token) != USER_PREFIX:
            raise Unauthorized(f"Missing {CLIENT_HEADER} or Authorization header")
        principal = await run_in_threadpool(user_principal, session, token)
        if principal is None:
            raise Unauthorized("Invalid or expired user token")
    request.state.principal = principal
    request.state.actor_key = principal.actor_key
    return principal


async def authenticate_client(request: Request, session: SessionDep) -> Principal:
    """Public API: the calling app's client token is required (SPEC §3)."""
    token = request.headers.get(CLIENT_HEADER)
    if token is None:
        raise Unauthorized(f"Missing {CLIENT_HEADER} header")
    if token_kind(token.strip()) != CLIENT_PREFIX:
        raise Unauthorized("Invalid client token")
    return await authenticate(request, session)


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]


def require(permits: frozenset[str], *needed: str) -> None:
    for permit in needed:
        if permit not in permits:
            raise MissingPermit(permit)


@dataclass(frozen=True)
class ClubAccess:
    """LoyaltyClub context: one club, named by the slug in the path."""

    principal: Principal
    club: LoyaltyClub
    permits: frozenset[str]

    @property
    def club_id(self) -> int:
        return self.club.id

    def require(self, *needed: str) -> None:
        require(self.permits, *needed)


def _resolve_club(request: Request, session: SessionDep, principal: Principal, slug: str) -> ClubAccess:
    return club_access(request, principal, club_by_slug(session, slug), slug)


def club_access(request: Request, principal: Principal, club: LoyaltyClub | None, slug: str) -> ClubAccess:
    """The principal's access to ``club`` (loaded by ``slug``; None when there is none): 404 for no club,
    401/403 when the principal does not cover it. Permits are checked by the caller."""
    if club is None:
        raise NotFound(f"Loyalty club {slug} not found")
    if not principal.covers(club):
        if principal.kind == "client":
            raise Unauthorized(f"Client token is not valid for loyalty club {slug}")
        raise Forbidden(f"No access to loyalty club {slug}")
    access = ClubAccess(principal=principal, club=club, permits=principal.permits_on(club))
    request.state.loyalty_club_id = club.id
    request.state.club = club
    return access


def club_context(*needed: str, client_only: bool = False) -> Callable[..., ClubAccess]:
    """Dependency for ``/v3/{loyalty_club_slug}/...`` routes needing ``needed`` permits."""
    auth = authenticate_client if client_only else authenticate

    def dependency(
        request: Request,
        session: SessionDep,
        loyalty_club_slug: Annotated[str, Path(description="Loyalty club slug, e.g. infinity-mall")],
        # A default, not Annotated: with postponed annotations a closure variable in one would not resolve.
        principal: Principal = Depends(auth),
    ) -> ClubAccess:
        access = _resolve_club(request, session, principal, loyalty_club_slug)
        access.require(*needed)
        return access

    return dependency


@dataclass(frozen=True)
class CustomerAccess:
    """Customer context: one or several clubs selected by ``X-Customer``."""

    principal: Principal
    clubs: tuple[LoyaltyClub, ...]
    permits: frozenset[str]
    organization_context: bool

    @property
    def club_ids(self) -> list[int]:
        return [club.id for club in self.clubs]

    def require(self, *needed: str) -> None:
        require(self.permits, *needed)


def select_customers(session: SessionDep, principal: Principal, header: str) -> tuple[list[LoyaltyClub], bool]:
    try:
        selector = parse_customer(header)
    except CustomerHeaderError as exc:
        raise MalformedHeader("X-Customer", str(exc))
    if selector.ids:
        clubs = list(session.execute(select(LoyaltyClub).where(LoyaltyClub.id.in_(selector.ids))).scalars())
        found = {club.id for club in clubs}
        for club_id in selector.ids:
            if club_id not in found:
                raise Forbidden(f"No access to customer {club_id}")
        for club in clubs:
            if not principal.covers(club):
                raise Forbidden(f"No access to customer {club.id}")
        return sorted(clubs, key=lambda c: c.id), len(clubs) > 1
    statement = select(LoyaltyClub).where(principal.club_condition()).order_by(LoyaltyClub.id)
    for key, value in selector.filters.items():
        if key == "chain":
            statement = statement.where(LoyaltyClub.chain == value)
        elif key == "country":
            statement = statement.where(LoyaltyClub.country == value.upper())
        elif key == "slug":
            statement = statement.where(LoyaltyClub.slug == value)
        elif key == "timezone":
            statement = statement.where(LoyaltyClub.timezone == value)
        elif key == "organization_id":
            statement = statement.where(LoyaltyClub.organization_id == (int(value) if value.isdigit() else -1))
        elif key == "organization":
            statement = statement.join(Organization, Organization.id == LoyaltyClub.organization_id).where(
                Organization.name == value
            )
    clubs = list(session.execute(statement).scalars())
    if not clubs:
        raise Forbidden("X-Customer selects no loyalty club you can access")
    return clubs, True


def customer_context(*needed: str) -> Callable[..., CustomerAccess]:
    """Dependency for Customer-context routes (reporting) needing ``needed`` permits on every club."""

    def dependency(request: Request, session: SessionDep, principal: CurrentPrincipal) -> CustomerAccess:
        header = request.headers.get("X-Customer")
        if header is None:
            slug = request.headers.get("X-Loyalty-Club-Slug")
            if slug is None:
                raise MissingHeader("X-Customer")
            club = _resolve_club(request, session, principal, slug.strip()).club
            clubs, organization_context = [club], False
        else:
            clubs, organization_context = select_customers(session, principal, header)
        access = CustomerAccess(
            principal=principal,
            clubs=tuple(clubs),
            permits=common_permits(principal, clubs),
            organization_context=organization_context,
        )
        access.require(*needed)
        request.state.customer_access = access
        if len(clubs) == 1:
            request.state.loyalty_club_id = clubs[0].id
        return access

    return dependency


def require_headers(*names: str) -> Callable[..., Any]:
    """Dependency: each header must be present and non-empty (470 otherwise). ``async``: it only reads
    headers, so it runs on the event loop instead of taking a trip through the thread pool."""

    async def dependency(request: Request) -> None:
        for name in names:
            value = request.headers.get(name)
            if value is None or not value.strip():
                raise MissingHeader(name)

    return dependency


PublicApiHeaders = Depends(require_headers("X-Product-Name", "X-User-Agent"))
