"""Member groups (lists, programs, offer audiences) and their membership.

``member_group_memberships`` is the source of truth; each member row also carries ``group_ids`` (kept
in step here, under a row lock) so reports and audiences read one column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.errors import NotFound, ValidationFailed, details_tree
from loyaltyhub.members import events
from loyaltyhub.members.groups.models import MemberGroup, MemberGroupMembership
from loyaltyhub.members.models import Member
from loyaltyhub.members.repository import members_in_club
from loyaltyhub.members.service import lock, save_change

SORTABLE = {"id": MemberGroup.id, "name": MemberGroup.name, "created_at": MemberGroup.created_at}


def group_or_404(session: Session, club_id: int, group_id: int) -> MemberGroup:
    group = session.execute(groups_in_club(club_id).where(MemberGroup.id == group_id)).scalar_one_or_none()
    if group is None:
        raise NotFound(f"MemberGroup#{group_id} not found")
    return group


def groups_in_club(club_id: int) -> Select[tuple[MemberGroup]]:
    """The tenant-filtered base statement."""
    return select(MemberGroup).where(in_club(MemberGroup, club_id))


def list_statement(
    club_id: int, *, search: str | None = None, sort_by: str = "name", sort_direction: str = "asc"
) -> Select[tuple[MemberGroup]]:
    statement = groups_in_club(club_id)
    if search:
        statement = statement.where(MemberGroup.name.icontains(search.strip(), autoescape=True))
    column = SORTABLE[sort_by]
    return statement.order_by(column.desc() if sort_direction == "desc" else column.asc(), MemberGroup.id.asc())


def groups_of_member(club_id: int, member_id: int) -> Select[tuple[MemberGroup]]:
    """The groups a member belongs to, by name."""
    return (
        groups_in_club(club_id)
        .join(MemberGroupMembership, MemberGroupMembership.group_id == MemberGroup.id)
        .where(in_club(MemberGroupMembership, club_id), MemberGroupMembership.member_id == member_id)
        .order_by(MemberGroup.name, MemberGroup.id)
    )


def members_counts(session: Session, club_id: int, group_ids: Sequence[int]) -> dict[int, int]:
    if not group_ids:
        return {}
    rows = session.execute(
        select(MemberGroupMembership.group_id, func.count())
        .where(in_club(MemberGroupMembership, club_id), MemberGroupMembership.group_id.in_(list(group_ids)))
        .group_by(MemberGroupMembership.group_id)
    ).all()
    return {group_id: count for group_id, count in rows}


def _flush_name(session: Session) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:
        raise ValidationFailed.at(("name",), "taken")


def _check_name(session: Session, club_id: int, name: str, group_id: int | None) -> None:
    statement = select(MemberGroup.id).where(in_club(MemberGroup, club_id), MemberGroup.name == name)
    if group_id is not None:
        statement = statement.where(MemberGroup.id != group_id)
    if session.execute(statement.limit(1)).first():
        raise ValidationFailed.at(("name",), "taken")


def create_group(session: Session, club_id: int, *, name: str, description: str | None = None) -> MemberGroup:
    _check_name(session, club_id, name, None)
    now = utcnow()
    group = MemberGroup(loyalty_club_id=club_id, name=name, description=description, created_at=now, updated_at=now)
    session.add(group)
    _flush_name(session)
    return group


def update_group(session: Session, group: MemberGroup, changes: dict[str, Any]) -> MemberGroup:
    if changes.get("name") is not None:
        _check_name(session, group.loyalty_club_id, changes["name"], group.id)
        group.name = changes["name"]
    if "description" in changes:
        group.description = changes["description"]
    group.updated_at = utcnow()
    _flush_name(session)
    return group


def _members(session: Session, club_id: int, member_ids: Sequence[int]) -> dict[int, Member]:
    found = session.execute(members_in_club(club_id).where(Member.id.in_(list(member_ids)))).scalars()
    return {member.id: member for member in found}


def add_members(session: Session, club: LoyaltyClub, group: MemberGroup, member_ids: Sequence[int]) -> list[int]:
    """Add members to the group; unknown ids → 422 ``does_not_exist``. Returns the ids newly added."""
    wanted = list(dict.fromkeys(member_ids))
    members = _members(session, club.id, wanted)
    missing = [(("member_ids", i), "does_not_exist", {"id": m}) for i, m in enumerate(member_ids) if m not in members]
    if missing:
        raise ValidationFailed(details_tree(missing))
    present = set(
        session.execute(
            select(MemberGroupMembership.member_id).where(
                in_club(MemberGroupMembership, club.id),
                MemberGroupMembership.group_id == group.id,
                MemberGroupMembership.member_id.in_(wanted),
            )
        ).scalars()
    )
    added = [m for m in wanted if m not in present]
    now = utcnow()
    for member_id in added:
        session.add(
            MemberGroupMembership(loyalty_club_id=club.id, group_id=group.id, member_id=member_id, created_at=now)
        )
        member = lock(session, members[member_id])
        before = events.reporting_snapshot(member)
        member.group_ids = sorted({*(member.group_ids or []), group.id})
        save_change(session, club, member, before, None)
    return added


def remove_members(session: Session, club: LoyaltyClub, group: MemberGroup, member_ids: Sequence[int]) -> list[int]:
    """Remove members from the group; ids not in it are ignored. Returns the ids removed."""
    memberships = list(
        session.execute(
            select(MemberGroupMembership).where(
                in_club(MemberGroupMembership, club.id),
                MemberGroupMembership.group_id == group.id,
                MemberGroupMembership.member_id.in_(list(member_ids)),
            )
        ).scalars()
    )
    members = _members(session, club.id, [m.member_id for m in memberships])
    removed = []
    for membership in memberships:
        session.delete(membership)
        removed.append(membership.member_id)
        member = members.get(membership.member_id)
        if member is None:
            continue
        lock(session, member)
        before = events.reporting_snapshot(member)
        member.group_ids = [g for g in member.group_ids or [] if g != group.id]
        save_change(session, club, member, before, None)
    session.flush()
    return sorted(removed)


def delete_group(session: Session, club: LoyaltyClub, group: MemberGroup) -> None:
    member_ids = session.execute(
        select(MemberGroupMembership.member_id).where(
            in_club(MemberGroupMembership, club.id), MemberGroupMembership.group_id == group.id
        )
    ).scalars()
    remove_members(session, club, group, list(member_ids))
    session.delete(group)
    session.flush()


def group_member_ids(club_id: int, group_id: int) -> Select[tuple[int]]:
    return (
        select(MemberGroupMembership.member_id)
        .where(in_club(MemberGroupMembership, club_id), MemberGroupMembership.group_id == group_id)
        .order_by(MemberGroupMembership.member_id)
    )
