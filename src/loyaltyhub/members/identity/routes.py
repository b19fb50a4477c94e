"""HTTP routes of member identity (Public API): tokens, one-time passwords and push devices (SPEC §3, §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, PublicApiHeaders
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import InvalidCredentials, InvalidRefreshToken, RateLimited, ValidationFailed
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity import devices, oauth, tokens
from loyaltyhub.members.identity.dependencies import CurrentMember, MeAuth
from loyaltyhub.members.identity.schemas import (
    AppTokenCreate,
    AppTokenOut,
    OtpEmailRequest,
    OtpSent,
    OtpSmsRequest,
    RevokeRequest,
    TokenApplication,
    TokenInfo,
    TokenRequest,
    TokenResponse,
)
from loyaltyhub.ratelimit.logins import client_address, login_throttle_for, member_identifier

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members", tags=["Public API: members"])

Headers = PublicApiHeaders
MembersOAuth = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_OAUTH, client_only=True))]
AppTokensMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBERS_APP_TOKENS))]
PUBLIC_ERRORS = (401, 403, 404, 422, 470, 471)


def _token_settings(request: Request, access: ClubAccess) -> oauth.TokenSettings:
    settings = request.app.state.settings
    return oauth.TokenSettings(
        access_ttl_seconds=settings.member_access_token_ttl_seconds,
        refresh_ttl_seconds=settings.member_refresh_token_ttl_seconds,
        secret_key=settings.secret_key,
        client_token_id=access.principal.id,
    )


def _token_response(issued: tokens.IssuedMemberTokens) -> TokenResponse:
    return TokenResponse(
        access_token=issued.access_token,
        expires_in=issued.expires_in,
        refresh_token=issued.refresh_token,
        created_at=int(issued.record.created_at.timestamp()),
        resource_owner_id=issued.record.member_id,
    )


@router.post("/oauth/token", response_model=TokenResponse, responses=errors(*PUBLIC_ERRORS, 429, 461, 462))
def create_token(
    request: Request, _h: Headers, access: MembersOAuth, body: TokenRequest, session: SessionDep
) -> TokenResponse | JSONResponse:
    """Create Token (reference D.1): ``password`` grant (password or one-time password) or ``refresh_token``."""
    settings = _token_settings(request, access)
    if body.grant_type == "refresh_token":
        if body.refresh_token is None:
            raise ValidationFailed.at(("refresh_token",), "blank")
        issued = oauth.refresh_grant(session, access.club, body.refresh_token, settings)
        if issued is None:
            error = InvalidRefreshToken()
            return JSONResponse(error.body(), status_code=error.status_code)
        return _token_response(issued)
    missing = [name for name in ("identifier_type", "identifier", "password") if getattr(body, name) is None]
    if missing:
        raise ValidationFailed.at((missing[0],), "blank")
    assert body.identifier_type is not None and body.identifier is not None and body.password is not None
    throttle, address = login_throttle_for(request.app), client_address(request)
    who = member_identifier(access.club.id, body.identifier_type, str(body.identifier))
    throttle.check(who, address)
    issued = oauth.password_grant(
        session,
        access.club,
        identifier_type=body.identifier_type,
        identifier=str(body.identifier),
        password=body.password,
        settings=settings,
    )
    if issued is None:
        throttle.failed(who, address)
        # Returned, not raised: the transaction commits the one-time passwords' attempt counters.
        error = InvalidCredentials()
        return JSONResponse(error.body(), status_code=error.status_code)
    throttle.succeeded(who)
    return _token_response(issued)


@router.get("/oauth/token/info", response_model=TokenInfo, responses=errors(*PUBLIC_ERRORS, 460))
def token_info(context: CurrentMember) -> TokenInfo:
    """Show Token Info (reference D.2); 460 when the access token is invalid or expired."""
    assert context.token is not None
    remaining = int((context.token.access_expires_at - utcnow()).total_seconds())
    return TokenInfo(
        resource_owner_id=context.token.member_id,
        scopes=[],
        expires_in_seconds=max(remaining, 0),
        expires_in=max(remaining, 0),
        application=TokenApplication(uid=None),
        created_at=int(context.token.created_at.timestamp()),
    )


@router.post("/oauth/revoke", responses=errors(*PUBLIC_ERRORS))
def revoke_token(_h: Headers, access: MembersOAuth, body: RevokeRequest, session: SessionDep) -> dict[str, str]:
    """Revoke an access or refresh token (and its pair). Unknown tokens answer the same (RFC 7009)."""
    tokens.revoke_token(session, access.club_id, body.token)
    return {}


def _too_many(limited: RateLimited) -> JSONResponse:
    return JSONResponse(
        limited.body(), status_code=limited.status_code, headers={"Retry-After": str(limited.extra["retry_after"])}
    )


@router.post("/otp/sms", response_model=OtpSent, responses=errors(*PUBLIC_ERRORS, 409, 429))
def send_sms_otp(
    request: Request, _h: Headers, access: MembersOAuth, _: Idempotent, body: OtpSmsRequest, session: SessionDep
) -> OtpSent | JSONResponse:
    """Send a one-time password by SMS: a sign-in code, or a registration password for a new number."""
    try:
        sent = oauth.request_sms_otp(session, access.club, str(body.msisdn), request.app.state.settings.secret_key)
    except RateLimited as limited:
        return _too_many(limited)
    if sent is None:
        raise ValidationFailed.at(("msisdn",), "invalid_msisdn")
    return OtpSent(expires_in=sent.expires_in)


@router.post("/otp/email", response_model=OtpSent, responses=errors(*PUBLIC_ERRORS, 409, 429))
def send_email_otp(
    request: Request, _h: Headers, access: MembersOAuth, _: Idempotent, body: OtpEmailRequest, session: SessionDep
) -> OtpSent | JSONResponse:
    """Send a one-time password by e-mail: a sign-in code, or a registration password for a new address."""
    try:
        sent = oauth.request_email_otp(session, access.club, body.email, request.app.state.settings.secret_key)
    except RateLimited as limited:
        return _too_many(limited)
    if sent is None:
        raise ValidationFailed.at(("email",), "invalid_format", format="email")
    return OtpSent(expires_in=sent.expires_in)


@router.post("/me/app_tokens", status_code=201, response_model=AppTokenOut, responses=errors(*PUBLIC_ERRORS, 409, 460))
def register_app_token(
    request: Request, context: AppTokensMember, _: Idempotent, body: AppTokenCreate, session: SessionDep
) -> AppTokenOut:
    """Register a push notification token of the member's device."""
    assert context.member is not None
    record = devices.register_app_token(
        session,
        context.access.club,
        context.member,
        token=body.token,
        platform=body.platform,
        product_name=request.headers.get("X-Product-Name"),
    )
    return AppTokenOut.model_validate(record)
