"""Issuing and resolving client tokens, staff users and user access tokens."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from loyaltyhub.auth import cache, secrets
from loyaltyhub.auth.models import ClientToken, ClientTokenClub, User, UserAccessToken, UserRole
from loyaltyhub.auth.passwords import hash_password, verify_password
from loyaltyhub.auth.permits import ROLES, is_known
from loyaltyhub.auth.principal import Grant, Principal
from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug, get_or_create_organization
from loyaltyhub.db.base import utcnow
from loyaltyhub.errors import ValidationFailed

CLIENT_PREFIX = "lhc"
USER_PREFIX = "lhu"


@dataclass(frozen=True)
class IssuedClientToken:
    token: str
    record: ClientToken
    club_ids: list[int]


def _clubs_by_slug(session: Session, slugs: Iterable[str]) -> list[LoyaltyClub]:
    clubs = []
    for index, slug in enumerate(slugs):
        club = club_by_slug(session, slug)
        if club is None:
            raise ValidationFailed.at(("clubs", index), "does_not_exist", slug=slug)
        clubs.append(club)
    return clubs


def create_client_token(
    session: Session,
    *,
    name: str,
    permits: Iterable[str],
    club_slugs: Iterable[str] = (),
    organization: str | None = None,
    is_global: bool = False,
    product_name: str | None = None,
) -> IssuedClientToken:
    permits = sorted(set(permits))
    for index, permit in enumerate(permits):
        if not is_known(permit):
            raise ValidationFailed.at(("permits", index), "inclusion", value=permit)
    clubs = _clubs_by_slug(session, club_slugs)
    if sum([bool(clubs), organization is not None, is_global]) != 1:
        raise ValidationFailed.at(("scope",), "exactly_one_of", options=["clubs", "organization", "global"])
    issued = secrets.issue(CLIENT_PREFIX)
    record = ClientToken(
        public_id=issued.public_id,
        secret_hash=issued.secret_hash,
        name=name,
        product_name=product_name,
        permits=permits,
        is_global=is_global,
        organization_id=get_or_create_organization(session, organization).id if organization else None,
    )
    session.add(record)
    session.flush()
    for club in clubs:
        session.add(ClientTokenClub(client_token_id=record.id, loyalty_club_id=club.id))
    session.flush()
    return IssuedClientToken(token=issued.token, record=record, club_ids=[c.id for c in clubs])


def client_principal(session: Session, token: str) -> Principal | None:
    parts = secrets.split(token, CLIENT_PREFIX)
    if parts is None:
        return None
    public_id, secret = parts
    record = session.execute(select(ClientToken).where(ClientToken.public_id == public_id)).scalar_one_or_none()
    if record is None or record.revoked_at is not None or not secrets.matches(secret, record.secret_hash):
        return None
    club_ids = session.execute(
        select(ClientTokenClub.loyalty_club_id).where(ClientTokenClub.client_token_id == record.id)
    ).scalars()
    grant = Grant(
        permits=frozenset(record.permits),
        is_global=record.is_global,
        club_ids=frozenset(club_ids),
        organization_ids=frozenset([record.organization_id]) if record.organization_id else frozenset(),
    )
    return Principal(kind="client", id=record.id, name=record.name, grants=(grant,), product_name=record.product_name)


def revoke_client_token(session: Session, public_id: str) -> bool:
    """Revoke a client token (by its public id); False when there is no such live token. This process
    forgets it at once; other server processes within ``client_token_cache_seconds``."""
    record = session.execute(select(ClientToken).where(ClientToken.public_id == public_id)).scalar_one_or_none()
    cache.forget(public_id)
    if record is None or record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    session.flush()
    return True


def create_user(
    session: Session,
    *,
    email: str,
    password: str,
    role: str,
    club_slugs: Iterable[str] = (),
    organization: str | None = None,
    name: str | None = None,
) -> User:
    if role not in ROLES:
        raise ValidationFailed.at(("role",), "inclusion", **{"in": sorted(ROLES)})
    if len(password) < 8:
        raise ValidationFailed.at(("password",), "too_short", min_length=8)
    clubs = _clubs_by_slug(session, club_slugs)
    if bool(clubs) == (organization is not None):
        raise ValidationFailed.at(("scope",), "exactly_one_of", options=["clubs", "organization"])
    email = email.strip().lower()
    user = session.execute(select(User).where(User.email == email)).scalar_one_or_none()
    if user is None:
        user = User(email=email, password_hash=hash_password(password), name=name)
        session.add(user)
        session.flush()
    else:
        user.password_hash = hash_password(password)
    if organization is not None:
        session.add(
            UserRole(user_id=user.id, role=role, organization_id=get_or_create_organization(session, organization).id)
        )
    for club in clubs:
        session.add(UserRole(user_id=user.id, role=role, loyalty_club_id=club.id))
    session.flush()
    return user


def authenticate_user(session: Session, email: str, password: str) -> User | None:
    user = session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if not verify_password(password, user.password_hash if user else None):
        return None
    if user is None or user.disabled_at is not None:
        return None
    return user


def issue_user_token(session: Session, user: User, ttl_seconds: int) -> tuple[str, UserAccessToken]:
    issued = secrets.issue(USER_PREFIX)
    now = utcnow()
    record = UserAccessToken(
        public_id=issued.public_id,
        secret_hash=issued.secret_hash,
        user_id=user.id,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl_seconds),
    )
    session.add(record)
    session.flush()
    return issued.token, record


def user_principal(session: Session, token: str) -> Principal | None:
    parts = secrets.split(token, USER_PREFIX)
    if parts is None:
        return None
    public_id, secret = parts
    record = session.execute(select(UserAccessToken).where(UserAccessToken.public_id == public_id)).scalar_one_or_none()
    if record is None or record.expires_at <= utcnow() or not secrets.matches(secret, record.secret_hash):
        return None
    user = session.get(User, record.user_id)
    if user is None or user.disabled_at is not None:
        return None
    roles = session.execute(select(UserRole).where(UserRole.user_id == user.id)).scalars()
    grants = tuple(
        Grant(
            permits=ROLES.get(role.role, frozenset()),
            club_ids=frozenset([role.loyalty_club_id]) if role.loyalty_club_id else frozenset(),
            organization_ids=frozenset([role.organization_id]) if role.organization_id else frozenset(),
        )
        for role in roles
    )
    return Principal(kind="user", id=user.id, name=user.email, grants=grants, extra={"email": user.email})


def revoke_user_token(session: Session, token: str) -> bool:
    """Delete a staff user's access token (a console sign-out); False when it is not a live token."""
    parts = secrets.split(token, USER_PREFIX)
    if parts is None:
        return False
    public_id, secret = parts
    record = session.execute(select(UserAccessToken).where(UserAccessToken.public_id == public_id)).scalar_one_or_none()
    if record is None or not secrets.matches(secret, record.secret_hash):
        return False
    session.delete(record)
    session.flush()
    return True


