from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from loyaltyhub.members.groups.schemas import GroupOut
from loyaltyhub.members.models import Member
from loyaltyhub.schemas import PaginationInfo


class PublicInfo(BaseModel):
    """Get Public Info (reference (f).1); ``can_login`` is deprecated by the vendor and kept for clients."""

    exists: bool
    can_login: bool
    available_identifiers: list[str]
    has_password: bool

    @classmethod
    def of(cls, member: Member | None) -> PublicInfo:
        if member is None:
            return cls(exists=False, can_login=False, available_identifiers=[], has_password=False)
        identifiers = [name for name in ("msisdn", "email") if getattr(member, name)]
        return cls(
            exists=True,
            can_login=bool(identifiers),
            available_identifiers=identifiers,
            has_password=member.has_password,
        )


class PersonId(BaseModel):
    """Get Person Id (reference (f).1): loyaltyhub has no persons beside members, so ``person_id`` is null."""

    success: bool = True
    source: Literal["db", "not_found"]
    person_id: None = None

    @classmethod
    def of(cls, member: Member | None) -> PersonId:
        return cls(source="db" if member is not None else "not_found")


class MemberGroups(BaseModel):
    members_groups: list[GroupOut]
    pagination_info: PaginationInfo


class Validation(BaseModel):
    valid: bool
    errors: dict[str, Any] | None
