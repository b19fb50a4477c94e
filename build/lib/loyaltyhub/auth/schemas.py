from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from loyaltyhub.schemas import StrictModel


class UserTokenRequest(StrictModel):
    grant_type: Literal["password"]
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserTokenResponse(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int
    created_at: int


class PermitOut(BaseModel):
    name: str
    description: str


class PermitsResponse(BaseModel):
    permits: list[PermitOut]
    roles: dict[str, list[str]]


class MeClub(BaseModel):
    id: int
    slug: str
    name: str
    timezone: str
    permits: list[str]


class MePrincipal(BaseModel):
    type: Literal["client", "user"]
    id: int
    name: str
    product_name: str | None = None
    email: str | None = None


class MeResponse(BaseModel):
    principal: MePrincipal
    clubs: list[MeClub]
    permits: list[str]