def list_client_tokens(session: Session) -> list[tuple[ClientToken, list[int]]]:
    """Every client token (revoked ones too) with the ids of the clubs it names, oldest first."""
    tokens = list(session.execute(select(ClientToken).order_by(ClientToken.id)).scalars())
    clubs: dict[int, list[int]] = {}
    for token_id, club_id in session.execute(
        select(ClientTokenClub.client_token_id, ClientTokenClub.loyalty_club_id).order_by(ClientTokenClub.id)
    ):
        clubs.setdefault(token_id, []).append(club_id)
    return [(token, clubs.get(token.id, [])) for token in tokens]


def list_users(session: Session) -> list[tuple[User, list[UserRole]]]:
    """Every staff user with their roles, oldest first."""
    users = list(session.execute(select(User).order_by(User.id)).scalars())
    roles: dict[int, list[UserRole]] = {}
    for role in session.execute(select(UserRole).order_by(UserRole.id)).scalars():
        roles.setdefault(role.user_id, []).append(role)
    return [(user, roles.get(user.id, [])) for user in users]


def disable_user(session: Session, email: str) -> User | None:
    """Disable a staff user: no sign-in, and every access token issued before is deleted. None when there
    is no such user; disabling twice keeps the first time."""
    user = session.execute(select(User).where(User.email == email.strip().lower())).scalar_one_or_none()
    if user is None:
        return None
    session.execute(
        update(User).where(User.id == user.id, User.disabled_at.is_(None)).values(disabled_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    session.execute(delete(UserAccessToken).where(UserAccessToken.user_id == user.id))
    session.refresh(user)
    return user
