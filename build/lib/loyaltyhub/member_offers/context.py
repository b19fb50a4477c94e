"""Who is asking and about which offer: the dependencies of the member offers routes.

Every route needs the member context (club, client token, member) and the ``scope`` with its permit;
the routes of one offer also need the offer. Each is one dependency reading everything in one query
(one thread hop), because the use of an offer is the hottest request of the product.

Check order: Public API headers (470), client token (401), malformed parameters (422: ``scope``,
``offer_id``), club (404) and the token's access to it (401), the route's permits (403), the member
(460 / 405 / 404), the scope's permit (403), then the offer (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import MemberContext
from loyaltyhub.auth.dependencies import PublicApiHeaders, SlugPath
from loyaltyhub.auth.principal import Principal
from loyaltyhub.errors import NotFound
from loyaltyhub.http.session import SessionDep
from loyaltyhub.member_offers.repository import club_member_and_offer
from loyaltyhub.members.identity.dependencies import (
    AppPrincipal,
    MemberAuth,
    MemberRefPath,
    member_key,
)
from loyaltyhub.offers.models import Offer, parse_id_list
from loyaltyhub.offers.types import OfferScope

ScopeParam = Annotated[OfferScope, Query(description="Offers scope (seed type table)")]
OfferIdParam = Annotated[int, Path(description="Offer id")]


@dataclass(frozen=True)
class Scoped:
    context: MemberContext
    scope: str
    product_name: str | None
    """The calling app (``X-Product-Name``, else the client token's product), stored on usages and events."""


@dataclass(frozen=True)
class OfferTarget:
    """The offer a route acts on, in the caller's club, with who is asking."""

    scoped: Scoped
    offer: Offer
    collection_ids: list[int]
    """The offer's collections (for the reporting snapshot of uses and events), read with it."""


def with_scope(request: Request, context: MemberContext, scope: str) -> Scoped:
    """The member context, once the token holds the scope's permit (403)."""
    context.access.require(permits.SCOPE_PERMITS[scope])
    product = (request.headers.get("X-Product-Name") or "").strip()[:100] or context.access.principal.product_name
    return Scoped(context=context, scope=scope, product_name=product)


class ScopedAuth(MemberAuth):
    """The member context plus the ``scope`` query param and its ``Offers:Api:Scopes:<Scope>`` permit."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        session: SessionDep,
        _headers: PublicApiHeaders,
        principal: AppPrincipal,
        member_ref: MemberRefPath,
        loyalty_club_slug: SlugPath,
        scope: ScopeParam = "standard",
    ) -> Scoped:
        return await run_in_threadpool(self._scoped, request, session, principal, loyalty_club_slug, member_ref, scope)

    def _scoped(
        self, request: Request, session: Session, principal: Principal, slug: str, member_ref: str, scope: str
    ) -> Scoped:
        return with_scope(request, self.resolve(request, session, principal, slug, member_ref), scope)


class OfferTargetAuth(MemberAuth):
    """:class:`ScopedAuth` and ``{offer_id}`` in the caller's club (else 404), read in one query."""

    async def __call__(  # type: ignore[override]
        self,
        request: Request,
        session: SessionDep,
        _headers: PublicApiHeaders,
        principal: AppPrincipal,
        member_ref: MemberRefPath,
        loyalty_club_slug: SlugPath,
        offer_id: OfferIdParam,
        scope: ScopeParam = "standard",
    ) -> OfferTarget:
        return await run_in_threadpool(
            self._target, request, session, principal, loyalty_club_slug, member_ref, offer_id, scope
        )

    def _target(
        self,
        request: Request,
        session: Session,
        principal: Principal,
        slug: str,
        member_ref: str,
        offer_id: int,
        scope: str,
    ) -> OfferTarget:
        club, member, offer, collection_ids = club_member_and_offer(session, slug, member_key(member_ref), offer_id)
        context = self.context(request, session, principal, slug, member_ref, club, member)
        scoped = with_scope(request, context, scope)
        if offer is None:
            raise NotFound(f"Offer#{offer_id} not found")
        return OfferTarget(scoped=scoped, offer=offer, collection_ids=parse_id_list(collection_ids))
