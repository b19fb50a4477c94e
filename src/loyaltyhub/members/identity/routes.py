"""HTTP routes of member identity (Public API): tokens, one-time passwords and push devices (SPEC §3, §6)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Query, Request

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, PublicApiHeaders
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import InvalidCredentials, InvalidRefreshToken, NotFound, RateLimited, ValidationFailed
from loyaltyhub.http.idempotency import Idempotent
from loyaltyhub.http.responses import JSONResponse, errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.identity import devices, oauth, tokens
from loyaltyhub.members.identity.dependencies import CurrentMember, MeAuth
from loyaltyhub.members.identity.schemas import (
    AppTokenCreate,
    AppTokenOut,
    AppTokenUpdate,
    OtpEmailRequest,
    OtpSent,
    OtpSmsRequest,
    RegistrationPasswordRequest,
    RevokeRequest,
    TokenApplication,
    TokenInfo,
    TokenRequest,
    TokenResponse,
)
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import member_by_lookup, member_or_404
from loyaltyhub.ratelimit.logins import client_address, login_throttle_for

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members", tags=["Public API: members"])

Headers = PublicApiHeaders
MembersOAuth = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_OAUTH, client_only=True))]
AppTokensMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBERS_APP_TOKENS))]
AppTokensClub = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_APP_TOKENS))]
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
    who = oauth.sign_in_key(session, access.club, body.identifier_type, str(body.identifier))
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


# --- The older docs' paths (reference (f).1, (f).6, (f).7, (f).9; docs/decisions/compatibility.md) -----------


def _legacy_otp(request: Request, access: ClubAccess, session: SessionDep, by: str, value: str, channel: str):
    """A sign-in code for the member found by ``by``, sent over ``channel`` to the member's own address of
    that channel. Always ``{}`` (the older docs' (f).1; their later copy's 404 would tell which addresses
    are members): nothing is sent for an unknown identifier or a member without that address. 422 for a
    malformed identifier, 429 when sent too often. The code signs in with any of the member's identifiers."""
    try:
        member: Member | None = member_by_lookup(session, access.club, by, value)
    except NotFound:
        member = None
    if member is not None and (member.msisdn if channel == "sms" else member.email):
        try:
            oauth.send_member_otp(session, access.club, member, channel, request.app.state.settings.secret_key)
        except RateLimited as limited:
            return _too_many(limited)
    return {}


def _add_legacy_otp(by: str, suffix: str, channel: str, deprecated: bool = False) -> None:
    if by == "msisdn":

        def handler(request: Request, _h: Headers, access: MembersOAuth, msisdn: str, session: SessionDep):
            return _legacy_otp(request, access, session, "msisdn", msisdn, channel)

    else:

        def handler(request: Request, _h: Headers, access: MembersOAuth, email: str, session: SessionDep):
            return _legacy_otp(request, access, session, "email", email, channel)

    via = "an SMS" if channel == "sms" else "an e-mail"
    handler.__name__ = f"send_one_time_password_by_{by}{suffix}"
    handler.__doc__ = (
        f"Send a one-time password by {via} to the member found by {'MSISDN' if by == 'msisdn' else 'e-mail'} "
        "(the older docs' path). Always ``{}``, whether or not a member has it."
    )
    router.add_api_route(
        f"/by_{by}/{{{by}}}/send_one_time_password{suffix}",
        handler,
        methods=["POST"],
        responses=errors(*PUBLIC_ERRORS, 429),
        deprecated=deprecated or None,
    )


for _by in ("msisdn", "email"):
    _add_legacy_otp(_by, "_via_sms", "sms")
    _add_legacy_otp(_by, "_via_email", "email")
    # The deprecated form sends over the identifier's own channel.
    _add_legacy_otp(_by, "", "sms" if _by == "msisdn" else "email", deprecated=True)


def _registration_password(request: Request, access: ClubAccess, session: SessionDep, by: str, value: str):
    try:
        sent = (oauth.send_registration_sms if by == "msisdn" else oauth.send_registration_email)(
            session, access.club, value, request.app.state.settings.secret_key
        )
    except RateLimited as limited:
        return _too_many(limited)
    if sent is None:
        raise ValidationFailed.at(
            (by,),
            "invalid_msisdn" if by == "msisdn" else "invalid_format",
            **({} if by == "msisdn" else {"format": "email"}),
        )
    return {}


@router.post("/by_msisdn/{msisdn}/send_registration_password", responses=errors(*PUBLIC_ERRORS, 429))
def send_registration_password_by_msisdn(
    request: Request,
    _h: Headers,
    access: MembersOAuth,
    msisdn: str,
    session: SessionDep,
    body: Annotated[RegistrationPasswordRequest | None, Body()] = None,
    language: Annotated[str | None, Query(max_length=10, description="Accepted; messages use the club's")] = None,
):
    """Send Registration Password (the older docs' path): an SMS with a code that Create Member takes as
    ``registration_password``. Always ``{}`` (also for a number that is a member already)."""
    return _registration_password(request, access, session, "msisdn", msisdn)


@router.post("/by_email/{email}/send_registration_password", responses=errors(*PUBLIC_ERRORS, 429))
def send_registration_password_by_email(
    request: Request,
    _h: Headers,
    access: MembersOAuth,
    email: str,
    session: SessionDep,
    body: Annotated[RegistrationPasswordRequest | None, Body()] = None,
    language: Annotated[str | None, Query(max_length=10, description="Accepted; messages use the club's")] = None,
):
    """Send Registration Password by e-mail (the older docs' path): a code for Create Member's
    ``registration_password``. Always ``{}``."""
    return _registration_password(request, access, session, "email", email)


@router.put("/me/update_app_token", responses=errors(*PUBLIC_ERRORS, 460))
def update_my_app_token(
    request: Request, context: AppTokensMember, body: AppTokenUpdate, session: SessionDep
) -> dict[str, str]:
    """Update App Token (the older docs' OAuth path): registers the push token as ``POST /members/me/app_tokens``
    does. Answers ``{}``."""
    assert context.member is not None
    devices.register_app_token(
        session,
        context.access.club,
        context.member,
        token=body.app_token,
        platform=body.app_platform,
        product_name=request.headers.get("X-Product-Name"),
    )
    return {}


def member_for_app_token(member_id: int, access: AppTokensClub, session: SessionDep) -> Member:
    return member_or_404(session, access.club_id, member_id)


@router.put("/{member_id:int}/update_app_token", responses=errors(401, 403, 404, 422))
def update_app_token(
    request: Request,
    access: AppTokensClub,
    member: Annotated[Member, Depends(member_for_app_token)],
    body: AppTokenUpdate,
    session: SessionDep,
) -> dict[str, str]:
    """Update App Token of a member by id (the older docs' Management path). Answers ``{}``."""
    devices.register_app_token(
        session,
        access.club,
        member,
        token=body.app_token,
        platform=body.app_platform,
        product_name=request.headers.get("X-Product-Name"),
    )
    return {}
