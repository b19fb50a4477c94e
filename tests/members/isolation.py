"""Builders for the isolation walk: a record of each path param kind, created in the given club."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from tests.members import factories


def _member(session: Session, club: LoyaltyClub) -> int:
    return factories.member(session, club).id


def _group(session: Session, club: LoyaltyClub) -> int:
    return factories.group(session, club).id


def _email(session: Session, club: LoyaltyClub) -> str:
    return factories.member(session, club, properties={"email": f"walk{factories.unique_msisdn()}@example.com"}).email


def _msisdn(session: Session, club: LoyaltyClub) -> str:
    return factories.member(session, club).msisdn


BUILDERS: dict[str, Callable[[Session, LoyaltyClub], int | str]] = {
    "member_id": _member,
    "group_id": _group,
    "email": _email,
    "msisdn": _msisdn,
    # verify_token/{type}/{token}: the walk names a real type and a token that was never sent.
    "type": lambda _session, _club: "password_reset",
    "token": lambda _session, _club: "never-sent-token",
}

# Routes that answer an unknown identifier exactly like a known one, so that they do not tell which
# e-mail addresses or numbers are members (sending tokens, public info). The walk proves that another
# club's member gets the answer of an identifier nobody has.
_MEMBERS = "/v3/{loyalty_club_slug}/members"
SAME_AS_UNKNOWN: set[tuple[str, str]] = {
    ("PUT", f"{_MEMBERS}/channels/msisdn/{{msisdn}}/send_verification"),
    ("PUT", f"{_MEMBERS}/channels/msisdn/{{msisdn}}/verify"),
    ("PUT", f"{_MEMBERS}/channels/email/{{email}}/send_verification"),
    ("PUT", f"{_MEMBERS}/channels/email/{{email}}/verify"),
    ("POST", f"{_MEMBERS}/by_email/{{email}}/send_password_reset_token"),
    ("GET", f"{_MEMBERS}/by_email/{{email}}/verify_token/{{type}}/{{token}}"),
    ("PUT", f"{_MEMBERS}/by_email/{{email}}/reset_password"),
    ("GET", f"{_MEMBERS}/{{member_id:int}}/public_info"),
    ("GET", f"{_MEMBERS}/by_email/{{email}}/public_info"),
    ("GET", f"{_MEMBERS}/by_msisdn/{{msisdn}}/public_info"),
    # The older docs' paths (docs/decisions/compatibility.md).
    ("GET", f"{_MEMBERS}/{{member_id:int}}/person_id"),
    ("GET", f"{_MEMBERS}/by_email/{{email}}/person_id"),
    ("GET", f"{_MEMBERS}/by_msisdn/{{msisdn}}/person_id"),
    *(
        ("POST", f"{_MEMBERS}/by_{by}/{{{by}}}/send_one_time_password{suffix}")
        for by in ("msisdn", "email")
        for suffix in ("", "_via_sms", "_via_email")
    ),
    ("POST", f"{_MEMBERS}/by_msisdn/{{msisdn}}/send_registration_password"),
    ("POST", f"{_MEMBERS}/by_email/{{email}}/send_registration_password"),
}
UNKNOWN: dict[str, object] = {
    "member_id": 987654321,
    "email": "nobody-at-all@example.com",
    "msisdn": "4799999999",
    "type": "password_reset",
    "token": "never-sent-token",
}
