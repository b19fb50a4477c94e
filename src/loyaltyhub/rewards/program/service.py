"""The club's rewards program and its members' memberships (join, leave, the account of a member)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from loyaltyhub.clubs.models import LoyaltyClub
from loyaltyhub.db import dialect
from loyaltyhub.db.base import utcnow
from loyaltyhub.db.tenancy import in_club, same_club
from loyaltyhub.members.models import Member
from loyaltyhub.rewards.errors import NotParticipating, ProgramDisabled
from loyaltyhub.rewards.models import HAS_POINTS_LEFT, PointsTransaction, RewardsAccount, RewardsProgram
from loyaltyhub.rewards.points import ledger, notices
from loyaltyhub.rewards.points.ledger import ExpiryPolicy
from loyaltyhub.rewards.rules import iso


def program_of(session: Session, club_id: int) -> RewardsProgram | None:
    return session.execute(select(RewardsProgram).where(in_club(RewardsProgram, club_id))).scalar_one_or_none()


def enabled_program(session: Session, club_id: int) -> RewardsProgram:
    """The club's program; 402 when it has none or it is switched off."""
    program = program_of(session, club_id)
    if program is None or not program.enabled:
        raise ProgramDisabled()
    return program


def policy_of(club: LoyaltyClub, program: RewardsProgram) -> ExpiryPolicy:
    return ExpiryPolicy(
        tz=ZoneInfo(club.timezone),
        validity_months=program.points_validity_months,
        expire_at=program.points_expire_at,
    )


def save_program(session: Session, club_id: int, values: dict[str, Any]) -> RewardsProgram:
    """Create the club's program or change it (only the keys given). Two first saves racing: the unique
    key on the club makes one of them insert and the other update."""
    if "expiration_notifications" in values:
        notices.check_policy(session, club_id, values["expiration_notifications"])
    dialect.insert_ignore(
        session,
        RewardsProgram.__table__,
        {
            "loyalty_club_id": club_id,
            "enabled": True,
            "reward_activation_time": 30,
            "points_expire_at": "end_of_month",
            "forfeit_points_on_leave": False,
            "created_at": utcnow(),
            "updated_at": utcnow(),
        },
        ["loyalty_club_id"],
    )
    program = program_of(session, club_id)
    assert program is not None
    for key, value in values.items():
        setattr(program, key, value)
    session.flush()
    return program


def account_of(session: Session, club_id: int, member_id: int) -> RewardsAccount | None:
    """The member's account as it is (no lock): for reads."""
    return session.execute(
        select(RewardsAccount).where(in_club(RewardsAccount, club_id), RewardsAccount.member_id == member_id)
    ).scalar_one_or_none()


def require_participant(session: Session, club_id: int, member_id: int) -> RewardsAccount:
    """For reads: the member's account without a lock; 480 when the member is not participating."""
    account = account_of(session, club_id, member_id)
    if account is None or not account.active:
        raise NotParticipating()
    return account


def participating_account(session: Session, club_id: int, member_id: int) -> RewardsAccount:
    """The member's account, locked; 480 when the member has not joined (or has left)."""
    account = ledger.lock_account(session, club_id, member_id)
    if account is None or not account.active:
        raise NotParticipating()
    return account


@dataclass(frozen=True)
class Participant:
    """A participating member's locked account, the club's (enabled) program, and whether any of the
    member's lots was due when the account was locked."""

    account: RewardsAccount
    program: RewardsProgram
    due_lots: bool


# The account's lock, the club's program and "is a lot due?" in one statement: the program is read where
# the account is locked, so it is never stale (no cache to invalidate across processes), and an earning
# reads the lots again only when one is due. The program row is not locked (``FOR UPDATE OF`` the account).
# "Due" compares the member's soonest expiry with the time, not ``EXISTS (... expires_at <= :due_by)``: once
# psycopg prepares the statement (its fifth run on a connection), PostgreSQL's generic plan for that
# EXISTS was a sequential scan of every club's transactions (a fast start expected from a guessed third of
# rows matching: 3.4 ms with 25,000 rows, growing with the table, under the account's lock); the soonest
# expiry is read off ix_rewards_transactions_open_lots whatever the plan.
# A caller may read more in the same statement (the purchase reads its reward): the first three columns stay
# the account, the program and ``due_lots``, and what it adds is an outer join of at most one row.
_SOONEST_EXPIRY = (
    select(func.min(PointsTransaction.expires_at))
    .where(
        in_club(PointsTransaction, bindparam("club_key")),
        PointsTransaction.member_id == bindparam("member_key"),
        HAS_POINTS_LEFT,
    )
    .scalar_subquery()
)
LOCK_PARTICIPANT = (
    select(
        RewardsAccount,
        RewardsProgram,
        (bindparam("due_by", type_=PointsTransaction.expires_at.type) >= _SOONEST_EXPIRY).label("due_lots"),
    )
    .join(RewardsProgram, same_club(RewardsProgram, RewardsAccount))
    .where(
        in_club(RewardsAccount, bindparam("club_key")),
        in_club(RewardsProgram, bindparam("club_key")),
        RewardsAccount.member_id == bindparam("member_key"),
    )
    .with_for_update(of=RewardsAccount)
    .execution_options(populate_existing=True)
)


