"""HTTP routes of Public API › Loyalty Club (reference (e).3, 6.1): show a club, list the clubs the caller
may access (``X-Customer`` narrows the list; naming a club out of reach is 403), the member schema."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.auth.customers import CustomerHeaderError, clubs_for_customer, clubs_of, parse_customer
from loyaltyhub.auth.dependencies import ClubAuth, CurrentPrincipal
from loyaltyhub.club_info.schemas import LoyaltyClubOut, LoyaltyClubsPage
from loyaltyhub.errors import MalformedHeader, MissingPermit
from loyaltyhub.http.pagination import PageDep
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.properties import json_schema

router = LoyaltyRouter(tags=["Public API: loyalty club"])

ClubsGet = Annotated[ClubAccess, Depends(ClubAuth(permits.LOYALTY_CLUBS_GET))]
SchemaGet = Annotated[ClubAccess, Depends(ClubAuth(permits.SCHEMA_GET))]


@router.get("/v3/loyalty_clubs", response_model=LoyaltyClubsPage, responses=errors(401, 403, 422, 471))
def list_loyalty_clubs(
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    page: PageDep,
    customer_id: Annotated[
        int | None, Query(ge=1, description="Only the clubs of this customer (organization)")
    ] = None,
) -> LoyaltyClubsPage:
    """List Loyalty Clubs: the clubs the caller may access and holds ``BL:Api:LoyaltyClubs:ListMine`` on."""
    header = request.headers.get("X-Customer")
    if header is None:
        clubs = clubs_of(session, principal)
    else:
        try:
            clubs, _ = clubs_for_customer(session, principal, parse_customer(header))
        except CustomerHeaderError as exc:
            raise MalformedHeader("X-Customer", str(exc))
    listed = [club for club in clubs if permits.LOYALTY_CLUBS_LIST in principal.permits_on(club)]
    if clubs and not listed:
        raise MissingPermit(permits.LOYALTY_CLUBS_LIST)
    if customer_id is not None:
        listed = [club for club in listed if club.organization_id == customer_id]
    chosen = listed[page.offset : page.offset + page.per_page]
    return LoyaltyClubsPage(
        loyalty_clubs=[LoyaltyClubOut.of(c) for c in chosen], pagination_info=page.info(len(listed))
    )


@router.get("/v3/loyalty_clubs/{loyalty_club_slug}", response_model=LoyaltyClubOut, responses=errors(401, 403, 404))
def show_loyalty_club(access: ClubsGet) -> LoyaltyClubOut:
    """Show Loyalty Club by its slug."""
    return LoyaltyClubOut.of(access.club)


@router.get("/v3/{loyalty_club_slug}/member_schema", responses=errors(401, 403, 404))
def show_member_schema(access: SchemaGet) -> dict[str, Any]:
    """Show Schema: the member JSON schema (draft 4) of the club, as Create Member applies it."""
    return json_schema(access.club)
