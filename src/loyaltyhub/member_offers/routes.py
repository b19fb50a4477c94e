"""HTTP routes of the member offers API: ``/v3/{loyalty_club_slug}/members/{member_ref}/offers``.

``member_ref`` is ``me`` (member token), a member id (client token) or ``guest`` (see
:mod:`loyaltyhub.members.auth`). Handlers parse, call :mod:`listing` / :mod:`service`, and shape.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import MemberContext
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import MalformedHeader, NotFound
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.pagination import PageDep
from loyaltyhub.http.params import int_list_param, list_param
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.member_offers import listing, service
from loyaltyhub.member_offers.codes import code_key
from loyaltyhub.member_offers.context import (
    OfferTarget,
    OfferTargetAuth,
    Scoped,
    ScopedAuth,
    ScopeParam,
    with_scope,
)
from loyaltyhub.member_offers.repository import club_member_and_offer
from loyaltyhub.member_offers.rules import iso
from loyaltyhub.member_offers.schemas import (
    EncodedOfferOut,
    LegacyOfferEvents,
    MetaOut,
    OfferOut,
    OffersListOut,
    UseOfferBody,
    UseOut,
)
from loyaltyhub.member_offers.state import member_view
from loyaltyhub.members.identity.dependencies import MeAuth
from loyaltyhub.offers.models import parse_id_list

router = LoyaltyRouter(tags=["Member offers"])
PREFIX = "/v3/{loyalty_club_slug}/members/{member_ref}/offers"


async def request_now() -> datetime:
    """The time a request is judged at (tests override this dependency to move the clock).

    Dependencies that do no I/O are ``async def`` so they run on the event loop instead of taking a
    trip through the thread pool."""
    return utcnow()


Now = Annotated[datetime, Depends(request_now)]
LOCALE_PATTERN = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2}$")
LOCALE_HEADER_PATTERN = r"^\s*([A-Za-z]{2,3}(-[A-Za-z0-9]{2,8}){0,2})?\s*$"
"""What the header may hold, as the OpenAPI document says it (issue #14, defect 6): a language tag with blanks
around it, or nothing. Checked by hand below, so that anything else is 471 (reference B.2), not 422."""


async def request_locale(
    x_locale: Annotated[
        str | None,
        Header(
            alias="X-Locale",
            description="Content language, e.g. en or es-ES (another value is 471)",
            json_schema_extra={"pattern": LOCALE_HEADER_PATTERN},
        ),
    ] = None,
) -> str | None:
    """``X-Locale`` (a language tag); a malformed one is 471 (reference B.2)."""
    if x_locale is None or not x_locale.strip():
        return None
    if not LOCALE_PATTERN.match(x_locale.strip()):
        raise MalformedHeader("X-Locale", "expected a language tag such as en or es-ES")
    return x_locale.strip()


Locale = Annotated[str | None, Depends(request_locale)]


ListScoped = Annotated[Scoped, Depends(ScopedAuth(permits.MEMBER_OFFERS_LIST))]
ListedOffer = Annotated[OfferTarget, Depends(OfferTargetAuth(permits.MEMBER_OFFERS_LIST))]
OfferForUse = Annotated[OfferTarget, Depends(OfferTargetAuth(permits.MEMBER_OFFERS_USE, allow_guest=False))]
OfferToLike = Annotated[OfferTarget, Depends(OfferTargetAuth(permits.MEMBER_OFFERS_LIKE, allow_guest=False))]
OfferForEvent = Annotated[OfferTarget, Depends(OfferTargetAuth(permits.MEMBER_OFFERS_EVENTS))]
OfferToEncode = Annotated[OfferTarget, Depends(OfferTargetAuth(permits.MEMBER_OFFERS_ENCODE, allow_guest=False))]


async def list_filters(
    request: Request,
    type: Annotated[str | None, Query(description="Offer type (any case), e.g. REGULAR")] = None,
    search: Annotated[str | None, Query(max_length=200, description="Text in the name or description")] = None,
    usable: Annotated[bool, Query(description="Only offers the member can use now")] = False,
    liked: Annotated[bool, Query(description="Only offers the member liked")] = False,
    collection_ids: Annotated[list[str] | None, Query(description="Offers in at least one of them")] = None,
    stores: Annotated[list[str] | None, Query(description="Offers of these stores (names)")] = None,
    store_ids: Annotated[list[str] | None, Query(description="Offers of these stores (ids)")] = None,
    ids: Annotated[list[str] | None, Query(description="Only these offers")] = None,
    campaign_id: Annotated[list[str] | None, Query(description="Offers of these campaigns")] = None,
) -> listing.ListFilters:
    return listing.ListFilters(
        collection_ids=int_list_param(request, "collection_ids", signed=True),
        stores=list_param(request, "stores", split_commas=False),
        store_ids=int_list_param(request, "store_ids", signed=True),
        ids=int_list_param(request, "ids", signed=True),
        type=type,
        campaign_ids=int_list_param(request, "campaign_id", signed=True),
        search=search or None,
        usable=usable,
        liked=liked,
    )


Filters = Annotated[listing.ListFilters, Depends(list_filters)]


@router.get(PREFIX, responses={200: {"model": OffersListOut}, **errors(401, 403, 404, 422, 460, 470, 471)})
def list_offers(
    scoped: ListScoped,
    session: SessionDep,
    filters: Filters,
    page: PageDep,
    now: Now,
    locale: Locale,
    order_by: Annotated[str | None, Query(description="e.g. `usable DESC, created_at DESC`")] = None,
    include_pagination_info: bool = False,
) -> JSONResponse:
    """List the member's offers (reference C.2)."""
    order = listing.parse_order_by(order_by)
    context = scoped.context
    found = listing.member_offers(
        session,
        club=context.access.club,
        view=member_view(session, context.member),
        scope=scoped.scope,
        filters=filters,
        now=now,
        locale=locale,
        order=order,
        page=page,
        count=include_pagination_info,
    )
    body: dict[str, object] = {"offers": listing.render(session, found, found.items)}
    if include_pagination_info:
        body["pagination_info"] = page.info(found.total or 0).model_dump()
    return JSONResponse(body)


@router.get(PREFIX + "/meta", responses={200: {"model": MetaOut}, **errors(401, 403, 404, 422, 460, 470, 471)})
def offers_meta(scoped: ListScoped, session: SessionDep, filters: Filters, now: Now) -> JSONResponse:
    """Counts for the member's offer tabs: all, usable, liked, active, and per collection."""
    context = scoped.context
    found = listing.member_offers(
        session,
        club=context.access.club,
        view=member_view(session, context.member),
        scope=scoped.scope,
        filters=filters,
        now=now,
        locale=None,
        order=[("id", False)],  # counts need no order: skip loading names
    )
    return JSONResponse({"meta": listing.meta(session, found)})


def _visible_offer(session: Session, target: OfferTarget, now: datetime, locale: str | None) -> dict:
    context, offer_id = target.scoped.context, target.offer.id
    found = listing.member_offers(
        session,
        club=context.access.club,
        view=member_view(session, context.member, [offer_id]),
        scope=target.scoped.scope,
        filters=listing.ListFilters(ids=[offer_id]),
        now=now,
        locale=locale,
    )
    if not found.items:
        raise NotFound(f"Offer#{offer_id} not found")
    return listing.render(session, found, found.items)[0]


@router.get(PREFIX + "/{offer_id}", responses={200: {"model": OfferOut}, **errors(401, 403, 404, 422, 460, 470, 471)})
def show_offer(target: ListedOffer, session: SessionDep, now: Now, locale: Locale) -> JSONResponse:
    """Show one offer the member can see."""
    return JSONResponse({"offer": _visible_offer(session, target, now, locale)})


@router.get(
    PREFIX + "/{offer_id}/encode",
    response_model=EncodedOfferOut,
    responses=errors(401, 403, 404, 405, 422, 460, 470, 471),
)
def encode_offer(request: Request, target: OfferToEncode, session: SessionDep, now: Now) -> EncodedOfferOut:
    """Encode Offer: a signed code of the member's active use of the offer, for a store to validate (Validate
    Offer Code); good for a few minutes and never past the use's active window (docs/decisions/offers.md)."""
    _visible_offer(session, target, now, None)
    member = target.scoped.context.member
    assert member is not None  # allow_guest=False
    code, content = service.encode_offer(
        session,
        key=code_key(request.app.state.settings.secret_key),
        club_id=target.scoped.context.club_id,
        member=member,
        offer=target.offer,
        now=now,
    )
    return EncodedOfferOut(
        code=code, offer_id=content.offer_id, active_until=iso(content.active_until), expires_at=iso(content.expires_at)
    )


@router.post(
    PREFIX + "/{offer_id}/use",
    responses={200: {"model": UseOut}, **errors(401, 403, 404, 405, 409, 422, 460, 467, 470, 471)},
)
def use_offer(
    target: OfferForUse,
    _: Idempotent,
    session: SessionDep,
    now: Now,
    body: UseOfferBody | None = None,
) -> JSONResponse:
    """Use an offer (seed ``public-use-offer``): the checks of SPEC §5 in order, once per request."""
    scoped, offer = target.scoped, target.offer
    member = scoped.context.member
    assert member is not None  # allow_guest=False
    outcome = service.use_offer(
        session,
        club=scoped.context.access.club,
        member=member,
        offer=offer,
        collection_ids=target.collection_ids,
        scope=scoped.scope,
        authorization_token=body.authorization_token if body else None,
        now=now,
        product_name=scoped.product_name,
    )
    if outcome.refusal is not None:
        service.record_refusal(
            session,
            club_id=scoped.context.club_id,
            offer_id=offer.id,
            member=member,
            refusal=outcome.refusal,
            now=now,
            product_name=scoped.product_name,
        )
        return JSONResponse(outcome.refusal.body(), status_code=outcome.refusal.status)
    return JSONResponse({"usage": outcome.usage})


def _set_liked(target: OfferTarget, session: Session, now: datetime, locale: str | None, liked: bool) -> JSONResponse:
    _visible_offer(session, target, now, locale)
    scoped = target.scoped
    assert scoped.context.member is not None  # allow_guest=False
    service.set_liked(
        session,
        liked=liked,
        offer=target.offer,
        collection_ids=target.collection_ids,
        member=scoped.context.member,
        now=now,
        product_name=scoped.product_name,
    )
    return JSONResponse({"offer": _visible_offer(session, target, now, locale)})


@router.put(  # the older docs' Like offer (docs/decisions/compatibility.md)
    PREFIX + "/{offer_id}/like",
    responses={200: {"model": OfferOut}, **errors(401, 403, 404, 405, 409, 422, 460, 470, 471)},
)
@router.post(
    PREFIX + "/{offer_id}/like",
    responses={200: {"model": OfferOut}, **errors(401, 403, 404, 405, 409, 422, 460, 470, 471)},
)
def like_offer(target: OfferToLike, _: Idempotent, session: SessionDep, now: Now, locale: Locale) -> JSONResponse:
    """Like an offer the member can see (liking twice changes nothing)."""
    return _set_liked(target, session, now, locale, liked=True)


@router.put(  # the older docs' Unlike offer (docs/decisions/compatibility.md)
    PREFIX + "/{offer_id}/unlike",
    responses={200: {"model": OfferOut}, **errors(401, 403, 404, 405, 422, 460, 470, 471)},
)
@router.delete(
    PREFIX + "/{offer_id}/like", responses={200: {"model": OfferOut}, **errors(401, 403, 404, 405, 422, 460, 470, 471)}
)
def unlike_offer(target: OfferToLike, session: SessionDep, now: Now, locale: Locale) -> JSONResponse:
    """Unlike an offer (unliking an offer not liked changes nothing)."""
    return _set_liked(target, session, now, locale, liked=False)


def _register_event(kind: str) -> Callable[..., JSONResponse]:
    def handler(target: OfferForEvent, _: Idempotent, session: SessionDep, now: Now) -> JSONResponse:
        _visible_offer(session, target, now, None)
        scoped = target.scoped
        service.record_event(
            session,
            offer=target.offer,
            collection_ids=target.collection_ids,
            member=scoped.context.member,
            kind=kind,
            now=now,
            product_name=scoped.product_name,
        )
        return JSONResponse({})

    handler.__name__ = f"register_{kind}_event"
    handler.__doc__ = f"Register that the member (or guest) {kind} the offer."
    return handler


for _kind in ("seen", "clicked"):
    router.add_api_route(
        PREFIX + f"/{{offer_id}}/events/{_kind}",
        _register_event(_kind),
        methods=["POST"],
        responses={200: {"model": dict}, **errors(401, 403, 404, 409, 422, 460, 470, 471)},
    )


# --- The older docs' offer events (reference (d).2; docs/decisions/compatibility.md) ---------------------
EventsMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBER_OFFERS_EVENTS))]


