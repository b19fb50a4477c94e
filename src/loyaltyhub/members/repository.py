"""Read queries on members: the tenant-filtered base statement, lookups and the management list."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, cast, func, or_, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.clubs.service import club_by_slug
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, UnprocessableEntity
from loyaltyhub.members.derived import normalize_msisdn
from loyaltyhub.members.groups.models import MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.members.properties import normalize_email


def members_in_club(club_id: int) -> Select[tuple[Member]]:
    """The tenant-filtered base statement: live members of one club."""
    return select(Member).where(in_club(Member, club_id), Member.deleted_at.is_(None))


def member_or_404(session: Session, club_id: int, member_id: int) -> Member:
    """The club's live member with this id; 404 for another club's member, as if it did not exist."""
    member = session.execute(members_in_club(club_id).where(Member.id == member_id)).scalar_one_or_none()
    if member is None:
        raise NotFound(f"Member#{member_id} not found")
    return member


def members_by_ids(session: Session, club_id: int, member_ids: Iterable[int]) -> dict[int, Member]:
    """The club's live members among ``member_ids``, by id."""
    wanted = list(member_ids)
    if not wanted:
        return {}
    found = session.execute(members_in_club(club_id).where(Member.id.in_(wanted))).scalars()
    return {member.id: member for member in found}


def member_by_identifier(session: Session, club: LoyaltyClub, identifier_type: str, identifier: str) -> Member | None:
    statement = members_in_club(club.id)
    if identifier_type == "id":
        if not (identifier.isascii() and identifier.isdigit()) or len(identifier) > 18:  # "²" is a digit
            return None
        statement = statement.where(Member.id == int(identifier))
    elif identifier_type == "email":
        email = normalize_email(identifier)
        if email is None:
            return None
        statement = statement.where(Member.email == email)
    else:
        msisdn = normalize_msisdn(identifier, club.country)
        if msisdn is None:
            return None
        statement = statement.where(Member.msisdn == msisdn)
    return session.execute(statement).scalar_one_or_none()


def member_by_lookup(session: Session, club: LoyaltyClub, identifier_type: str, identifier: str) -> Member:
    """A lookup by id, e-mail or MSISDN (Management API): 422 for a malformed MSISDN or e-mail, 404 when no
    live member of the club has it (another club's member too)."""
    if identifier_type == "msisdn" and normalize_msisdn(identifier, club.country) is None:
        raise UnprocessableEntity("Invalid MSISDN param")
    if identifier_type == "email" and normalize_email(identifier) is None:
        raise UnprocessableEntity("Invalid e-mail param")
    member = member_by_identifier(session, club, identifier_type, identifier)
    if member is None:
        raise NotFound("Member with given identifier could not found")
    return member


SORTABLE = {"id": Member.id, "created_at": Member.created_at, "updated_at": Member.updated_at}


def list_statement(
    club_id: int,
    *,
    ids: Iterable[int] | None = None,
    search: str | None = None,
    msisdn: str | None = None,
    email: str | None = None,
    group_id: int | None = None,
    optin_channel: str | None = None,
    banned: bool | None = None,
    sort_by: str = "id",
    sort_direction: str = "asc",
) -> Select[tuple[Member]]:
    statement = members_in_club(club_id)
    if ids:
        statement = statement.where(Member.id.in_(list(ids)))
    if msisdn:
        statement = statement.where(Member.msisdn == msisdn)
    if email:
        statement = statement.where(Member.email == email.strip().lower())
    if optin_channel:
        statement = statement.where(Member.optin_channel == optin_channel)
    if group_id is not None:
        statement = statement.where(
            Member.id.in_(
                select(MemberGroupMembership.member_id).where(
                    in_club(MemberGroupMembership, club_id), MemberGroupMembership.group_id == group_id
                )
            )
        )
    if banned is not None:
        now = utcnow()
        is_banned = Member.banned_until.is_not(None) & (Member.banned_until > now)
        statement = statement.where(is_banned if banned else ~is_banned)
    if search:
        # autoescape: a "%" or "_" typed in the search box is that character, not a wildcard
        text = search.strip().lower()
        statement = statement.where(
            or_(
                func.lower(Member.email).contains(text, autoescape=True),
                Member.msisdn.contains(text, autoescape=True),
                cast(Member.id, String).contains(text, autoescape=True),
            )
        )
    column = SORTABLE[sort_by]
    statement = statement.order_by(column.desc() if sort_direction == "desc" else column.asc(), Member.id.asc())
    return statement


def club_and_member_select(*more: Any) -> Select[Any]:
    """``SELECT club, member, *more`` for one slug (``slug_key``): the member (``member_key``; no row for
    None) and whatever else a route outer-joins to the club, so a route reads all it needs in one query."""
    return (
        select(LoyaltyClub, Member, *more)
        .outerjoin(
            Member,
            and_(in_club(Member, LoyaltyClub.id), Member.id == bindparam("member_key"), Member.deleted_at.is_(None)),
        )
        .where(LoyaltyClub.slug == bindparam("slug_key"))
    )


_CLUB_AND_MEMBER = club_and_member_select()


def club_and_member(session: Session, slug: str, member_id: int | None) -> tuple[LoyaltyClub | None, Any]:
    """The club with this slug and, when ``member_id`` is given, its live member with that id: one query."""
    if member_id is None:
        return club_by_slug(session, slug), None
    row = session.execute(_CLUB_AND_MEMBER, {"slug_key": slug, "member_key": member_id}).first()
    return (row[0], row[1]) if row is not None else (None, None)
