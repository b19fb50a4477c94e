"""Bodies of the member identity routes: tokens, one-time passwords, app tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt

from loyaltyhub.schemas import StrictModel

# One body serves both grants, so JSON Schema cannot say which keys each needs: the descriptions do (issue #14,
# defect 6); a missing or null one is 422 ``blank`` naming it.
_WITH_PASSWORD = "Required, not null, with `grant_type: password` (else ignored)."


class TokenRequest(StrictModel):
    """Create Token (reference D.1): ``password`` (password or one-time password) or ``refresh_token``."""

    grant_type: Literal["password", "refresh_token"]
    identifier_type: Literal["id", "email", "msisdn"] | None = Field(default=None, description=_WITH_PASSWORD)
    identifier: Annotated[str, Field(min_length=1, max_length=320)] | StrictInt | None = Field(
        default=None, description=_WITH_PASSWORD
    )
    password: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description=_WITH_PASSWORD + " The password or a one-time password."
    )
    refresh_token: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Required, not null, with `grant_type: refresh_token` (else ignored)."
    )


class TokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    refresh_token: str
    created_at: int
    resource_owner_id: int


class TokenApplication(BaseModel):
    uid: str | None = None


class TokenInfo(BaseModel):
    resource_owner_id: int
    scopes: list[str]
    expires_in_seconds: int
    expires_in: int = Field(
        description="The same as `expires_in_seconds`, under the name of Create Token's answer, which clients "
        "of the vendor's API read here too (docs/decisions/compatibility.md)."
    )
    application: TokenApplication
    created_at: int


class RevokeRequest(StrictModel):
    token: Annotated[str, Field(min_length=1, max_length=200)]


class OtpSmsRequest(StrictModel):
    msisdn: Annotated[str, Field(min_length=1, max_length=32)] | StrictInt


class OtpEmailRequest(StrictModel):
    email: Annotated[str, Field(min_length=3, max_length=320)]


class OtpSent(BaseModel):
    sent: bool = True
    expires_in: int


class AppTokenCreate(StrictModel):
    token: Annotated[str, Field(min_length=8, max_length=512)]
    platform: Literal["android", "ios", "web"] | None = None


class AppTokenUpdate(StrictModel):
    """Update App Token (the older docs' body)."""

    app_token: Annotated[str, Field(min_length=8, max_length=512)]
    app_platform: Literal["android", "ios"] | None = None


class RegistrationPasswordRequest(StrictModel):
    """Send Registration Password (reference (f).1): the message's language; loyaltyhub sends the club's."""

    language: Annotated[str, Field(max_length=10)] | None = None


class AppTokenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    token: str
    platform: str | None
    created_at: datetime


# --- Groups -----------------------------------------------------------------------------------------
