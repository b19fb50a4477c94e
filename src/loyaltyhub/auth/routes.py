"""``/v1/permits``, ``/v1/me`` and staff user tokens."""

from __future__ import annotations

from fastapi import Request

from loyaltyhub.auth.customers import clubs_of
from loyaltyhub.auth.dependencies import CurrentPrincipal
from loyaltyhub.auth.permits import ROLES, all_permits
from loyaltyhub.auth.schemas import (
    MeClub,
    MePrincipal,
    MeResponse,
    PermitOut,
    PermitsResponse,
    UserTokenRequest,
    UserTokenResponse,
)
from loyaltyhub.auth.service import authenticate_user, issue_user_token
from loyaltyhub.errors import Unauthorized
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.ratelimit.logins import client_address, login_throttle_for, staff_identifier

router = LoyaltyRouter(prefix="/v1", tags=["Auth"])


@router.get("/permits", response_model=PermitsResponse, responses=errors(401))
def list_permits(_principal: CurrentPrincipal) -> PermitsResponse:
    return PermitsResponse(
        permits=[PermitOut(name=p.name, description=p.description) for p in all_permits()],
        roles={name: sorted(permits) for name, permits in ROLES.items()},
    )


@router.get("/me", response_model=MeResponse, responses=errors(401))
def me(principal: CurrentPrincipal, session: SessionDep) -> MeResponse:
    clubs = clubs_of(session, principal)
    me_clubs = [
        MeClub(id=c.id, slug=c.slug, name=c.name, timezone=c.timezone, permits=sorted(principal.permits_on(c)))
        for c in clubs
    ]
    return MeResponse(
        principal=MePrincipal(
            type=principal.kind,
            id=principal.id,
            name=principal.name,
            product_name=principal.product_name,
            email=principal.extra.get("email"),
        ),
        clubs=me_clubs,
        permits=sorted({p for grant in principal.grants for p in grant.permits}),
    )


@router.post("/users/oauth/token", response_model=UserTokenResponse, responses=errors(400, 401, 422, 429))
def user_token(body: UserTokenRequest, session: SessionDep, request: Request) -> UserTokenResponse:
    throttle, who, address = login_throttle_for(request.app), staff_identifier(body.email), client_address(request)
    throttle.check(who, address)
    user = authenticate_user(session, body.email, body.password)
    if user is None:
        throttle.failed(who, address)
        raise Unauthorized("Invalid credentials")
    throttle.succeeded(who)
    ttl = request.app.state.settings.user_token_ttl_seconds
    token, record = issue_user_token(session, user, ttl)
    return UserTokenResponse(access_token=token, expires_in=ttl, created_at=int(record.created_at.timestamp()))
