"""Member sign-in (reference D.1): password grant with a password or a one-time password, refresh grant.

Failures are returned, not raised, so that the request's transaction still commits the attempt
counters of one-time passwords (a raised error would roll them back and allow endless guessing).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from loyaltyhub.auth.passwords import verify_password
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.members.derived import normalize_msisdn
from loyaltyhub.members.identity import otp, tokens
from loyaltyhub.members.models import Member
from loyaltyhub.members.properties import normalize_email
from loyaltyhub.members.repository import member_by_identifier, members_in_club
from loyaltyhub.members.service import set_channel_verified
from loyaltyhub.ratelimit.logins import member_identifier


@dataclass(frozen=True)
class TokenSettings:
    access_ttl_seconds: int
    refresh_ttl_seconds: int
    secret_key: str
    client_token_id: int | None = None


def sign_in_key(session: Session, club: LoyaltyClub, identifier_type: str, identifier: str) -> str:
    """The sign-in throttle's key for an identifier (:mod:`loyaltyhub.ratelimit.logins`): the member it names,
    so the member's id, e-mail and number in any spelling (``+47…``, ``0047…``, ``47…``) share one count of
    failures rather than each having its own; for an identifier naming nobody, the identifier as the lookup
    reads it (normalized), so an unknown number is one key however it is written."""
    member = member_by_identifier(session, club, identifier_type, identifier)
    if member is not None:
        return f"member:{club.id}:{member.id}"
    normalized: str | None = identifier.strip()
    if identifier_type == "email":
        normalized = normalize_email(identifier)
    elif identifier_type == "msisdn":
        normalized = normalize_msisdn(identifier, club.country)
    return member_identifier(club.id, identifier_type, normalized or identifier)


def password_grant(
    session: Session,
    club: LoyaltyClub,
    *,
    identifier_type: str,
    identifier: str,
    password: str,
    settings: TokenSettings,
) -> tokens.IssuedMemberTokens | None:
    """Tokens for a member's password or live one-time password; None for bad credentials (461)."""
    member = member_by_identifier(session, club, identifier_type, identifier)
    if member is None:
        verify_password(password, None)  # same time as a real check
        return None
    if member.password_hash and verify_password(password, member.password_hash):
        return _issue(session, member, settings)
    # A code sent to any of the member's addresses signs in with any identifier, as the password does (the
    # older docs send a code by SMS to the member found by e-mail and back: docs/decisions/compatibility.md).
    channels: list[tuple[otp.Channel, str]] = []
    if member.msisdn:
        channels.append(("sms", member.msisdn))
    if member.email:
        channels.append(("email", member.email))
    for channel, destination in channels:
        if otp.check_otp(
            session, club.id, channel=channel, destination=destination, code=password, secret_key=settings.secret_key
        ):
            set_channel_verified(session, club, member, channel)
            return _issue(session, member, settings)
    return None


def _issue(session: Session, member: Member, settings: TokenSettings) -> tokens.IssuedMemberTokens:
    return tokens.issue_tokens(
        session,
        member,
        access_ttl_seconds=settings.access_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_ttl_seconds,
        client_token_id=settings.client_token_id,
    )


def refresh_grant(
    session: Session, club: LoyaltyClub, refresh_token: str, settings: TokenSettings
) -> tokens.IssuedMemberTokens | None:
    return tokens.refresh_tokens(
        session,
        club.id,
        refresh_token,
        access_ttl_seconds=settings.access_ttl_seconds,
        refresh_ttl_seconds=settings.refresh_ttl_seconds,
        client_token_id=settings.client_token_id,
    )


def request_sms_otp(session: Session, club: LoyaltyClub, raw_msisdn: str, secret_key: str) -> otp.SentOtp | None:
    """Send a code to a msisdn (a sign-in code for a member, else a registration password); None if invalid."""
    msisdn = normalize_msisdn(raw_msisdn, club.country)
    if msisdn is None:
        return None
    member = session.execute(members_in_club(club.id).where(Member.msisdn == msisdn)).scalar_one_or_none()
    return otp.send_otp(
        session,
        club,
        channel="sms",
        destination=msisdn,
        member_id=member.id if member else None,
        secret_key=secret_key,
    )


def request_email_otp(session: Session, club: LoyaltyClub, raw_email: str, secret_key: str) -> otp.SentOtp | None:
    email = normalize_email(raw_email)
    if email is None:
        return None
    member = session.execute(members_in_club(club.id).where(Member.email == email)).scalar_one_or_none()
    return otp.send_otp(
        session,
        club,
        channel="email",
        destination=email,
        member_id=member.id if member else None,
        secret_key=secret_key,
    )


def send_member_otp(
    session: Session, club: LoyaltyClub, member: Member, channel: otp.Channel, secret_key: str
) -> otp.SentOtp:
    """A sign-in code to the member's own address of ``channel`` (which the caller checked it has)."""
    destination = member.msisdn if channel == "sms" else member.email
    assert destination is not None
    return otp.send_otp(
        session, club, channel=channel, destination=destination, member_id=member.id, secret_key=secret_key
    )


def send_registration_sms(session: Session, club: LoyaltyClub, raw_msisdn: str, secret_key: str) -> otp.SentOtp | None:
    """A registration password to a number (Create Member's ``registration_password``); None if invalid."""
    msisdn = normalize_msisdn(raw_msisdn, club.country)
    if msisdn is None:
        return None
    return otp.send_otp(session, club, channel="sms", destination=msisdn, member_id=None, secret_key=secret_key)


def send_registration_email(session: Session, club: LoyaltyClub, raw_email: str, secret_key: str) -> otp.SentOtp | None:
    email = normalize_email(raw_email)
    if email is None:
        return None
    return otp.send_otp(session, club, channel="email", destination=email, member_id=None, secret_key=secret_key)
