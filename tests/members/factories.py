"""Builders for members, groups and member tokens (plain functions taking ``session``)."""

from __future__ import annotations

import itertools
from typing import Any

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.groups import service as groups
from loyaltyhub.members.groups.models import MemberGroup
from loyaltyhub.members.identity import tokens
from loyaltyhub.members.models import Member
from loyaltyhub.members.schemas import MemberCreate
from loyaltyhub.members.service import create_member

_numbers = itertools.count(1)
SECRET_KEY = "test-secret"


def unique_msisdn(country_code: str = "47") -> str:
    """A valid-looking Norwegian mobile number, different on every call."""
    return f"{country_code}4{next(_numbers):07d}"


def member(
    session: Session,
    club: LoyaltyClub,
    *,
    properties: dict[str, Any] | None = None,
    consents: dict[str, Any] | None = None,
    password: str | None = None,
    optin_channel: str | None = "android-app",
    optin_subchannel: str | None = None,
    favorite_stores: list[int] | None = None,
) -> Member:
    values: dict[str, Any] = {"first_name": "Ola", "last_name": "Nordmann", "msisdn": unique_msisdn()}
    values.update(properties or {})
    body = MemberCreate(
        properties={k: v for k, v in values.items() if v is not None},
        consents=consents or {},
        password=password,
        favorite_stores=favorite_stores or [],
        send_sms_welcome_message=False,
        send_email_welcome_message=False,
    )
    return create_member(
        session,
        club,
        body,
        optin_channel=optin_channel,
        optin_subchannel=optin_subchannel,
        secret_key=SECRET_KEY,
    )


def access_token(session: Session, member: Member, ttl_seconds: int = 3600) -> str:
    return tokens.issue_tokens(session, member, access_ttl_seconds=ttl_seconds, refresh_ttl_seconds=86400).access_token


def group(session: Session, club: LoyaltyClub, name: str | None = None) -> MemberGroup:
    return groups.create_group(session, club.id, name=name or f"Group {next(_numbers)}")
