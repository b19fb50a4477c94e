"""Offers Preview (Preview Offers Meta, Preview Offer, Preview Offers List): what a member of the given
groups, or a guest, would see, unpublished offers included, for staff before they publish (docs/decisions/offers.md).

The same visibility and usage rules as the member offers routes (:mod:`listing`, :mod:`rules`), judged for
a member who never used, liked or was granted anything; only who is asked differs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Path, Query, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.dependencies import ClubAuth
from loyaltyhub.errors import NotFound, ValidationFailed
from loyaltyhub.http.pagination import PageDep
from loyaltyhub.http.params import int_list_param
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.member_offers import listing
from loyaltyhub.member_offers.context import ScopeParam
from loyaltyhub.member_offers.repository import unknown_groups
from loyaltyhub.member_offers.routes import Filters, Locale, Now
from loyaltyhub.member_offers.schemas import MetaOut, OfferOut, OffersListOut
from loyaltyhub.member_offers.state import MemberView
from loyaltyhub.offers.types import STATUSES

router = LoyaltyRouter(tags=["Offers preview"])
PREFIX = "/v3/{loyalty_club_slug}/offers/preview"

PreviewAccess = Annotated[ClubAccess, Depends(ClubAuth(permits.OFFERS_LIST))]
ALL_STATUSES = frozenset(STATUSES)


class Preview:
    """Who the preview shows offers to, when, and which statuses count as published."""

    def __init__(self, view: MemberView, at: datetime, statuses: frozenset[str], scope: str) -> None:
        self.view, self.at, self.statuses, self.scope = view, at, statuses, scope


def preview_params(
    request: Request,
    access: PreviewAccess,
    session: SessionDep,
    now: Now,
    scope: ScopeParam = "standard",
    group_ids: Annotated[
        list[str] | None,
        Query(description="The groups of the member to preview for; none: a guest (anonymous visitor)"),
    ] = None,
    as_member: Annotated[
        bool, Query(description="A member in no group (rather than a guest) when no group_ids are given")
    ] = False,
    include_unpublished: Annotated[
        bool, Query(description="Draft and unpublished offers shown as if published (archived ones never)")
    ] = True,
    at: Annotated[datetime | None, Query(description="The moment to judge visibility and usability at")] = None,
) -> Preview:
    groups = int_list_param(request, "group_ids") or []
    unknown = unknown_groups(session, access.club_id, groups)
    if unknown:
        index = groups.index(unknown[0])
        raise ValidationFailed.at(("group_ids", index), "not_found", id=unknown[0])
    moment = now if at is None else (at if at.tzinfo is not None else at.replace(tzinfo=UTC))
    view = MemberView(member=None, group_ids=frozenset(groups), as_member=bool(groups) or as_member)
    statuses = ALL_STATUSES if include_unpublished else listing.PUBLISHED
    return Preview(view=view, at=moment, statuses=frozenset(statuses), scope=scope)


PreviewDep = Annotated[Preview, Depends(preview_params)]


@router.get(PREFIX, responses={200: {"model": OffersListOut}, **errors(401, 403, 404, 422, 471)})
def preview_offers_list(
    access: PreviewAccess,
    preview: PreviewDep,
    session: SessionDep,
    filters: Filters,
    page: PageDep,
    locale: Locale,
    order_by: Annotated[str | None, Query(description="e.g. `usable DESC, created_at DESC`")] = None,
    include_pagination_info: bool = False,
) -> JSONResponse:
    """Preview Offers List: the offers list a member of ``group_ids`` (or a guest) would get."""
    found = listing.member_offers(
        session,
        club=access.club,
        view=preview.view,
        scope=preview.scope,
        filters=filters,
        now=preview.at,
        locale=locale,
        order=listing.parse_order_by(order_by),
        page=page,
        count=include_pagination_info,
        statuses=preview.statuses,
    )
    body: dict[str, object] = {"offers": listing.render(session, found, found.items)}
    if include_pagination_info:
        body["pagination_info"] = page.info(found.total or 0).model_dump()
    return JSONResponse(body)


@router.get(PREFIX + "/meta", responses={200: {"model": MetaOut}, **errors(401, 403, 404, 422, 471)})
def preview_offers_meta(
    access: PreviewAccess, preview: PreviewDep, session: SessionDep, filters: Filters
) -> JSONResponse:
    """Preview Offers Meta: the offer tab counts a member of ``group_ids`` (or a guest) would get."""
    found = listing.member_offers(
        session,
        club=access.club,
        view=preview.view,
        scope=preview.scope,
        filters=filters,
        now=preview.at,
        locale=None,
        order=[("id", False)],
        statuses=preview.statuses,
    )
    return JSONResponse({"meta": listing.meta(session, found)})


@router.get(PREFIX + "/{offer_id}", responses={200: {"model": OfferOut}, **errors(401, 403, 404, 422, 471)})
def preview_offer(
    access: PreviewAccess,
    preview: PreviewDep,
    session: SessionDep,
    locale: Locale,
    offer_id: Annotated[int, Path(description="Offer id")],
) -> JSONResponse:
    """Preview Offer: one offer as a member of ``group_ids`` (or a guest) would see it; 404 when they
    would not see it."""
    found = listing.member_offers(
        session,
        club=access.club,
        view=preview.view,
        scope=preview.scope,
        filters=listing.ListFilters(ids=[offer_id]),
        now=preview.at,
        locale=locale,
        statuses=preview.statuses,
    )
    if not found.items:
        raise NotFound(f"Offer#{offer_id} not found")
    return JSONResponse({"offer": listing.render(session, found, found.items)[0]})