def lock_participant(session: Session, club_id: int, member_id: int, now: datetime) -> Participant:
    """The member's account, locked, with the club's program: 402 when the club has no enabled program,
    then 480 when the member has not joined (or has left), as :func:`enabled_program` and
    :func:`participating_account` one after the other, in one statement.

    ``due_lots`` comes from the statement's snapshot, taken before the lock was granted (PostgreSQL, read
    committed): a lot committed by a transaction that held the lock meanwhile is not seen. Such a lot was
    earned moments ago and expires at a later local midnight, so it is not due; a lot that such a
    transaction spent or expired is at worst reported due and read again. Spending never relies on the
    flag: it reads the open lots after the lock."""
    row = session.execute(LOCK_PARTICIPANT, lock_parameters(club_id, member_id, now)).one_or_none()
    return participant_of(session, club_id, row)


def lock_parameters(club_id: int, member_id: int, now: datetime) -> dict[str, Any]:
    return {"club_key": club_id, "member_key": member_id, "due_by": now}


def participant_of(session: Session, club_id: int, row: Any) -> Participant:
    """The :class:`Participant` of a row of :data:`LOCK_PARTICIPANT` (None: no account), or the error in
    :func:`lock_participant`'s order: 402 without an enabled program, then 480 when not participating."""
    if row is None:
        enabled_program(session, club_id)  # 402 first, as for a member who joined
        raise NotParticipating()
    account, program, due_lots = row[0], row[1], row[2]
    if not program.enabled:
        raise ProgramDisabled()
    if not account.active:
        raise NotParticipating()
    return Participant(account=account, program=program, due_lots=bool(due_lots))


_ACCOUNT_KEY = ["loyalty_club_id", "member_id"]


def join(session: Session, club_id: int, member_id: int, now: datetime) -> RewardsAccount:
    """Join (idempotent: joining again changes nothing). A member who left and joins again gets the
    account back, with the points kept when the club does not forfeit them on leaving."""
    dialect.insert_ignore(
        session,
        RewardsAccount.__table__,
        {"loyalty_club_id": club_id, "member_id": member_id, "active": False, "joined_at": now, "balance": 0},
        _ACCOUNT_KEY,
    )
    account = ledger.lock_account(session, club_id, member_id)
    assert account is not None
    if not account.active:
        account.active = True
        account.joined_at = now
        account.left_at = None
        session.flush()
    return account


def leave(session: Session, club: LoyaltyClub, program: RewardsProgram, member_id: int, now: datetime) -> None:
    """Leave the program: the history stays; the points are kept for a rejoin, or forfeited by a
    ``correction`` when the club says so. 480 when the member is not participating."""
    account = participating_account(session, club.id, member_id)
    if program.forfeit_points_on_leave:
        ledger.expire_due(session, account, now)
        if account.balance > 0:
            ledger.spend(
                session,
                account,
                type="correction",
                points=account.balance,
                now=now,
                details={"comment": "Left the Rewards Program"},
            )
    account.active = False
    account.left_at = now
    session.flush()


def render_program(program: RewardsProgram) -> dict[str, Any]:
    return {
        "enabled": program.enabled,
        "reward_activation_time": program.reward_activation_time,
        "levels_program": program.levels_program,
        "points_validity_months": program.points_validity_months,
        "points_expire_at": program.points_expire_at,
        "forfeit_points_on_leave": program.forfeit_points_on_leave,
        "expiration_notifications": program.expiration_notifications,
        "created_at": iso(program.created_at),
        "updated_at": iso(program.updated_at),
    }


def set_enrollment_consent(member: Member, granted: bool, now: datetime) -> None:
    """Join grants the ``rewards_enrollment`` consent and leaving removes it (reference (a).2)."""
    member.consents = {**(member.consents or {}), "rewards_enrollment": {"status": granted, "updated_at": iso(now)}}