def _register_legacy_events(kind: str) -> Callable[..., JSONResponse]:
    def handler(
        request: Request,
        context: EventsMember,
        body: LegacyOfferEvents,
        _: Idempotent,
        session: SessionDep,
        now: Now,
        scope: ScopeParam = "standard",
    ) -> JSONResponse:
        scoped = with_scope(request, context, scope)
        for item in body.events:
            _club, _member, offer, collection_ids = club_member_and_offer(
                session, context.access.club.slug, None, item.offer_id
            )
            if offer is None or offer.loyalty_club_id != context.access.club_id:
                raise NotFound(f"Offer#{item.offer_id} not found")
            target = OfferTarget(scoped=scoped, offer=offer, collection_ids=parse_id_list(collection_ids))
            _visible_offer(session, target, now, None)
            service.record_event(
                session,
                offer=offer,
                collection_ids=target.collection_ids,
                member=context.member,
                kind=kind,
                now=min(item.created_at, now) if item.created_at is not None else now,
                product_name=scoped.product_name,
            )
        return JSONResponse({})

    handler.__name__ = f"register_offers_{kind}_events"
    handler.__doc__ = (
        f"Register that the signed-in member {kind} these offers (the older docs' batch form): each event at its "
        "``created_at`` (never later than now); an offer the member cannot see is 404 and nothing is recorded."
    )
    return handler


for _kind in ("seen", "clicked"):
    for _path in (
        f"/v3/{{loyalty_club_slug}}/members/me/events/offers_{_kind}",
        f"/v3/{{loyalty_club_slug}}/offers/events/offers_{_kind}",
    ):
        router.add_api_route(
            _path,
            _register_legacy_events(_kind),
            methods=["POST"],
            responses={200: {"model": dict}, **errors(401, 403, 404, 409, 422, 460, 470, 471)},
        )
