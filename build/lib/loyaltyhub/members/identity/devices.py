"""Push devices: app tokens registered by a member's app; their count is ``push_devices``."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club
from loyaltyhub.members import events
from loyaltyhub.members.identity.models import MemberAppToken
from loyaltyhub.members.models import Member
from loyaltyhub.members.service import lock, save_change


def _recount(session: Session, club: LoyaltyClub, member: Member) -> None:
    lock(session, member)
    before = events.reporting_snapshot(member)
    member.push_devices = session.execute(
        select(func.count())
        .select_from(MemberAppToken)
        .where(in_club(MemberAppToken, club.id), MemberAppToken.member_id == member.id)
    ).scalar_one()
    if member.push_devices != before["push_devices"]:
        save_change(session, club, member, before, None)


def register_app_token(
    session: Session, club: LoyaltyClub, member: Member, *, token: str, platform: str | None, product_name: str | None
) -> MemberAppToken:
    """Register (or move to this member) a push token; a device belongs to one member at a time."""
    record = session.execute(
        select(MemberAppToken).where(in_club(MemberAppToken, club.id), MemberAppToken.token == token)
    ).scalar_one_or_none()
    now = utcnow()
    previous_owner = None
    if record is None:
        record = MemberAppToken(
            loyalty_club_id=club.id,
            member_id=member.id,
            token=token,
            platform=platform,
            product_name=product_name,
            created_at=now,
            updated_at=now,
        )
        session.add(record)
    else:
        if record.member_id != member.id:
            previous_owner = session.get(Member, record.member_id)
        record.member_id = member.id
        record.platform = platform or record.platform
        record.product_name = product_name or record.product_name
        record.updated_at = now
    session.flush()
    _recount(session, club, member)
    if previous_owner is not None:
        _recount(session, club, previous_owner)
    return record
