"""One-time passwords by SMS or e-mail (reference D.3), used as the ``password`` of a password grant
or as the ``registration_password`` of Create Member.

* a code is 6 digits, lives :data:`OTP_TTL_SECONDS`, and is used at most once;
* at most :data:`MAX_SENDS_PER_WINDOW` codes per destination per :data:`SEND_WINDOW_SECONDS` (429);
* every failed check counts against all live codes of the destination; after :data:`MAX_ATTEMPTS`
  they are dead, so guessing 6 digits is hopeless.

Codes are stored as an HMAC (keyed with the server's secret) of destination and code.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import RateLimited
from loyaltyhub.members import outbox
from loyaltyhub.members.identity.models import MemberOtp
from loyaltyhub.ops.metrics import record_ratelimit_rejection

Channel = Literal["sms", "email"]

OTP_LENGTH = 6
OTP_TTL_SECONDS = 600
MAX_ATTEMPTS = 5
MAX_SENDS_PER_WINDOW = 3
SEND_WINDOW_SECONDS = 600


def _digest(secret_key: str, destination: str, code: str) -> str:
    return hmac.new(secret_key.encode(), f"{destination}\n{code}".encode(), hashlib.sha256).hexdigest()


def generate_code() -> str:
    return f"{secrets.randbelow(10**OTP_LENGTH):0{OTP_LENGTH}d}"


@dataclass(frozen=True)
class SentOtp:
    otp: MemberOtp
    expires_in: int


def send_otp(
    session: Session,
    club: LoyaltyClub,
    *,
    channel: Channel,
    destination: str,
    member_id: int | None,
    secret_key: str,
) -> SentOtp:
    """Create a code for ``destination`` and send it through the outbox (429 when sent too often)."""
    now = utcnow()
    if not dialect.try_transaction_lock(session, f"otp:{club.id}:{channel}:{destination}"):
        record_ratelimit_rejection("otp", f"customer:{club.id}")
        raise RateLimited("One-time password requested too often", retry_after=1)
    recent = list(
        session.execute(
            select(MemberOtp.created_at)
            .where(
                in_club(MemberOtp, club.id),
                MemberOtp.channel == channel,
                MemberOtp.destination == destination,
                MemberOtp.created_at > now - timedelta(seconds=SEND_WINDOW_SECONDS),
            )
            .order_by(MemberOtp.created_at)
        ).scalars()
    )
    if len(recent) >= MAX_SENDS_PER_WINDOW:
        retry_after = int((recent[0] + timedelta(seconds=SEND_WINDOW_SECONDS) - now).total_seconds()) + 1
        record_ratelimit_rejection("otp", f"customer:{club.id}")
        raise RateLimited("One-time password requested too often", retry_after=max(retry_after, 1))
    code = generate_code()
    otp = MemberOtp(
        loyalty_club_id=club.id,
        member_id=member_id,
        channel=channel,
        destination=destination,
        code_hash=_digest(secret_key, destination, code),
        attempts=0,
        created_at=now,
        expires_at=now + timedelta(seconds=OTP_TTL_SECONDS),
    )
    session.add(otp)
    session.flush()
    kind = "otp" if member_id is not None else "registration_password"
    minutes = OTP_TTL_SECONDS // 60
    outbox.enqueue(
        session,
        loyalty_club_id=club.id,
        member_id=member_id,
        channel=channel,
        recipient=destination,
        kind=kind,
        subject=f"Your {club.name} code" if channel == "email" else None,
        body=f"Your {club.name} code is {code}. It is valid for {minutes} minutes.",
        secret=code,
    )
    return SentOtp(otp=otp, expires_in=OTP_TTL_SECONDS)


def check_otp(
    session: Session, club_id: int, *, channel: Channel, destination: str, code: str, secret_key: str
) -> bool:
    """Use a live code of ``destination``; a wrong code costs every live code one attempt."""
    now = utcnow()
    live = (
        in_club(MemberOtp, club_id),
        MemberOtp.channel == channel,
        MemberOtp.destination == destination,
        MemberOtp.used_at.is_(None),
        MemberOtp.expires_at > now,
        MemberOtp.attempts < MAX_ATTEMPTS,
    )
    candidates = list(session.execute(select(MemberOtp.id, MemberOtp.code_hash).where(*live)).all())
    if not candidates:
        return False
    digest = _digest(secret_key, destination, code.strip())
    for otp_id, code_hash in candidates:
        if hmac.compare_digest(digest, code_hash):
            # Conditional update: a code is used once even by concurrent requests.
            used = session.execute(
                update(MemberOtp)
                .where(MemberOtp.id == otp_id, in_club(MemberOtp, club_id), MemberOtp.used_at.is_(None))
                .values(used_at=now)
                .execution_options(synchronize_session=False)
            )
            return used.rowcount == 1
    session.execute(
        update(MemberOtp)
        .where(*live)
        .values(attempts=MemberOtp.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    return False


def verify_registration_password(
    session: Session, club_id: int, *, msisdn: str | None, email: str | None, code: str, secret_key: str
) -> str | None:
    """The channel (``sms``/``email``) a registration password proves, or None."""
    for channel, destination in (("sms", msisdn), ("email", email)):
        if destination and check_otp(
            session, club_id, channel=channel, destination=destination, code=code, secret_key=secret_key
        ):
            return channel
    return None
