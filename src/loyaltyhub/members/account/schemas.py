"""Bodies of the account flows. Missing ``password``/``token`` answer the vendor's 400, so they are optional here."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field, StrictBool

from loyaltyhub.members.schemas import Password
from loyaltyhub.schemas import StrictModel

Token = Annotated[str, Field(min_length=1, max_length=200)]


class SendVerification(StrictModel):
    for_mobile_app: StrictBool = False


class VerifyChannel(StrictModel):
    token: Token | None = None


class ResetPassword(StrictModel):
    password: Password | None = None
    token: Token | None = None


class UpdatePassword(StrictModel):
    password: Password
    current_password: Annotated[str, Field(max_length=200)] | None = None


class TokenValidity(BaseModel):
    valid: bool
