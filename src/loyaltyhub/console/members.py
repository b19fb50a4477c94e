"""Members in the console: the management API's list query and member view, and banning through the API's
update schema and the members service (the same rules, events and counters as ``PATCH /members/{id}``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.orm import Session

from loyaltyhub.auth import permits
from loyaltyhub.auth.context import ClubAccess
from loyaltyhub.digits import decimal
from loyaltyhub.errors import ValidationFailed
from loyaltyhub.http.errors import validation_details
from loyaltyhub.http.pagination import Page, paginate
from loyaltyhub.member_offers import repository as member_offers_repository
from loyaltyhub.members import repository, service
from loyaltyhub.members.groups import service as groups_service
from loyaltyhub.members.groups.schemas import GroupCreate, GroupMembersChange, GroupUpdate
from loyaltyhub.members.schemas import ManagedMemberOut, MemberUpdate
from loyaltyhub.messaging import repository as messaging_repository
from loyaltyhub.offers import grants as offer_grants
from loyaltyhub.rewards.points import service as points_service
from loyaltyhub.schemas import PaginationInfo

PER_PAGE = 25


def search(
    session: Session, access: ClubAccess, params: dict[str, str]
) -> tuple[list[ManagedMemberOut], PaginationInfo, dict[str, str]]:
    """A page of the club's members: ``q`` is part of the e-mail, MSISDN or id (the API's ``search``)."""
    term = (params.get("q") or "").strip()[:200] or None
    banned = {"yes": True, "no": False}.get(params.get("banned", ""))
    page_no = decimal(params.get("page"), max_digits=9) or 1
    statement = repository.list_statement(access.club_id, search=term, banned=banned, sort_direction="desc")
    members, info = paginate(session, statement, Page(page_no, PER_PAGE))
    shown = {"q": term or "", "banned": params.get("banned", "") if banned is not None else ""}
    return [ManagedMemberOut.of(m) for m in members], info, shown


def profile(session: Session, access: ClubAccess, member_id: int) -> ManagedMemberOut:
    return ManagedMemberOut.of(repository.member_or_404(session, access.club_id, member_id))


def set_ban(session: Session, access: ClubAccess, member_id: int, until: str | None) -> ManagedMemberOut:
    """Ban until ``until`` (the club's wall time, ``YYYY-MM-DDTHH:MM``) or unban (None)."""
    member = repository.member_or_404(session, access.club_id, member_id)
    value: Any = None
    if until is not None:
        try:
            value = datetime.strptime(until.strip(), "%Y-%m-%dT%H:%M").replace(tzinfo=ZoneInfo(access.club.timezone))
        except ValueError:
            value = until  # the schema answers with the API's error
    try:
        body = MemberUpdate.model_validate({"banned_until": value})
    except ValidationError as exc:
        raise ValidationFailed(validation_details([dict(e) for e in exc.errors()]))
    return ManagedMemberOut.of(service.update_member(session, access.club, member, body.model_dump(exclude_unset=True)))


def display_name(member: ManagedMemberOut) -> str:
    props = member.properties or {}
    name = " ".join(str(props[k]) for k in ("first_name", "last_name") if props.get(k))
    return name or str(props.get("email") or props.get("msisdn") or f"Member {member.id}")


@dataclass
class History:
    """What the profile shows beside the member's record, each part only to a role that may read it."""

    grants: list[tuple[Any, Any]] | None = None
    uses: list[tuple[Any, Any]] | None = None
    dispatches: list[Any] | None = None
    points: dict[str, Any] | None = None


def history(session: Session, access: ClubAccess, member_id: int) -> History:
    """The member's latest grants and uses (``Offers:Api:Offers:List``), messages sent to them
    (``Messages:Api:Dispatches:List``) and points status (``Rewards:Api:Transactions:List``), read by the
    domains' own functions."""
    held = access.permits
    found = History()
    if permits.OFFERS_LIST in held:
        found.grants = offer_grants.member_grants(session, access.club_id, member_id)
        found.uses = member_offers_repository.member_uses(session, access.club_id, member_id)
    if permits.DISPATCHES_LIST in held:
        found.dispatches = messaging_repository.member_dispatches(session, access.club_id, member_id)
    if permits.REWARDS_TRANSACTIONS_LIST in held:
        member = repository.member_or_404(session, access.club_id, member_id)
        found.points = points_service.status(session, access.club, member, Page(1, 20), datetime.now(UTC))
    return found


def offer_name(offer: Any, language: str) -> str:
    names = offer.name or {}
    return str(names.get(language) or next(iter(names.values()), "") or f"Offer {offer.id}")


# --- groups (the member groups' service, as ``/v3/{club}/members/groups`` uses it) -----------------------


def groups_listing(session: Session, access: ClubAccess) -> list[tuple[Any, int]]:
    """The club's groups by name, with their member counts."""
    found = list(session.execute(groups_service.list_statement(access.club_id)).scalars())
    counts = groups_service.members_counts(session, access.club_id, [g.id for g in found])
    return [(group, counts.get(group.id, 0)) for group in found]


def create_group(session: Session, access: ClubAccess, name: str, description: str) -> Any:
    body = _parsed(GroupCreate, {"name": name, "description": description.strip() or None})
    return groups_service.create_group(session, access.club_id, name=body.name, description=body.description)


def group(session: Session, access: ClubAccess, group_id: int) -> tuple[Any, int]:
    """One group of the club (404 otherwise) with its member count."""
    found = groups_service.group_or_404(session, access.club_id, group_id)
    return found, groups_service.members_counts(session, access.club_id, [found.id]).get(found.id, 0)


def update_group(session: Session, access: ClubAccess, group_id: int, name: str, description: str) -> Any:
    """Rename a group or change its description (the API's ``PATCH …/members/groups/{id}``)."""
    body = _parsed(GroupUpdate, {"name": name, "description": description.strip() or None})
    found = groups_service.group_or_404(session, access.club_id, group_id)
    return groups_service.update_group(session, found, body.model_dump(exclude_unset=True))


def delete_group(session: Session, access: ClubAccess, group_id: int) -> None:
    """Delete a group; its members leave it (the API's ``DELETE …/members/groups/{id}``)."""
    groups_service.delete_group(session, access.club, groups_service.group_or_404(session, access.club_id, group_id))


def member_groups(session: Session, access: ClubAccess, member_id: int) -> list[Any]:
    return list(session.execute(groups_service.groups_of_member(access.club_id, member_id)).scalars())


def add_to_group(session: Session, access: ClubAccess, member_id: int, raw_group_id: str) -> None:
    """Add the member to a group of the club (the API's ``POST …/groups/{id}/members``)."""
    member = repository.member_or_404(session, access.club_id, member_id)
    if decimal(raw_group_id.strip()) is None:
        raise ValidationFailed.at(
            ("group_id",), "blank" if not raw_group_id.strip() else "invalid_type", expected="integer"
        )
    group = groups_service.group_or_404(session, access.club_id, int(raw_group_id))
    body = _parsed(GroupMembersChange, {"member_ids": [member.id]})
    groups_service.add_members(session, access.club, group, body.member_ids)


def remove_from_group(session: Session, access: ClubAccess, member_id: int, group_id: int) -> None:
    """Take the member out of a group (the API's ``DELETE …/groups/{id}/members/{member_id}``)."""
    member = repository.member_or_404(session, access.club_id, member_id)
    group = groups_service.group_or_404(session, access.club_id, group_id)
    groups_service.remove_members(session, access.club, group, [member.id])


def _parsed(model: Any, body: dict[str, Any]) -> Any:
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        raise ValidationFailed(validation_details([dict(e) for e in exc.errors()]))
