"""Member account flows: verify an e-mail address or MSISDN, reset a forgotten password, change it.

Tokens are random (32 URL-safe characters), sent through the outbox, stored only as an HMAC keyed with
the server's secret, single-use and expiring (:mod:`.rules`). Sending answers the same whether or not
the identifier belongs to a member, and over the per-destination limit it silently sends nothing, so
neither the answer nor a 429 tells whether an identifier exists. A new password revokes every token
pair of the member: a refresh token issued before it is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth.passwords import hash_password, verify_password
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import InvalidCurrentPassword, InvalidToken
from loyaltyhub.members import outbox
from loyaltyhub.members.account import rules
from loyaltyhub.members.account.models import MemberAccountToken
from loyaltyhub.members.identity.tokens import revoke_all
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import member_by_identifier
from loyaltyhub.members.service import lock, set_channel_verified
from loyaltyhub.ops.metrics import record_ratelimit_rejection

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Channel:
    """How a purpose reaches the member: the identifier type, the outbox channel, the member's column."""

    identifier_type: str
    outbox_channel: str
    attribute: str


EMAIL = Channel("email", "email", "email")
MSISDN = Channel("msisdn", "sms", "msisdn")
CHANNEL_OF: dict[str, Channel] = {
    "email_verification": EMAIL,
    "msisdn_verification": MSISDN,
    "password_reset": EMAIL,
}
_MESSAGES = {
    "email_verification": ("Confirm your e-mail address", "Your {club} e-mail verification code: {token}"),
    "msisdn_verification": (None, "Your {club} phone number verification code: {token}"),
    "password_reset": ("Reset your password", "Your {club} password reset code: {token}. It is valid for 24 hours."),
}


def _digest(secret_key: str, token: str) -> str:
    return hmac.new(secret_key.encode(), token.strip().encode(), hashlib.sha256).hexdigest()


def _member(session: Session, club: LoyaltyClub, channel: Channel, identifier: str) -> Member | None:
    return member_by_identifier(session, club, channel.identifier_type, identifier)


def send_token(session: Session, club: LoyaltyClub, purpose: rules.Purpose, identifier: str, secret_key: str) -> None:
    """Send a ``purpose`` token to the member ``identifier`` names; nothing (and no error) when there is
    no such member, when the channel is barred, or when the destination had its share of tokens."""
    channel = CHANNEL_OF[purpose]
    member = _member(session, club, channel, identifier)
    destination = getattr(member, channel.attribute) if member is not None else None
    if member is None or destination is None:
        return
    if purpose == "email_verification" and member.email_status not in ("enabled", "disabled", "verified"):
        return
    if purpose == "msisdn_verification" and member.sms_status == "barred":
        return
    now = utcnow()
    if not dialect.try_transaction_lock(session, f"account-token:{club.id}:{purpose}:{destination}"):
        record_ratelimit_rejection("account_token", f"customer:{club.id}")
        return
    recent = session.execute(
        select(func.count())
        .select_from(MemberAccountToken)
        .where(
            in_club(MemberAccountToken, club.id),
            MemberAccountToken.purpose == purpose,
            MemberAccountToken.destination == destination,
            MemberAccountToken.created_at > now - rules.SEND_WINDOW,
        )
    ).scalar_one()
    if not rules.may_send(recent):
        record_ratelimit_rejection("account_token", f"customer:{club.id}")
        return
    token = secrets.token_urlsafe(24)
    session.add(
        MemberAccountToken(
            loyalty_club_id=club.id,
            member_id=member.id,
            purpose=purpose,
            destination=destination,
            token_hash=_digest(secret_key, token),
            created_at=now,
            expires_at=now + rules.TOKEN_TTL[purpose],
        )
    )
    session.flush()
    subject, body = _MESSAGES[purpose]
    outbox.enqueue(
        session,
        loyalty_club_id=club.id,
        member_id=member.id,
        channel=channel.outbox_channel,
        recipient=destination,
        kind=purpose,
        subject=subject,
        body=body.format(club=club.name, token=token),
        secret=token,
    )


def _live_token(
    session: Session, club: LoyaltyClub, purpose: str, member: Member, token: str, secret_key: str
) -> MemberAccountToken | None:
    return session.execute(
        select(MemberAccountToken).where(
            in_club(MemberAccountToken, club.id),
            MemberAccountToken.purpose == purpose,
            MemberAccountToken.member_id == member.id,
            MemberAccountToken.token_hash == _digest(secret_key, token),
            MemberAccountToken.used_at.is_(None),
            MemberAccountToken.expires_at > utcnow(),
        )
    ).scalar_one_or_none()


def _use(session: Session, club: LoyaltyClub, record: MemberAccountToken) -> bool:
    """Mark the token used; False when a concurrent request used it first (conditional update)."""
    used = session.execute(
        update(MemberAccountToken)
        .where(
            MemberAccountToken.id == record.id,
            in_club(MemberAccountToken, club.id),
            MemberAccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1


def token_is_valid(
    session: Session, club: LoyaltyClub, purpose: rules.Purpose, identifier: str, token: str, secret_key: str
) -> bool:
    """Verify Token: whether ``token`` is (still) valid for the member ``identifier`` names; not used up."""
    member = _member(session, club, CHANNEL_OF[purpose], identifier)
    return member is not None and _live_token(session, club, purpose, member, token, secret_key) is not None


def _take(
    session: Session, club: LoyaltyClub, purpose: rules.Purpose, identifier: str, token: str, secret_key: str
) -> Member:
    member = _member(session, club, CHANNEL_OF[purpose], identifier)
    record = _live_token(session, club, purpose, member, token, secret_key) if member is not None else None
    if member is None or record is None or not _use(session, club, record):
        raise InvalidToken()
    return member


def verify_channel(
    session: Session, club: LoyaltyClub, purpose: rules.Purpose, identifier: str, token: str, secret_key: str
) -> None:
    """Use a verification token: the member's e-mail (or SMS) channel becomes ``verified``; 463 otherwise."""
    member = _take(session, club, purpose, identifier, token, secret_key)
    set_channel_verified(session, club, member, CHANNEL_OF[purpose].outbox_channel)


def _set_password(session: Session, member: Member, password: str) -> None:
    lock(session, member)
    member.password_hash = hash_password(password)
    member.updated_at = utcnow()
    session.flush()
    revoke_all(session, member)


def reset_password(
    session: Session, club: LoyaltyClub, identifier: str, *, password: str, token: str, secret_key: str
) -> None:
    """Reset Password with a token from Send Password Reset Token: the new password is set, every token
    pair and every other live reset token of the member is revoked; 463 for an invalid token."""
    member = _take(session, club, "password_reset", identifier, token, secret_key)
    _set_password(session, member, password)
    session.execute(
        update(MemberAccountToken)
        .where(
            in_club(MemberAccountToken, club.id),
            MemberAccountToken.member_id == member.id,
            MemberAccountToken.purpose == "password_reset",
            MemberAccountToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def update_password(session: Session, member: Member, *, password: str, current_password: str | None) -> None:
    """Update Password (OAuth): the current password must match when the member has one (464);
    every token pair of the member is revoked, the one of this request too."""
    if member.password_hash is not None and not verify_password(current_password or "", member.password_hash):
        raise InvalidCurrentPassword()
    _set_password(session, member, password)
