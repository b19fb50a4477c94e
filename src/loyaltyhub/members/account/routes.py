"""HTTP routes of the member account flows (Public API, reference (f).1): channel verification, password
reset tokens, reset and update password. Sending answers the same for unknown identifiers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Body, Depends, Request, Response

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess, MemberContext
from loyaltyhub.auth.dependencies import ClubAuth, PublicApiHeaders
from loyaltyhub.errors import BadRequest
from loyaltyhub.http.responses import errors
from loyaltyhub.http.routing import LoyaltyRouter
from loyaltyhub.http.session import SessionDep
from loyaltyhub.members.account import rules, service
from loyaltyhub.members.account.schemas import (
    ResetPassword,
    SendVerification,
    TokenValidity,
    UpdatePassword,
    VerifyChannel,
)
from loyaltyhub.members.identity.dependencies import MeAuth

router = LoyaltyRouter(prefix="/v3/{loyalty_club_slug}/members", tags=["Public API: member account"])

Headers = PublicApiHeaders
MsisdnsVerify = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_MSISDNS_VERIFY, client_only=True))]
EmailsVerify = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_EMAILS_VERIFY, client_only=True))]
TokensCreate = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_TOKENS_CREATE, client_only=True))]
TokensVerify = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_TOKENS_VERIFY, client_only=True))]
ResetPasswordAccess = Annotated[ClubAccess, Depends(ClubAuth(permits.MEMBERS_RESET_PASSWORD, client_only=True))]
PasswordMember = Annotated[MemberContext, Depends(MeAuth(permits.MEMBERS_OAUTH_UPDATE_PASSWORD))]
PUBLIC_ERRORS = (401, 403, 404, 422, 470, 471)


def _secret(request: Request) -> str:
    return request.app.state.settings.secret_key


def _token_or_400(body: VerifyChannel | None) -> str:
    if body is None or body.token is None:
        raise BadRequest("Token missing")
    return body.token


@router.put("/channels/msisdn/{msisdn}/send_verification", status_code=204, responses=errors(*PUBLIC_ERRORS))
def send_msisdn_verification(
    request: Request,
    _h: Headers,
    access: MsisdnsVerify,
    msisdn: str,
    session: SessionDep,
    body: Annotated[SendVerification | None, Body()] = None,
) -> Response:
    """Send MSISDN verification SMS: a token valid for 30 days. Always 204, whether or not a member has it."""
    service.send_token(session, access.club, "msisdn_verification", msisdn, _secret(request))
    return Response(status_code=204)


@router.put("/channels/msisdn/{msisdn}/verify", responses=errors(*PUBLIC_ERRORS, 400, 463))
def verify_msisdn(
    request: Request,
    _h: Headers,
    access: MsisdnsVerify,
    msisdn: str,
    session: SessionDep,
    body: Annotated[VerifyChannel | None, Body()] = None,
) -> dict[str, str]:
    """Verify MSISDN with the token of the SMS: the member's SMS channel becomes ``verified``."""
    token = _token_or_400(body)
    service.verify_channel(session, access.club, "msisdn_verification", msisdn, token, _secret(request))
    return {}


@router.put("/channels/email/{email}/send_verification", status_code=204, responses=errors(*PUBLIC_ERRORS))
def send_email_verification(
    request: Request,
    _h: Headers,
    access: EmailsVerify,
    email: str,
    session: SessionDep,
    body: Annotated[SendVerification | None, Body()] = None,
) -> Response:
    """Send e-mail verification: a code to the address. Always 204, whether or not a member has it."""
    service.send_token(session, access.club, "email_verification", email, _secret(request))
    return Response(status_code=204)


@router.put("/channels/email/{email}/verify", responses=errors(*PUBLIC_ERRORS, 400, 463))
def verify_email(
    request: Request,
    _h: Headers,
    access: EmailsVerify,
    email: str,
    session: SessionDep,
    body: Annotated[VerifyChannel | None, Body()] = None,
) -> dict[str, str]:
    """Verify e-mail with the code of the message: the member's e-mail channel becomes ``verified``."""
    token = _token_or_400(body)
    service.verify_channel(session, access.club, "email_verification", email, token, _secret(request))
    return {}


@router.post("/by_email/{email}/send_password_reset_token", responses=errors(*PUBLIC_ERRORS))
def send_password_reset_token(
    request: Request, _h: Headers, access: TokensCreate, email: str, session: SessionDep
) -> dict[str, str]:
    """Send Password Reset Token (valid for 24 hours). Always ``{}``, whether or not a member has the address."""
    service.send_token(session, access.club, "password_reset", email, _secret(request))
    return {}


@router.get("/by_email/{email}/verify_token/{type}/{token}", response_model=TokenValidity, responses=errors(400))
def verify_token(
    request: Request, _h: Headers, access: TokensVerify, email: str, type: str, token: str, session: SessionDep
) -> TokenValidity:
    """Verify Token: whether a token is (still) valid; it is not used up. 400 for an unknown ``type``."""
    if type not in rules.VERIFIABLE_TYPES:
        raise BadRequest("Invalid `type`")
    return TokenValidity(
        valid=service.token_is_valid(session, access.club, "password_reset", email, token, _secret(request))
    )


@router.put("/by_email/{email}/reset_password", responses=errors(*PUBLIC_ERRORS, 400, 463))
def reset_password(
    request: Request,
    _h: Headers,
    access: ResetPasswordAccess,
    email: str,
    session: SessionDep,
    body: Annotated[ResetPassword | None, Body()] = None,
) -> dict[str, str]:
    """Reset Password with a reset token; every session of the member ends (its refresh tokens are refused).
    An unknown address answers 463 like a wrong token (decision: no 404 that tells which addresses exist)."""
    if body is None or body.password is None or body.token is None:
        raise BadRequest("`password` or `token` param is missing")
    service.reset_password(
        session, access.club, email, password=body.password, token=body.token, secret_key=_secret(request)
    )
    return {}


@router.put("/me/update_password", responses=errors(*PUBLIC_ERRORS, 460, 464))
@router.put("/update_password", responses=errors(*PUBLIC_ERRORS, 460, 464))  # the older docs' path line
def update_password(context: PasswordMember, body: UpdatePassword, session: SessionDep) -> dict[str, str]:
    """Update Password (OAuth). Every token pair of the member is revoked, the one of this request too."""
    assert context.member is not None
    service.update_password(session, context.member, password=body.password, current_password=body.current_password)
    return {}
