"""Member OAuth tokens: access (``lhm_...``, 24 h) and refresh (``lhr_...``, 1 year) pairs.

Each pair is one :class:`MemberToken` row holding only SHA-256 hashes of the secrets (compared in
constant time). A refresh grant revokes the pair it was issued with and issues a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth import secrets
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.members.identity.models import MemberToken
from loyaltyhub.members.models import Member

ACCESS_PREFIX = "lhm"
REFRESH_PREFIX = "lhr"


@dataclass(frozen=True)
class IssuedMemberTokens:
    access_token: str
    refresh_token: str
    record: MemberToken

    @property
    def expires_in(self) -> int:
        return int((self.record.access_expires_at - self.record.created_at).total_seconds())


def issue_tokens(
    session: Session,
    member: Member,
    *,
    access_ttl_seconds: int,
    refresh_ttl_seconds: int,
    client_token_id: int | None = None,
) -> IssuedMemberTokens:
    access = secrets.issue(ACCESS_PREFIX)
    refresh = secrets.issue(REFRESH_PREFIX)
    now = utcnow()
    record = MemberToken(
        loyalty_club_id=member.loyalty_club_id,
        member_id=member.id,
        access_public_id=access.public_id,
        access_hash=access.secret_hash,
        refresh_public_id=refresh.public_id,
        refresh_hash=refresh.secret_hash,
        client_token_id=client_token_id,
        created_at=now,
        access_expires_at=now + timedelta(seconds=access_ttl_seconds),
        refresh_expires_at=now + timedelta(seconds=refresh_ttl_seconds),
    )
    session.add(record)
    session.flush()
    return IssuedMemberTokens(access_token=access.token, refresh_token=refresh.token, record=record)


def _live_member(session: Session, club_id: int, member_id: int) -> Member | None:
    return session.execute(
        select(Member).where(Member.id == member_id, in_club(Member, club_id), Member.deleted_at.is_(None))
    ).scalar_one_or_none()


# One query for the token and its member (a request with a member token reads both; a round trip less), built
# once: every request of a signed-in member runs it.
_TOKEN_AND_MEMBER = (
    select(MemberToken, Member)
    .join(Member, Member.id == MemberToken.member_id)
    .where(
        MemberToken.access_public_id == bindparam("public_id"),
        in_club(MemberToken, bindparam("club_key")),
        in_club(Member, bindparam("club_key")),
        Member.deleted_at.is_(None),
    )
)


def resolve_access_token(session: Session, club_id: int, token: str) -> tuple[Member, MemberToken] | None:
    """The member and token row of a valid, unexpired, unrevoked access token of this club, else None."""
    parts = secrets.split(token, ACCESS_PREFIX)
    if parts is None:
        return None
    public_id, secret = parts
    found = session.execute(_TOKEN_AND_MEMBER, {"public_id": public_id, "club_key": club_id}).one_or_none()
    if found is None:
        return None
    record, member = found
    if (
        record.revoked_at is not None
        or record.access_expires_at <= utcnow()
        or not secrets.matches(secret, record.access_hash)
    ):
        return None
    return member, record


def refresh_tokens(
    session: Session,
    club_id: int,
    refresh_token: str,
    *,
    access_ttl_seconds: int,
    refresh_ttl_seconds: int,
    client_token_id: int | None = None,
) -> IssuedMemberTokens | None:
    """Exchange a valid refresh token for a new pair (the old pair is revoked); None when invalid."""
    parts = secrets.split(refresh_token, REFRESH_PREFIX)
    if parts is None:
        return None
    public_id, secret = parts
    record = session.execute(
        select(MemberToken).where(MemberToken.refresh_public_id == public_id, in_club(MemberToken, club_id))
    ).scalar_one_or_none()
    if (
        record is None
        or record.revoked_at is not None
        or record.refresh_expires_at <= utcnow()
        or not secrets.matches(secret, record.refresh_hash)
    ):
        return None
    # Conditional update: of two concurrent refreshes with the same token only one wins.
    revoked = session.execute(
        update(MemberToken)
        .where(MemberToken.id == record.id, in_club(MemberToken, club_id), MemberToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if revoked.rowcount != 1:
        return None
    session.expire(record)
    member = _live_member(session, club_id, record.member_id)
    if member is None:
        return None
    return issue_tokens(
        session,
        member,
        access_ttl_seconds=access_ttl_seconds,
        refresh_ttl_seconds=refresh_ttl_seconds,
        client_token_id=client_token_id,
    )


def revoke_token(session: Session, club_id: int, token: str) -> bool:
    """Revoke the pair an access or refresh token belongs to (RFC 7009: unknown tokens are ignored)."""
    for prefix, public_column, hash_attr in (
        (ACCESS_PREFIX, MemberToken.access_public_id, "access_hash"),
        (REFRESH_PREFIX, MemberToken.refresh_public_id, "refresh_hash"),
    ):
        parts = secrets.split(token, prefix)
        if parts is None:
            continue
        public_id, secret = parts
        record = session.execute(
            select(MemberToken).where(public_column == public_id, in_club(MemberToken, club_id))
        ).scalar_one_or_none()
        if record is not None and secrets.matches(secret, getattr(record, hash_attr)):
            if record.revoked_at is None:
                record.revoked_at = utcnow()
                session.flush()
            return True
    return False


def revoke_all(session: Session, member: Member) -> None:
    session.execute(
        update(MemberToken)
        .where(
            MemberToken.member_id == member.id,
            same_club(MemberToken, member),
            MemberToken.revoked_at.is_(None),
        )
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
